"""The SNS handler of SES's feedback (R-MAIL-1, R-MAIL-2), invoked through Chalice's test client
with SNS events, against moto's DynamoDB."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from devstack import simulator
from tests.helpers import (
    FakeClock,
    bounce_of,
    delivery_item,
    notify,
    register,
    registration_body,
    user_item,
)

ADDRESS = "ana.perez@example.com"
DAY = 86400


def test_permanent_bounce_is_kept_with_type_subtype_time_id_and_expiry(
    client: Any, clock: FakeClock
) -> None:
    bounce_of(client, "Ana.Perez@Example.com", clock(), "msg-7")
    item = delivery_item(ADDRESS)
    assert item is not None
    assert item["state"] == {"S": "UNDELIVERABLE"}
    assert item["kind"] == {"S": "Bounce"}
    assert item["subtype"] == {"S": "General"}
    assert item["message_id"] == {"S": "msg-7"}
    assert int(item["at"]["N"]) == int(clock())
    # R-MAIL-3: UNDELIVERABLE_DAYS (30) by the limits table's TTL attribute.
    assert int(item["expires_at"]["N"]) == int(clock()) + 30 * DAY


def test_complaint_makes_the_address_undeliverable(client: Any, clock: FakeClock) -> None:
    notify(client, simulator.complaint("msg-2", ADDRESS, clock()))
    item = delivery_item(ADDRESS)
    assert item is not None
    assert (item["state"]["S"], item["kind"]["S"], item["subtype"]["S"]) == (
        "UNDELIVERABLE",
        "Complaint",
        "abuse",
    )


def test_transient_bounces_are_counted_and_a_delivery_clears_them(
    client: Any, clock: FakeClock
) -> None:
    for n in range(2):
        bounce_of(
            client, ADDRESS, clock(), f"msg-{n}", bounce_type="Transient", subtype="MailboxFull"
        )
    item = delivery_item(ADDRESS)
    assert item is not None
    assert (item["state"]["S"], item["transient_bounces"]["N"]) == ("TRANSIENT", "2")
    notify(client, simulator.delivery("msg-3", ADDRESS, clock()))
    item = delivery_item(ADDRESS)
    assert item is not None
    assert (item["state"]["S"], item["transient_bounces"]["N"]) == ("DELIVERED", "0")


def test_a_delivery_never_clears_an_undeliverable_state(client: Any, clock: FakeClock) -> None:
    bounce_of(client, ADDRESS, clock(), "msg-1")
    notify(client, simulator.delivery("msg-0", ADDRESS, clock()))
    bounce_of(client, ADDRESS, clock(), "msg-2", bounce_type="Transient")
    item = delivery_item(ADDRESS)
    assert item is not None
    assert item["state"]["S"] == "UNDELIVERABLE"
    assert item["message_id"]["S"] == "msg-1"


def test_a_delivery_to_an_address_with_no_state_writes_nothing(
    client: Any, clock: FakeClock
) -> None:
    notify(client, simulator.delivery("msg-1", ADDRESS, clock()))
    assert delivery_item(ADDRESS) is None


def test_a_redelivered_notification_changes_nothing_twice(client: Any, clock: FakeClock) -> None:
    message = simulator.bounce("msg-1", ADDRESS, clock(), bounce_type="Transient")
    notify(client, message)
    notify(client, message)
    item = delivery_item(ADDRESS)
    assert item is not None
    assert item["transient_bounces"]["N"] == "1"


def test_malformed_notifications_are_logged_and_dropped(
    client: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        notify(client, '{"eventType": "Bounce", "mail": {"messageId": "m"}}')
        notify(client, "not json")
    assert caplog.text.count("ses notification dropped") == 2
    assert delivery_item(ADDRESS) is None


def test_the_owner_user_item_mirrors_the_undeliverable_state(client: Any, clock: FakeClock) -> None:
    assert register(client).status == 201
    address = registration_body()["email"]
    bounce_of(client, address.upper(), clock())
    assert int(user_item()["email_undeliverable_until"]["N"]) == int(clock()) + 30 * DAY


def test_a_failing_store_raises_so_that_lambda_retries(
    client: Any, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.domain import errors
    from chalicelib.store.delivery import DynamoDeliveryStore

    def failing(self: Any, *args: Any) -> bool:
        raise errors.ServiceUnavailable()

    monkeypatch.setattr(DynamoDeliveryStore, "record", failing)
    with pytest.raises(errors.ServiceUnavailable):
        bounce_of(client, ADDRESS, clock())
