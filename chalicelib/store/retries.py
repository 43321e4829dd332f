"""Bounded retries of DynamoDB transactions cancelled by a conflict (R-REG-13).

botocore's standard mode retries throttling but not a TransactWriteItems cancelled because another
transaction held one of its items (`TransactionConflict`), which is what the loser of a race for
an ID, document or e-mail meets; every transaction here is conditional, so sending it again is
safe (docs/deploy.md, "When DynamoDB or SES fail"). A cancellation naming a failed condition
is final.
"""

from __future__ import annotations

import random
from typing import Any

# Attempts in all for a transaction that keeps conflicting (the standard mode's own bound, 4,
# still caps a mix of throttling and conflicts).
CONFLICT_ATTEMPTS = 3
# First retry within 25 ms, the second within 50 ms: a DynamoDB transaction lasts milliseconds.
BASE_DELAY_SECONDS = 0.025

_EVENT = "needs-retry.dynamodb.TransactWriteItems"
_UNIQUE_ID = "ecuapass-retry-transaction-conflicts"


def conflict_retry_delay(
    response: tuple[Any, dict[str, Any]] | None, attempts: int, **_: Any
) -> float | None:
    """botocore `needs-retry` handler: seconds to wait before sending again, or None."""
    if response is None or attempts >= CONFLICT_ATTEMPTS:
        return None
    parsed = response[1] or {}
    if parsed.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons = {reason.get("Code") for reason in parsed.get("CancellationReasons") or []}
    if "TransactionConflict" not in reasons or "ConditionalCheckFailed" in reasons:
        return None
    return random.uniform(0, BASE_DELAY_SECONDS * 2 ** (attempts - 1))


def retry_transaction_conflicts(client: Any) -> None:
    """Registers the hook on a botocore DynamoDB client; registering twice is a no-op."""
    client.meta.events.register(_EVENT, conflict_retry_delay, unique_id=_UNIQUE_ID)
