"""The mails moto "sent", read from moto's SES backend in this process."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    text: str


def mails(region: str = "us-east-1") -> list[Mail]:
    sent = ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
    found = []
    for message in list(sent):
        to = ", ".join(message.destinations.get("ToAddresses", []))
        text = html.unescape(_TAG.sub("\n", message.body))
        text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
        found.append(Mail(to, message.subject, message.body, text))
    return found
