"""Audit items (R-MOD-8): append-only, one per event, never a secret's value."""

from __future__ import annotations

import secrets

from chalicelib.domain.records import USER_AGENT_MAX, AuditEvent
from chalicelib.store.models import AuditModel


def audit_item(event: AuditEvent) -> AuditModel:
    """The sort key starts with the time, so a user's trail reads in order; the random suffix
    keeps two events of the same kind in the same second (two log-ins) from overwriting each
    other."""
    return AuditModel(
        event.user_id,
        f"{event.at}#{event.event}#{secrets.token_hex(4)}",
        event=event.event,
        at=event.at,
        source_ip=event.source_ip,
        fields=set(event.fields) or None,
        detail=event.detail or None,
        user_agent=event.user_agent[:USER_AGENT_MAX] or None,
        operator=event.operator or None,
        ticket=event.ticket or None,
        privacy_notice_version=event.privacy_notice_version or None,
    )
