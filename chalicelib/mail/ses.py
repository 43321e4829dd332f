"""SES adapter for the domain's Mailer port."""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws
from chalicelib.domain import errors

log = logging.getLogger(__name__)

# A mail that cannot be sent is answered MAIL_UNAVAILABLE quickly: one retry, not more.
SEND_ATTEMPTS = 2


def ses_client(region: str) -> Any:
    """Made on first use and kept for the life of the Lambda container (chalicelib/aws.py)."""
    return aws.client("ses", region, attempts=SEND_ATTEMPTS)


class SesMailer:
    def __init__(self, sender: str, region: str, configuration_set: str = "") -> None:
        self.sender = sender
        self.region = region
        # R-MAIL-1: every send names the configuration set, whose event destination reports
        # each mail's bounces, complaints and deliveries; empty only on the local stack.
        self.configuration_set = configuration_set

    def send(self, to: str, subject: str, text: str, html: str) -> None:
        message = {
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": text, "Charset": "UTF-8"},
                "Html": {"Data": html, "Charset": "UTF-8"},
            },
        }
        extra = {"ConfigurationSetName": self.configuration_set} if self.configuration_set else {}
        try:
            ses_client(self.region).send_email(
                Source=self.sender, Destination={"ToAddresses": [to]}, Message=message, **extra
            )
        except (BotoCoreError, ClientError) as exc:
            log.error("ses send failed", extra={"aws_error": aws.error_code(exc)})
            raise errors.MailUnavailable() from exc
