"""Transactions whose items carry labels, so that a refusal can say which item lost, and the
low-level connection they (and batch reads) are sent on.

DynamoDB refuses a whole TransactWriteItems when one condition fails and names the failed ones
only by position; every transaction of the store reads its refusal here, by label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.store.errors import dynamodb_unavailable
from chalicelib.store.models import RETRY_ATTEMPTS, ClaimModel
from chalicelib.store.retries import retry_transaction_conflicts

# The cancellation reason of an item whose condition failed.
CONDITION_FAILED = "ConditionalCheckFailed"


def connection() -> Connection:
    """One low-level connection reused across invocations, for transactions and batch reads."""
    region = get_settings().region
    kept = aws.kept(
        ("pynamodb", region), lambda: Connection(region=region, max_retry_attempts=RETRY_ATTEMPTS)
    )
    # Idempotent, and repeated because PynamoDB replaces its client if credentials go missing.
    retry_transaction_conflicts(kept.client)
    return kept


def cancelled_items(exc: TransactWriteError) -> list[str]:
    """The cancellation reason code of each item of a failed transaction ('None' if it passed)."""
    return [(reason.code if reason else "None") for reason in exc.cancellation_reasons or []]


class LabelledWrite(TransactWrite):
    """A TransactWrite that names its items, to read CancellationReasons by name.

    PynamoDB sends condition checks, then deletes, puts and updates, whatever order they were
    added in; the reasons come back in that sent order, so the labels are kept in it too.
    """

    def __init__(self) -> None:
        super().__init__(connection=connection())
        self._labels: dict[str, list[str]] = {"check": [], "delete": [], "put": [], "update": []}

    def condition_check(  # type: ignore[override]  # a label first, unlike TransactWrite
        self, label: str, model: type[Model], key: str, condition: Condition
    ) -> None:
        super().condition_check(model, key, condition=condition)
        self._labels["check"].append(label)

    def delete(  # type: ignore[override]  # a label first, unlike TransactWrite
        self, label: str, model: Model, condition: Condition | None = None
    ) -> None:
        super().delete(model, condition=condition)
        self._labels["delete"].append(label)

    def save(  # type: ignore[override]  # a label first, unlike TransactWrite
        self, label: str, model: Model, condition: Condition | None = None
    ) -> None:
        super().save(model, condition=condition)
        self._labels["put"].append(label)

    def update(  # type: ignore[override]  # a label first, unlike TransactWrite
        self, label: str, model: Model, actions: list[Action], condition: Condition | None = None
    ) -> None:
        super().update(model, actions=actions, condition=condition)
        self._labels["update"].append(label)

    def failed(self, exc: TransactWriteError) -> set[str]:
        """The labels of the items whose condition failed."""
        labels = self._labels
        sent = labels["check"] + labels["delete"] + labels["put"] + labels["update"]
        return {
            label
            for label, reason in zip(sent, cancelled_items(exc), strict=False)
            if reason == CONDITION_FAILED
        }


@contextmanager
def labelled_write(refused: Callable[[set[str]], Exception]) -> Iterator[LabelledWrite]:
    """One transaction of the items the block adds. When conditions failed, the answer is
    `refused(labels of the failed items)`; any other DynamoDB failure is SERVICE_UNAVAILABLE."""
    with dynamodb_unavailable():
        tx = LabelledWrite()
        try:
            with tx:
                yield tx
        except TransactWriteError as exc:
            failed = tx.failed(exc)
            if failed:
                raise refused(failed) from exc
            raise


def claim_release(claim: str, user_id: str) -> tuple[ClaimModel, Condition]:
    """The delete of a claim, and its condition: only if it is this user's (or already gone)."""
    return ClaimModel(claim), ClaimModel.claim.does_not_exist() | (ClaimModel.owner == user_id)


def move_claim(
    tx: LabelledWrite, labels: tuple[str, str], user_id: str, given_up: str, taken: str
) -> None:
    """The account gives up claim `given_up` (if it is still its own) and takes `taken` (if it is
    still free), labelled `labels` in that order: an e-mail address changing hands (R-MOD-6)."""
    model, condition = claim_release(given_up, user_id)
    tx.delete(labels[0], model, condition=condition)
    tx.save(
        labels[1],
        ClaimModel(taken, owner=user_id),
        condition=ClaimModel.claim.does_not_exist(),
    )
