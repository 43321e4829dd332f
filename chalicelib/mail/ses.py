"""SES adapter for the domain's Mailer port."""

from __future__ import annotations

import logging
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws
from chalicelib.domain import errors

log = logging.getLogger(__name__)

_client: Any = None


def ses_client(region: str) -> Any:
    """Created on first use and kept for the life of the Lambda container."""
    global _client
    if _client is None:
        config = Config(
            retries={"mode": "standard", "total_max_attempts": 2},
            connect_timeout=2,
            read_timeout=5,
        )
        _client = aws.client("ses", region, config)
    return _client


class SesMailer:
    def __init__(self, sender: str, region: str) -> None:
        self.sender = sender
        self.region = region

    def send(self, to: str, subject: str, text: str, html: str) -> None:
        message = {
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": text, "Charset": "UTF-8"},
                "Html": {"Data": html, "Charset": "UTF-8"},
            },
        }
        try:
            ses_client(self.region).send_email(
                Source=self.sender, Destination={"ToAddresses": [to]}, Message=message
            )
        except (BotoCoreError, ClientError) as exc:
            code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else "network"
            log.error("ses send failed", extra={"aws_error": code})
            raise errors.MailUnavailable() from exc
