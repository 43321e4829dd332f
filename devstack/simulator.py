"""SES's mailbox simulator, played by the local stack (R-MAIL-4): for a mail sent to one of its
addresses, the notification SES's configuration set would publish, in the JSON shape SES
documents ("Contents of event data for Amazon SES"). The local stack hands it to the same
handler code that SNS invokes in AWS (chalicelib/handlers/delivery.py).

- success@  -> Delivery
- bounce@   -> Bounce, Permanent / General
- complaint@ -> Delivery, then Complaint (abuse)
- suppressionlist@ -> Bounce, Permanent / OnAccountSuppressionList
- ooto@     -> Delivery (SES also relays an out-of-office reply, which no event reports)
Any other address gets a Delivery: the local outbox always receives it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

SIMULATOR_DOMAIN = "simulator.amazonses.com"
SENDING_ACCOUNT = "000000000000"


def _stamp(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _mail(message_id: str, source: str, to: str, epoch: float) -> dict[str, Any]:
    return {
        "timestamp": _stamp(epoch),
        "source": source,
        "sourceArn": f"arn:aws:ses:us-east-1:{SENDING_ACCOUNT}:identity/{source}",
        "sendingAccountId": SENDING_ACCOUNT,
        "messageId": message_id,
        "destination": [to],
        "headersTruncated": False,
    }


def bounce(
    message_id: str,
    to: str,
    epoch: float,
    *,
    bounce_type: str = "Permanent",
    subtype: str = "General",
    source: str = "no-responder@aduana.gob.ec",
) -> str:
    status = "5.1.1" if bounce_type == "Permanent" else "4.2.2"
    body = {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": subtype,
            "bouncedRecipients": [
                {
                    "emailAddress": to,
                    "action": "failed",
                    "status": status,
                    "diagnosticCode": f"smtp; {status[0]}50 {status} simulated",
                }
            ],
            "timestamp": _stamp(epoch),
            "feedbackId": f"{message_id}-bounce",
            "reportingMTA": "dns; local-ses-simulator",
        },
        "mail": _mail(message_id, source, to, epoch),
    }
    return json.dumps(body)


def complaint(
    message_id: str, to: str, epoch: float, *, source: str = "no-responder@aduana.gob.ec"
) -> str:
    body = {
        "eventType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": to}],
            "timestamp": _stamp(epoch),
            "feedbackId": f"{message_id}-complaint",
            "userAgent": "local-ses-simulator",
            "complaintFeedbackType": "abuse",
            "arrivalDate": _stamp(epoch),
        },
        "mail": _mail(message_id, source, to, epoch),
    }
    return json.dumps(body)


def delivery(
    message_id: str, to: str, epoch: float, *, source: str = "no-responder@aduana.gob.ec"
) -> str:
    body = {
        "eventType": "Delivery",
        "delivery": {
            "timestamp": _stamp(epoch),
            "processingTimeMillis": 120,
            "recipients": [to],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": "local-ses-simulator",
        },
        "mail": _mail(message_id, source, to, epoch),
    }
    return json.dumps(body)


def notifications(message_id: str, to: str, epoch: float, source: str) -> list[str]:
    """What SES would publish, in order, for a mail `message_id` sent to `to` at `epoch`."""
    local, _, domain = to.lower().rpartition("@")
    mailbox = local.partition("+")[0]
    if domain != SIMULATOR_DOMAIN or mailbox in {"success", "ooto"}:
        return [delivery(message_id, to, epoch, source=source)]
    if mailbox == "bounce":
        return [bounce(message_id, to, epoch, source=source)]
    if mailbox == "suppressionlist":
        return [bounce(message_id, to, epoch, subtype="OnAccountSuppressionList", source=source)]
    if mailbox == "complaint":
        return [
            delivery(message_id, to, epoch, source=source),
            complaint(message_id, to, epoch, source=source),
        ]
    return [delivery(message_id, to, epoch, source=source)]
