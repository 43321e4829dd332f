"""The retention rules' reads and writes (R-PRIV-4): Queries of two sparse indexes and of one
account's trail, UpdateItems that remove personal data, and a cursor per rule. Never a Scan."""

from __future__ import annotations

import logging

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from chalicelib.domain.records import STATUS_DEACTIVATED
from chalicelib.domain.retention import (
    ANONYMISED_NAME,
    ANONYMISED_TEXT,
    Anonymisation,
    EventKey,
    Stripping,
)
from chalicelib.store.errors import dynamodb_unavailable, is_condition_failure
from chalicelib.store.models import AuditModel, RetentionCursorModel, UserModel

log = logging.getLogger(__name__)

_CURSOR = "RETENTION#"


class DynamoRetentionStore:
    def cursor(self, rule: str) -> str | None:
        with dynamodb_unavailable():
            try:
                return RetentionCursorModel.get(_CURSOR + rule, consistent_read=True).done_through
            except RetentionCursorModel.DoesNotExist:
                return None

    def advance(self, rule: str, day: str) -> None:
        with dynamodb_unavailable():
            RetentionCursorModel(_CURSOR + rule, done_through=day).save()

    def events_recorded_on(self, day: str, limit: int) -> list[EventKey]:
        with dynamodb_unavailable():
            return [
                EventKey(item.user_id, item.at_event, item.event)
                for item in AuditModel.by_detail_day.query(day, limit=limit)
            ]

    def accounts_deactivated_on(self, day: str, limit: int) -> list[str]:
        with dynamodb_unavailable():
            return [item.user_id for item in UserModel.by_deactivation_day.query(day, limit=limit)]

    def trail_keys(self, user_id: str) -> list[EventKey]:
        """One Query per page of the account's partition (R-PRIV-3's reading, too)."""
        with dynamodb_unavailable():
            return [
                EventKey(item.user_id, item.at_event, item.event)
                for item in AuditModel.query(user_id, consistent_read=True)
                if item.source_ip or item.user_agent or item.detail or item.detail_on
            ]

    def strip(self, stripping: Stripping) -> None:
        key = stripping.key
        actions: list[Action] = [
            AuditModel.source_ip.remove(),
            AuditModel.user_agent.remove(),
            AuditModel.detail_on.remove(),
        ]
        if stripping.detail:
            actions.append(AuditModel.detail.remove())
        item = AuditModel(key.user_id, key.at_event)
        with dynamodb_unavailable():
            try:
                # Never creates an item: an event removed meanwhile stays removed.
                item.update(actions=actions, condition=AuditModel.at_event.exists())
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise

    def anonymise(self, anonymisation: Anonymisation) -> bool:
        """One UpdateItem, conditional on the account being deactivated: its personal fields
        replaced or removed, its undo links and second factor gone, the index key removed."""
        a = anonymisation
        actions: list[Action] = [
            UserModel.name.set(ANONYMISED_NAME),
            UserModel.document_number.set(ANONYMISED_TEXT),
            UserModel.address.set(ANONYMISED_TEXT),
            UserModel.phone1.set(ANONYMISED_TEXT),
            UserModel.email.set(ANONYMISED_TEXT),
            UserModel.password_hash.set(a.password_hash),
            UserModel.anonymised_at.set(a.at),
            UserModel.updated_at.set(a.at),
            UserModel.version.add(1),
            *(
                attribute.remove()
                for attribute in (
                    UserModel.province,
                    UserModel.city,
                    UserModel.phone2,
                    UserModel.mobile,
                    UserModel.mobile_operator,
                    UserModel.fax,
                    UserModel.registered_name,
                    UserModel.deactivation_reason,
                    UserModel.email_undo_links,
                    UserModel.email_undo_voids,
                    UserModel.email_undeliverable_until,
                    UserModel.totp_secret,
                    UserModel.totp_pending,
                    UserModel.totp_recovery,
                    UserModel.deactivated_on,
                )
            ),
        ]
        with dynamodb_unavailable():
            try:
                UserModel(a.user_id).update(
                    actions=actions, condition=UserModel.status == STATUS_DEACTIVATED
                )
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise
                log.warning("anonymisation refused: account not deactivated")
                return False
        return True
