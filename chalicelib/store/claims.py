"""Claim items: uniqueness of ID, document and e-mail (R-REG-13)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.delivery import DeliveryState
from chalicelib.domain.records import CodeRecord
from chalicelib.store.batch import batch_get
from chalicelib.store.codes import _to_record, code_key
from chalicelib.store.delivery import delivery_key, to_state
from chalicelib.store.errors import dynamodb_unavailable
from chalicelib.store.models import ClaimModel, CodeModel, DeliveryModel


class DynamoClaimStore:
    def owner(self, claim: str) -> str | None:
        with dynamodb_unavailable():
            try:
                return ClaimModel.get(claim, attributes_to_get=["owner"]).owner
            except DoesNotExist:
                return None

    def email_state(self, claim: str, address: str) -> tuple[str | None, DeliveryState | None]:
        """One BatchGetItem of the claim and the address's delivery item (R-MAIL-3)."""
        claim_item, state_item = batch_get(
            [(ClaimModel, claim), (DeliveryModel, delivery_key(address))]
        )
        return (
            claim_item.owner if claim_item is not None else None,
            to_state(state_item, address) if state_item is not None else None,
        )

    def owners(
        self, claims: Sequence[str], code: tuple[str, str] | None = None
    ) -> tuple[dict[str, str | None], CodeRecord | None]:
        """One BatchGetItem (R-UX-1), none when there is nothing to read."""
        keys: list[tuple[Any, str]] = [(ClaimModel, claim) for claim in dict.fromkeys(claims)]
        if code is not None:
            keys.append((CodeModel, code_key(*code)))
        if not keys:
            return {}, None
        items = batch_get(keys)
        owners = {
            key: (item.owner if item is not None else None)
            for (_, key), item in zip(keys[: len(keys) - (code is not None)], items, strict=False)
        }
        record = None
        if code is not None and items[-1] is not None:
            record = _to_record(items[-1], *code)
        return owners, record
