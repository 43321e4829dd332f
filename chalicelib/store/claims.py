"""Claim items: uniqueness of ID, document and e-mail (R-REG-13)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.store.errors import dynamodb_unavailable
from chalicelib.store.models import ClaimModel


class DynamoClaimStore:
    def owner(self, claim: str) -> str | None:
        with dynamodb_unavailable():
            try:
                return ClaimModel.get(claim, attributes_to_get=["owner"]).owner
            except DoesNotExist:
                return None
