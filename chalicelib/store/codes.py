"""Security-code items, written only under a condition on the revision that was read."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.ports import CodeRecord, StaleCode
from chalicelib.store.errors import dynamodb_unavailable, is_condition_failure
from chalicelib.store.models import ClaimModel, CodeModel

HOUR = 3600


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
        sent_to=item.sent_to or "",
    )


def revision_condition(revision: int):  # type: ignore[no-untyped-def]
    if revision == 0:
        return CodeModel.key.does_not_exist()
    return CodeModel.revision == revision


def consumed(code: CodeRecord) -> tuple[CodeModel, list[Any], Condition]:
    """The update, inside a transaction, that uses up `code` if it is still the one read.

    Unchanged attempts too: wrong tries counted after the code was read (a parallel guessing
    burst) must still be able to kill it (R-REG-11).
    """
    actions = [CodeModel.code_hash.remove(), CodeModel.used.set(True), CodeModel.revision.add(1)]
    condition = (
        (CodeModel.revision == code.revision)
        & (CodeModel.code_hash == code.code_hash)
        & (CodeModel.attempts == code.attempts)
    )
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
        # Imported here: store.batch needs store.users, which needs this module's `consumed`.
        from chalicelib.store.batch import batch_get

        code_item, claim_item = batch_get(
            [(CodeModel, code_key(email_key, purpose)), (ClaimModel, claim)]
        )
        record = _to_record(code_item, email_key, purpose) if code_item is not None else None
        return record, (claim_item.owner if claim_item is not None else None)

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

    def count_failure(self, record: CodeRecord) -> None:
        item = CodeModel(code_key(record.email_key, record.purpose))
        with dynamodb_unavailable():
            try:
                item.update(
                    actions=[CodeModel.attempts.add(1)],
                    condition=CodeModel.code_hash == record.code_hash,
                )
            except UpdateError as exc:
                # The code was replaced or consumed meanwhile: this wrong try no longer counts.
                if not is_condition_failure(exc):
                    raise
