"""The SES notification reader (R-MAIL-2), on notifications written from the fields SES's
documentation lists for event publishing ("Contents of event data") and for identity
notifications ("notificationType")."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from chalicelib.domain import delivery
from chalicelib.domain.delivery import Feedback, parse

MAIL: dict[str, Any] = {
    "timestamp": "2026-12-01T10:00:00.000Z",
    "source": "no-responder@aduana.gob.ec",
    "sourceArn": "arn:aws:ses:us-east-1:123456789012:identity/aduana.gob.ec",
    "sendingAccountId": "123456789012",
    "messageId": "0100018c-aaaa-bbbb-cccc-000000000001-000000",
    "destination": ["Ana.Perez@Example.com"],
    "headersTruncated": False,
}
AT = "2026-12-01T10:00:05.000Z"
AT_EPOCH = 1_796_119_205


def event(kind: str, **parts: Any) -> str:
    return json.dumps({"eventType": kind, "mail": MAIL, **parts})


def bounce(bounce_type: str, subtype: str) -> str:
    return event(
        "Bounce",
        bounce={
            "bounceType": bounce_type,
            "bounceSubType": subtype,
            "bouncedRecipients": [
                {
                    "emailAddress": "Ana.Perez@Example.com",
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": AT,
            "feedbackId": "0100018c-feedback-000001",
            "reportingMTA": "dsn; a1-2.smtp-out.amazonses.com",
        },
    )


def test_permanent_bounce_makes_the_address_undeliverable_with_type_subtype_time_and_id() -> None:
    found = parse(bounce("Permanent", "General"))
    assert found is not None and found.kind == "Bounce"
    assert found.feedback == (
        Feedback(
            "undeliverable",
            "ana.perez@example.com",
            "Bounce",
            "General",
            AT_EPOCH,
            MAIL["messageId"],
        ),
    )


def test_suppression_list_bounce_is_permanent() -> None:
    found = parse(bounce("Permanent", "OnAccountSuppressionList"))
    assert found is not None
    assert [(f.effect, f.subtype) for f in found.feedback] == [
        ("undeliverable", "OnAccountSuppressionList")
    ]


@pytest.mark.parametrize("bounce_type", ["Transient", "Undetermined"])
def test_transient_and_undetermined_bounces_are_counted_not_undeliverable(bounce_type: str) -> None:
    found = parse(bounce(bounce_type, "MailboxFull"))
    assert found is not None
    assert [f.effect for f in found.feedback] == ["transient"]


def test_complaint_makes_every_complained_recipient_undeliverable() -> None:
    message = event(
        "Complaint",
        complaint={
            "complainedRecipients": [
                {"emailAddress": "ana.perez@example.com"},
                {"emailAddress": "Luis <luis@example.com>"},
            ],
            "timestamp": AT,
            "feedbackId": "0100018c-feedback-000002",
            "userAgent": "Mozilla/5.0",
            "complaintFeedbackType": "abuse",
            "arrivalDate": AT,
        },
    )
    found = parse(message)
    assert found is not None
    assert [(f.effect, f.address, f.kind, f.subtype) for f in found.feedback] == [
        ("undeliverable", "ana.perez@example.com", "Complaint", "abuse"),
        ("undeliverable", "luis@example.com", "Complaint", "abuse"),
    ]


def test_delivery_names_each_recipient_delivered() -> None:
    message = event(
        "Delivery",
        delivery={
            "timestamp": AT,
            "processingTimeMillis": 546,
            "recipients": ["ana.perez@example.com"],
            "smtpResponse": "250 ok",
            "reportingMTA": "a8-70.smtp-out.amazonses.com",
        },
    )
    found = parse(message)
    assert found is not None
    assert [(f.effect, f.address) for f in found.feedback] == [
        ("delivered", "ana.perez@example.com")
    ]


def test_identity_notifications_with_notification_type_read_alike() -> None:
    body = json.loads(bounce("Permanent", "NoEmail"))
    body["notificationType"] = body.pop("eventType")
    found = parse(json.dumps(body))
    assert found is not None
    assert [f.effect for f in found.feedback] == ["undeliverable"]


@pytest.mark.parametrize(
    "message",
    [
        event("Reject", reject={"reason": "Bad content"}),
        event("Rendering Failure", failure={"errorMessage": "x", "templateName": "t"}),
    ],
)
def test_reject_and_rendering_failure_tell_about_the_mail_not_the_address(message: str) -> None:
    found = parse(message)
    assert found is not None and found.feedback == ()


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[]",
        json.dumps({"mail": MAIL}),
        json.dumps({"eventType": "Bounce", "bounce": {"bounceType": "Permanent"}}),
        event("Bounce", bounce={"bounceType": "Permanent", "timestamp": AT}),
        event(
            "Bounce", bounce={"bounceType": "Permanent", "bouncedRecipients": [{}], "timestamp": AT}
        ),
        event(
            "Complaint",
            complaint={
                "complainedRecipients": [{"emailAddress": "a@b.ec"}],
                "timestamp": "yesterday",
            },
        ),
        event("Delivery", delivery="delivered"),
    ],
)
def test_malformed_notifications_are_logged_and_dropped(
    message: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert parse(message) is None
    assert "ses notification dropped" in caplog.text
    assert "example.com" not in caplog.text


def test_kinds_not_acted_on_are_ignored() -> None:
    assert parse(event("Open", open={"timestamp": AT})) is None


class MemoryStore:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def record(self, feedback: Feedback, expires_at: int) -> bool:
        if feedback.event_id in self.seen:
            return False
        self.seen.add(feedback.event_id)
        return True

    def get(self, address: str) -> delivery.DeliveryState | None:
        return None


def test_a_redelivered_notification_changes_nothing_twice_and_expiry_follows_the_days() -> None:
    found = parse(bounce("Permanent", "General"))
    assert found is not None
    store = MemoryStore()
    assert len(delivery.record_notification(store, found, 30)) == 1
    assert delivery.record_notification(store, found, 30) == []
    assert delivery.expiry(found.feedback[0], 30) == AT_EPOCH + 30 * 86400


def test_an_undeliverable_state_ends_at_its_expiry() -> None:
    state = delivery.DeliveryState("a@b.ec", delivery.UNDELIVERABLE, expires_at=100)
    assert not delivery.deliverable(state, 99)
    assert delivery.deliverable(state, 100)
    assert delivery.deliverable(
        delivery.DeliveryState("a@b.ec", delivery.TRANSIENT, expires_at=100), 1
    )
    assert delivery.deliverable(None, 1)
