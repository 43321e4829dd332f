"""Security-code items, written only under a condition on the revision that was read."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.clock import HOUR
from chalicelib.domain.delivery import DeliveryState
from chalicelib.domain.records import CodeRecord, CodeTry
from chalicelib.domain.security_codes import StaleCode
from chalicelib.store.batch import batch_get
from chalicelib.store.conditional import update_returning
from chalicelib.store.delivery import delivery_key, to_state
from chalicelib.store.errors import dynamodb_unavailable, is_condition_failure
from chalicelib.store.models import ClaimModel, CodeModel, DeliveryModel


def code_key(email_key: str, purpose: str) -> str:
    return f"{email_key}#{purpose}"


def _to_record(item: CodeModel, email_key: str, purpose: str) -> CodeRecord:
    return CodeRecord(
        email_key=email_key,
        purpose=purpose,
        code_hash=item.code_hash,
        expires_at=int(item.expires_at),
        attempts=int(item.attempts),
        sends=[int(t) for t in item.sends or []],
        used=bool(item.used),
        revision=int(item.revision),
        requester=item.requester or "",
        foreign_attempts=int(item.foreign_attempts or 0),
        sent_to=item.sent_to or "",
    )


def revision_condition(revision: int) -> Condition:
    if revision == 0:
        return CodeModel.key.does_not_exist()
    return CodeModel.revision == revision


def code_consumption(code: CodeRecord) -> tuple[CodeModel, list[Any], Condition]:
    """The update, inside a transaction, that uses up `code` if it is still the one read.

    Wrong tries counted meanwhile do not stop it: this one was counted before them, within the
    limit, so it was a fair try (R-HARD-1).
    """
    actions = [CodeModel.code_hash.remove(), CodeModel.used.set(True), CodeModel.revision.add(1)]
    condition = (CodeModel.revision == code.revision) & (CodeModel.code_hash == code.code_hash)
    return CodeModel(code_key(code.email_key, code.purpose)), actions, condition


class DynamoCodeStore:
    def get(self, email_key: str, purpose: str) -> CodeRecord | None:
        with dynamodb_unavailable():
            try:
                item = CodeModel.get(code_key(email_key, purpose), consistent_read=True)
            except DoesNotExist:
                return None
        return _to_record(item, email_key, purpose)

    def get_with_owner(
        self, email_key: str, purpose: str, claim: str
    ) -> tuple[CodeRecord | None, str | None]:
        code_item, claim_item = batch_get(
            [(CodeModel, code_key(email_key, purpose)), (ClaimModel, claim)]
        )
        record = _to_record(code_item, email_key, purpose) if code_item is not None else None
        return record, (claim_item.owner if claim_item is not None else None)

    def get_for_request(
        self, email_key: str, purpose: str, claim: str, address: str
    ) -> tuple[CodeRecord | None, str | None, DeliveryState | None]:
        """The code, the claim's owner and the address's delivery state: one BatchGetItem over
        three tables, the call a code request already made for the first two (R-MAIL-3)."""
        code_item, claim_item, state_item = batch_get(
            [
                (CodeModel, code_key(email_key, purpose)),
                (ClaimModel, claim),
                (DeliveryModel, delivery_key(address)),
            ]
        )
        return (
            _to_record(code_item, email_key, purpose) if code_item is not None else None,
            claim_item.owner if claim_item is not None else None,
            to_state(state_item, address) if state_item is not None else None,
        )

    def put(self, record: CodeRecord) -> CodeRecord:
        last_send = max(record.sends, default=record.expires_at)
        item = CodeModel(
            code_key(record.email_key, record.purpose),
            code_hash=record.code_hash,
            expires_at=record.expires_at,
            attempts=record.attempts,
            sends=record.sends,
            used=record.used,
            revision=record.revision + 1,
            requester=record.requester or None,
            foreign_attempts=record.foreign_attempts,
            purge_at=max(record.expires_at, last_send + HOUR),
            sent_to=record.sent_to,
        )
        with dynamodb_unavailable():
            try:
                item.save(condition=revision_condition(record.revision))
            except PutError as exc:
                if is_condition_failure(exc):
                    raise StaleCode() from exc
                raise
        return _to_record(item, record.email_key, record.purpose)

    def count_try(
        self,
        email_key: str,
        sent_to: str,
        purpose: str,
        requester: str,
        now: int,
        max_attempts: int,
    ) -> CodeTry:
        """One UpdateItem for the holder; a second one for another source, whose try goes to
        the others' pool once the first has shown that the code is someone else's."""
        key = code_key(email_key, purpose)
        # An item written before R-HARD-3 names no address: it went to its mailbox.
        addressed = CodeModel.sent_to == sent_to
        if sent_to == email_key:
            addressed = addressed | CodeModel.sent_to.does_not_exist()
        usable = (
            CodeModel.code_hash.exists()
            & addressed
            & (CodeModel.used == False)  # noqa: E712
            & (CodeModel.expires_at > now)
        )
        holder = CodeModel.requester.does_not_exist() | (CodeModel.requester == requester)
        counted, item = update_returning(
            CodeModel,
            key,
            [CodeModel.attempts.add(1)],
            usable & holder & (CodeModel.attempts < max_attempts),
        )
        if item is None:
            return CodeTry(None, False)
        record = _to_record(item, email_key, purpose)
        if counted or record.requester in ("", requester):
            return CodeTry(record, counted)
        others = CodeModel.foreign_attempts.does_not_exist() | (
            CodeModel.foreign_attempts < max_attempts
        )
        counted, item = update_returning(
            CodeModel,
            key,
            [CodeModel.foreign_attempts.add(1)],
            usable & (CodeModel.requester == record.requester) & others,
        )
        return CodeTry(_to_record(item, email_key, purpose) if item else None, counted)

    def refund(self, record: CodeRecord, *, holder: bool) -> None:
        attempts = CodeModel.attempts if holder else CodeModel.foreign_attempts
        item = CodeModel(code_key(record.email_key, record.purpose))
        with dynamodb_unavailable():
            try:
                item.update(
                    actions=[attempts.add(-1)],
                    condition=(CodeModel.code_hash == record.code_hash) & (attempts > 0),
                )
            except UpdateError as exc:
                # Replaced or used meanwhile: there is nothing left to give back.
                if not is_condition_failure(exc):
                    raise
