"""«Descargar mis datos» (R-PRIV-3, LOPDP Art. 13 and 17): everything kept about one person as
one JSON document, for the owner (with the password) and for the help desk, built here once.

What it holds is chosen field by field, never by copying items: so no password hash, token,
code, session key or recovery hash can reach it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain.account_sessions import SessionView
from chalicelib.domain.clock import iso
from chalicelib.domain.records import PROFILE_FIELDS, AuditEvent, User

EXPORTED = "DATA_EXPORTED"


class AuditTrail(Protocol):
    def trail_of(self, user_id: str) -> list[AuditEvent]:
        """The whole trail, oldest first: one Query per page of the user's partition."""
        ...

    def append(self, event: AuditEvent) -> None: ...


@dataclass
class ExportDeps:
    trail: AuditTrail
    current_notice_version: str


def _event(event: AuditEvent) -> dict[str, Any]:
    return {
        "event": event.event,
        "at": event.at,
        "source_ip": event.source_ip or None,
        "user_agent": event.user_agent or None,
        "fields": list(event.fields),
        "detail": event.detail or None,
        # Who acted for the person (R-ADM-2): that it was the help desk, and its ticket.
        "by_help_desk": bool(event.operator),
        "ticket": event.ticket or None,
    }


def _account(user: User, current: str, now: float) -> dict[str, Any]:
    account: dict[str, Any] = {name: getattr(user, name) for name in PROFILE_FIELDS}
    account.update(
        {
            "deactivation_reason": user.deactivation_reason,
            "deactivated_at": user.deactivated_at,
            "privacy_notice_version": user.privacy_notice_version,
            "privacy_notice_acknowledged_at": user.privacy_notice_acknowledged_at,
            "privacy_notice_current": user.privacy_notice_version == current,
            "totp_enabled": user.totp_enabled,
            "locked_until": iso(user.locked_until) if user.locked_until > now else None,
        }
    )
    return account


def export_for(
    deps: ExportDeps, user: User, sessions: list[SessionView], now: float
) -> dict[str, Any]:
    """The export document (api.md "Privacy"), as of `now`."""
    trail = deps.trail.trail_of(user.user_id)
    acknowledgements = [
        {"version": e.privacy_notice_version, "at": e.at, "event": e.event}
        for e in trail
        if e.privacy_notice_version
    ]
    return {
        "exported_at": iso(now),
        "account": _account(user, deps.current_notice_version, now),
        "privacy_acknowledgements": acknowledgements,
        "audit": [_event(e) for e in trail],
        "sessions": [
            {
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "source_ip": s.source_ip,
                "device": s.device,
                "current": s.current,
            }
            for s in sessions
        ],
        "email_delivery": {
            "address": user.email,
            "deliverable": user.email_deliverable(now),
            "undeliverable_until": (
                iso(user.email_undeliverable_until) if not user.email_deliverable(now) else None
            ),
        },
    }


def file_name(user_id: str, now: float) -> str:
    """`mis-datos-<id>-<fecha>.json` (R-PRIV-3)."""
    return f"mis-datos-{user_id}-{iso(now)[:10]}.json"
