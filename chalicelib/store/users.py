"""User items and the transactions that keep users and their claims together."""

from __future__ import annotations

import dataclasses
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.config import get_settings
from chalicelib.domain import errors
from chalicelib.domain.claims import document_claim, email_claim, user_id_claim
from chalicelib.domain.errors import GONE_MEANWHILE
from chalicelib.domain.fields import email_key
from chalicelib.domain.records import AuditEvent, CodeRecord, User
from chalicelib.store.audit import audit_item
from chalicelib.store.codes import consumed
from chalicelib.store.errors import dynamodb_unavailable
from chalicelib.store.models import ClaimModel, UserModel
from chalicelib.store.retries import retry_transaction_conflicts
from chalicelib.store.undo import confirmed_through, links_of

# What the user item keeps about undo links (R-HARD-9) is converted apart, and a new account has
# none of it.
_UNDO_FIELDS = ("email_undo_links", "email_undo_confirmed_through")
_USER_FIELDS = tuple(f.name for f in dataclasses.fields(User) if f.name not in _UNDO_FIELDS)


def to_model(user: User) -> UserModel:
    return UserModel(**{name: getattr(user, name) for name in _USER_FIELDS})


def to_user(item: UserModel) -> User:
    values: dict[str, Any] = {name: getattr(item, name) for name in _USER_FIELDS}
    values["email_undo_links"] = links_of(item)
    values["email_undo_confirmed_through"] = confirmed_through(item)
    values["version"] = int(values["version"])
    values["session_epoch"] = int(values["session_epoch"])
    values["locked_until"] = int(values["locked_until"])
    values["lock_notice_at"] = int(values["lock_notice_at"] or 0)
    values["failed_logins"] = [int(t) for t in values["failed_logins"] or []]
    return User(**values)


CONDITION_FAILED = "ConditionalCheckFailed"

_connection: Connection | None = None


def connection() -> Connection:
    """One low-level connection reused across invocations, for transactions."""
    global _connection
    if _connection is None:
        _connection = Connection(region=get_settings().region, max_retry_attempts=3)
    # Idempotent, and repeated because PynamoDB replaces its client if credentials go missing.
    retry_transaction_conflicts(_connection.client)
    return _connection


def cancelled_items(exc: TransactWriteError) -> list[str]:
    """The cancellation reason code of each item of a failed transaction ('None' if it passed)."""
    return [(reason.code if reason else "None") for reason in exc.cancellation_reasons or []]


class DynamoRegistrar:
    """R-REG-13: user, its three claims, the code's consumption and the audit in one go."""

    def register(self, user: User, code: CodeRecord, audit: AuditEvent) -> None:
        claims = [
            user_id_claim(user.user_id),
            document_claim(user.document_type, user.document_number),
            email_claim(email_key(user.email)),
        ]
        with dynamodb_unavailable():
            try:
                with TransactWrite(connection=connection()) as tx:
                    tx.save(to_model(user), condition=UserModel.user_id.does_not_exist())
                    for claim in claims:
                        tx.save(
                            ClaimModel(claim, owner=user.user_id),
                            condition=ClaimModel.claim.does_not_exist(),
                        )
                    item, actions, condition = consumed(code)
                    tx.update(item, actions=actions, condition=condition)
                    tx.save(audit_item(audit))
            except TransactWriteError as exc:
                reasons = cancelled_items(exc)
                if CONDITION_FAILED in reasons:
                    raise _registration_conflict(reasons) from exc
                raise


def _registration_conflict(reasons: list[str]) -> errors.ApiError:
    """Which field lost the race, in the order the form shows them.

    PynamoDB sends a transaction's items grouped by kind (condition checks, deletes, puts,
    updates), not in call order, and the reasons follow what was sent: the user, its three
    claims and the audit are the puts 0-4; the code's update comes last, at 5.
    """
    failed = [r == CONDITION_FAILED for r in reasons] + [False] * 6
    if failed[0] or failed[1]:
        return errors.UserIdTaken()
    if failed[2]:
        return errors.DocumentTaken()
    if failed[3]:
        return errors.EmailTaken()
    if failed[5]:
        return errors.SecurityCodeInvalid(GONE_MEANWHILE)
    return errors.ServiceUnavailable()
