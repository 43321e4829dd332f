"""Delivery state items (R-MAIL-2): one per address, in the limits table under
`DELIVERY#<address key>`, each notification applied by one conditional UpdateItem that also
records its id, so that SNS's redelivery of it changes nothing."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.claims import email_claim
from chalicelib.domain.delivery import (
    DELIVERED,
    TRANSIENT,
    UNDELIVERABLE,
    DeliveryState,
    Feedback,
)
from chalicelib.store.errors import dynamodb_unavailable, is_condition_failure
from chalicelib.store.models import ClaimModel, DeliveryModel, UserModel


def delivery_key(address: str) -> str:
    """`address` is already an address key (fields.email_key): the EMAIL claim's canonical form."""
    return f"DELIVERY#{address}"


def to_state(item: DeliveryModel, address: str) -> DeliveryState:
    return DeliveryState(
        address=address,
        state=item.state,
        kind=item.kind or "",
        subtype=item.subtype or "",
        at=int(item.at or 0),
        message_id=item.message_id or "",
        transient_bounces=int(item.transient_bounces or 0),
        expires_at=int(item.expires_at),
    )


def _not_applied(event_id: str) -> Condition:
    fresh: Condition = DeliveryModel.events.does_not_exist() | ~DeliveryModel.events.contains(
        event_id
    )
    return fresh


def _not_undeliverable(now: int) -> Condition:
    # An undeliverable state past its expiry that the TTL has not deleted yet counts as gone.
    gone: Condition = (
        DeliveryModel.state.does_not_exist()
        | (DeliveryModel.state != UNDELIVERABLE)
        | (DeliveryModel.expires_at <= now)
    )
    return gone


def _change(feedback: Feedback, expires_at: int) -> tuple[list[Any], Condition]:
    applied = _not_applied(feedback.event_id)
    facts = [
        DeliveryModel.kind.set(feedback.kind),
        DeliveryModel.subtype.set(feedback.subtype),
        DeliveryModel.at.set(feedback.at),
        DeliveryModel.message_id.set(feedback.message_id),
        DeliveryModel.events.add({feedback.event_id}),
        DeliveryModel.expires_at.set(expires_at),
    ]
    if feedback.effect == "undeliverable":
        return [DeliveryModel.state.set(UNDELIVERABLE), *facts], applied
    if feedback.effect == "transient":
        actions = [
            DeliveryModel.state.set(TRANSIENT),
            DeliveryModel.transient_bounces.add(1),
            *facts,
        ]
        return actions, applied & _not_undeliverable(feedback.at)
    # A delivery clears a transient state, and only one: with no state there is nothing to write.
    actions = [
        DeliveryModel.state.set(DELIVERED),
        DeliveryModel.transient_bounces.set(0),
        DeliveryModel.events.add({feedback.event_id}),
    ]
    return actions, applied & (DeliveryModel.state == TRANSIENT)


class DynamoDeliveryStore:
    def record(self, feedback: Feedback, expires_at: int) -> bool:
        actions, condition = _change(feedback, expires_at)
        item = DeliveryModel(delivery_key(feedback.address))
        with dynamodb_unavailable():
            try:
                item.update(actions=actions, condition=condition)
            except UpdateError as exc:
                if is_condition_failure(exc):
                    return False
                raise
        if feedback.effect == "undeliverable":
            self._mirror(feedback.address, expires_at)
        return True

    def _mirror(self, address: str, until: int | None) -> None:
        """The owner's user item shows the state too, so that reading the account (R-MAIL-3)
        needs no read of it; the owner is found through the address's EMAIL claim."""
        with dynamodb_unavailable():
            try:
                owner = ClaimModel.get(email_claim(address), attributes_to_get=["owner"]).owner
            except DoesNotExist:
                return
            action = (
                UserModel.email_undeliverable_until.set(until)
                if until is not None
                else UserModel.email_undeliverable_until.remove()
            )
            try:
                UserModel(owner).update(actions=[action], condition=UserModel.user_id.exists())
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise

    def get(self, address: str) -> DeliveryState | None:
        with dynamodb_unavailable():
            try:
                item = DeliveryModel.get(delivery_key(address), consistent_read=True)
            except DoesNotExist:
                return None
        return to_state(item, address)

    def clear(self, address: str) -> bool:
        """An operator's clearing (R-MAIL-3): the state and its mirror go; True if there was
        one."""
        with dynamodb_unavailable():
            try:
                DeliveryModel(delivery_key(address)).delete(condition=DeliveryModel.key.exists())
                existed = True
            except DeleteError as exc:
                if not is_condition_failure(exc):
                    raise
                existed = False
        self._mirror(address, None)
        return existed
