"""Throttle counters in the limits table (domain/throttles.py): one UpdateItem per request."""

from __future__ import annotations

from chalicelib.store.errors import dynamodb_unavailable
from chalicelib.store.models import LimitModel


class DynamoRateCounter:
    def hit(self, key: str, expires_at: int) -> int:
        # ADD creates the item at 0 and increments it atomically, so concurrent requests each
        # see their own count; UpdateItem returns the new values, so no read is needed.
        item = LimitModel(key)
        with dynamodb_unavailable():
            item.update(actions=[LimitModel.hits.add(1), LimitModel.expires_at.set(expires_at)])
        return int(item.hits)
