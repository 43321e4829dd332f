"""What SES tells about each mail (R-MAIL-1, R-MAIL-2): the notifications its configuration set
publishes to SNS, read into plain records, and the delivery state they leave per address.

SES's event publishing names the kind in `eventType` ("Bounce", "Complaint", "Delivery",
"Reject", "Rendering Failure"); the identity feedback notifications it sends before a
configuration set exists name it in `notificationType`. Both carry the same `mail`, `bounce`,
`complaint` and `delivery` objects, so one reader takes either.

A permanent bounce or a complaint makes the address undeliverable; a transient (or undetermined)
bounce is counted; a delivery clears a transient state but never an undeliverable one, whose end is
its expiry (`UNDELIVERABLE_DAYS`) or an operator's clearing. A malformed notification is logged and
dropped: SNS would redeliver a failure forever, and nothing in it could be acted on.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from chalicelib.domain.clock import DAY
from chalicelib.domain.fields import email_key

log = logging.getLogger(__name__)

UNDELIVERABLE = "UNDELIVERABLE"
TRANSIENT = "TRANSIENT"
DELIVERED = "DELIVERED"

# What one notification does to the state of each of its recipients.
Effect = Literal["undeliverable", "transient", "delivered"]


@dataclass(frozen=True)
class Feedback:
    """One recipient's part of one SES notification."""

    effect: Effect
    # The address key (fields.email_key) the state is kept under.
    address: str
    # "Bounce" or "Complaint" for an undeliverable, "Bounce" for a transient, "Delivery".
    kind: str
    # SES's bounceSubType or complaint feedback type ("" when it gives none).
    subtype: str
    # Epoch seconds of the event, as SES stamped it.
    at: int
    # SES's message id of the mail; with the kind, what makes a redelivery a repeat.
    message_id: str

    @property
    def event_id(self) -> str:
        return f"{self.message_id}#{self.kind}#{self.effect}"


@dataclass(frozen=True)
class Notification:
    """A parsed SES notification: its kind, the mail it is about, and each recipient's effect
    (none for a Reject or a Rendering Failure, which tell about the mail, not the address)."""

    kind: str
    message_id: str
    feedback: tuple[Feedback, ...]


@dataclass(frozen=True)
class DeliveryState:
    """The state kept per address (R-MAIL-2)."""

    address: str
    state: str
    kind: str = ""
    subtype: str = ""
    at: int = 0
    message_id: str = ""
    transient_bounces: int = 0
    expires_at: int = 0

    def undeliverable(self, now: float) -> bool:
        return self.state == UNDELIVERABLE and self.expires_at > now


def deliverable(state: DeliveryState | None, now: float) -> bool:
    return state is None or not state.undeliverable(now)


class DeliveryStore(Protocol):
    def record(self, feedback: Feedback, expires_at: int) -> bool:
        """Apply `feedback` once (a redelivered one changes nothing); True if it changed the
        state."""
        ...

    def get(self, address: str) -> DeliveryState | None: ...


class Malformed(ValueError):
    """The notification lacks what SES's documentation says it carries."""


def _epoch(stamp: Any) -> int:
    if not isinstance(stamp, str) or not stamp:
        raise Malformed("timestamp")
    try:
        return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
    except ValueError as exc:
        raise Malformed("timestamp") from exc


def _object(parent: dict[str, Any], name: str) -> dict[str, Any]:
    value = parent.get(name)
    if not isinstance(value, dict):
        raise Malformed(name)
    return value


def _text(parent: dict[str, Any], name: str) -> str:
    value = parent.get(name)
    if not isinstance(value, str) or not value:
        raise Malformed(name)
    return value


def _addresses(recipients: Any) -> list[str]:
    """`bouncedRecipients` / `complainedRecipients` are objects with `emailAddress`; a Delivery's
    `recipients` are the addresses themselves. SES may write `Name <address>`."""
    if not isinstance(recipients, list) or not recipients:
        raise Malformed("recipients")
    found = []
    for recipient in recipients:
        value = recipient.get("emailAddress") if isinstance(recipient, dict) else recipient
        if not isinstance(value, str) or "@" not in value:
            raise Malformed("emailAddress")
        found.append(email_key(value.rpartition("<")[2].rstrip(">").strip()))
    return found


def _bounce(body: dict[str, Any], message_id: str) -> tuple[Feedback, ...]:
    bounce = _object(body, "bounce")
    bounce_type = _text(bounce, "bounceType")
    effect: Effect = "undeliverable" if bounce_type == "Permanent" else "transient"
    subtype = str(bounce.get("bounceSubType") or "")
    at = _epoch(bounce.get("timestamp"))
    return tuple(
        Feedback(effect, address, "Bounce", subtype, at, message_id)
        for address in _addresses(bounce.get("bouncedRecipients"))
    )


def _complaint(body: dict[str, Any], message_id: str) -> tuple[Feedback, ...]:
    complaint = _object(body, "complaint")
    subtype = str(complaint.get("complaintFeedbackType") or complaint.get("complaintSubType") or "")
    at = _epoch(complaint.get("timestamp"))
    return tuple(
        Feedback("undeliverable", address, "Complaint", subtype, at, message_id)
        for address in _addresses(complaint.get("complainedRecipients"))
    )


def _delivery(body: dict[str, Any], message_id: str) -> tuple[Feedback, ...]:
    delivery = _object(body, "delivery")
    at = _epoch(delivery.get("timestamp"))
    return tuple(
        Feedback("delivered", address, "Delivery", "", at, message_id)
        for address in _addresses(delivery.get("recipients"))
    )


_READERS = {"Bounce": _bounce, "Complaint": _complaint, "Delivery": _delivery}
# Told about the mail, not the address: counted, never a state.
MAIL_ONLY = frozenset({"Reject", "Rendering Failure", "RenderingFailure"})


def parse(message: str) -> Notification | None:
    """The SNS message's text as SES publishes it; None (logged) when it is malformed or of a
    kind this service does not act on (Send, Open, Click, DeliveryDelay, Subscription...)."""
    try:
        body = json.loads(message)
        if not isinstance(body, dict):
            raise Malformed("body")
        kind = body.get("eventType") or body.get("notificationType")
        if not isinstance(kind, str):
            raise Malformed("eventType")
        message_id = _text(_object(body, "mail"), "messageId")
        if kind in MAIL_ONLY:
            return Notification(kind, message_id, ())
        reader = _READERS.get(kind)
        if reader is None:
            log.info("ses notification ignored", extra={"ses_event": kind})
            return None
        return Notification(kind, message_id, reader(body, message_id))
    except (ValueError, AttributeError) as exc:
        # json.JSONDecodeError and Malformed are ValueErrors; never the message itself in the
        # log: it holds addresses.
        log.warning("ses notification dropped", extra={"reason": str(exc)[:80]})
        return None


def expiry(feedback: Feedback, undeliverable_days: int) -> int:
    """When the state of `feedback` ends by itself (DynamoDB's TTL, R-MAIL-3)."""
    return feedback.at + undeliverable_days * DAY


def record_notification(
    store: DeliveryStore, notification: Notification, undeliverable_days: int
) -> list[Feedback]:
    """Apply each recipient's feedback once; the ones that changed a state."""
    return [
        feedback
        for feedback in notification.feedback
        if store.record(feedback, expiry(feedback, undeliverable_days))
    ]
