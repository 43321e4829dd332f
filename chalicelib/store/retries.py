"""Bounded retries of DynamoDB transactions cancelled by a conflict (R-REG-13).

Every DynamoDB client here runs botocore's *standard* retry mode with a bounded number of
attempts (PynamoDB turns `max_retry_attempts=3` into `{"mode": "standard",
"total_max_attempts": 4}`): throttling (`ProvisionedThroughputExceededException`,
`ThrottlingException`) and transient errors are retried with jittered exponential backoff, and
what still fails after the fourth attempt answers SERVICE_UNAVAILABLE (store/errors.py).

Standard mode does *not* retry a `TransactWriteItems` that DynamoDB cancelled because another
transaction was writing one of its items at that moment (`TransactionCanceledException` with a
`TransactionConflict` reason). That is exactly what the loser of a race for the same ID, document
or e-mail meets in DynamoDB while the winner's transaction is in flight (R-REG-13): without a
retry the loser would be told SERVICE_UNAVAILABLE instead of USER_ID_TAKEN. A cancelled
transaction wrote nothing, and each of ours is conditional (a claim must not exist, a version or
a code's revision must match), so sending it again is safe: it either commits or fails on the
condition that gives the precise answer. This hook adds that retry, bounded, inside botocore's own
retry loop; a cancellation that already names a failed condition is final and is not retried.
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
