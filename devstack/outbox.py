"""The mails moto "sent", read from moto's SES backend in this process."""

from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass
from threading import Event

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

_TAG = re.compile(r"<[^>]+>")


# SES message id -> what the played mailbox simulator reported of it (R-MAIL-4).
DELIVERY: dict[str, str] = {}
# What each notification, once applied, shows on the outbox page.
SHOWN = {
    "Delivery": "entregado",
    "Bounce": "rebotado (permanente)",
    "Complaint": "entregado; marcado como no deseado",
}


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    text: str
    delivery: str = "pendiente"


def mails(region: str = "us-east-1") -> list[Mail]:
    sent = ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
    found = []
    for message in list(sent):
        to = ", ".join(message.destinations.get("ToAddresses", []))
        text = html.unescape(_TAG.sub("\n", message.body))
        text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
        found.append(
            Mail(to, message.subject, message.body, text, DELIVERY.get(message.id, "pendiente"))
        )
    return found


def play_simulator(stop: Event, region: str = "us-east-1", every: float = 0.5) -> None:
    """R-MAIL-4: for each mail moto "sent", the notifications SES would publish (devstack/
    simulator.py), handed to the same handler code SNS invokes in AWS, within about a second."""
    from chalicelib.handlers.delivery import handle
    from devstack import simulator

    done: set[str] = set()
    while not stop.wait(every):
        for message in list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages):
            if message.id in done:
                continue
            done.add(message.id)
            for to in message.destinations.get("ToAddresses", []):
                for notification in simulator.notifications(
                    message.id, to, time.time(), message.source
                ):
                    handle(notification)
                    kind = json.loads(notification)["eventType"]
                    DELIVERY[message.id] = SHOWN[kind]
