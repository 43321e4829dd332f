"""Spent proof-of-work solutions (R-ABUSE-1) in the limits table: one conditional UpdateItem.

UpdateItem rather than PutItem: the role already may update the limits table (its counters), and
`attribute_not_exists` makes the first writer of a solution the only one that succeeds, however
many requests carry it at once. The item expires (TTL) with the challenge.
"""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from chalicelib.store.errors import dynamodb_unavailable, is_condition_failure
from chalicelib.store.models import LimitModel


class DynamoSpentSolutions:
    def spend(self, key: str, expires_at: int) -> bool:
        item = LimitModel(key)
        with dynamodb_unavailable():
            try:
                item.update(
                    actions=[LimitModel.hits.set(1), LimitModel.expires_at.set(expires_at)],
                    condition=LimitModel.key.does_not_exist(),
                )
            except UpdateError as exc:
                if is_condition_failure(exc):
                    return False
                raise
        return True
