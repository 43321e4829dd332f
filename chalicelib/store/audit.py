"""Audit items (R-MOD-8): append-only, one per event, never a secret's value."""

from __future__ import annotations

import secrets

from chalicelib.domain.records import USER_AGENT_MAX, AuditEvent
from chalicelib.store.models import AuditModel


def audit_item(event: AuditEvent) -> AuditModel:
    """The sort key starts with the time, so a user's trail reads in order; the random suffix
    keeps two events of the same kind in the same second (two log-ins) from overwriting each
    other. An event that holds an address or a browser is indexed by its day, for the retention
    rule that removes them (R-PRIV-4)."""
    holds_origin = bool(event.source_ip or event.user_agent)
    return AuditModel(
        event.user_id,
        f"{event.at}#{event.event}#{secrets.token_hex(4)}",
        event=event.event,
        at=event.at,
        source_ip=event.source_ip or None,
        fields=set(event.fields) or None,
        detail=event.detail or None,
        user_agent=event.user_agent[:USER_AGENT_MAX] or None,
        operator=event.operator or None,
        ticket=event.ticket or None,
        privacy_notice_version=event.privacy_notice_version or None,
        detail_on=event.at[:10] if holds_origin else None,
    )


class DynamoAuditTrail:
    """An account's audit trail (R-PRIV-3): one Query of the user's partition per page, oldest
    first, never a Scan."""

    def trail_of(self, user_id: str) -> list[AuditEvent]:
        from chalicelib.store.errors import dynamodb_unavailable

        with dynamodb_unavailable():
            return [_to_event(item) for item in AuditModel.query(user_id, consistent_read=True)]

    def append(self, event: AuditEvent) -> None:
        from chalicelib.store.errors import dynamodb_unavailable

        with dynamodb_unavailable():
            audit_item(event).save()


def _to_event(item: AuditModel) -> AuditEvent:
    return AuditEvent(
        item.user_id,
        item.event,
        item.at,
        item.source_ip or "",
        fields=tuple(sorted(item.fields or ())),
        detail=item.detail or "",
        user_agent=item.user_agent or "",
        operator=item.operator or "",
        ticket=item.ticket or "",
        privacy_notice_version=item.privacy_notice_version or "",
    )
