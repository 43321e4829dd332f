"""Structured logs (R-OPS-3): one JSON line per event, never a secret, never a full e-mail.

Every record, whoever logs it, is formatted by `RedactingFormatter`, Powertools' Lambda formatter
with a `serialize` hook that masks e-mail addresses and replaces the value of any field whose name
is a known secret. `request_scope` adds the request id, route and method to every line logged
while a request is served; `access` writes its one access line. Request bodies are never logged.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from chalice.app import Request

from chalicelib.domain import messages

log = logging.getLogger(__name__)

# Field names whose values must never reach a log line, compared case- and separator-insensitively
# (`new_password`, `newPassword` and `New-Password` are the same name).
SECRET_FIELDS = frozenset(
    {
        "password",
        "passwordconfirmation",
        "newpassword",
        "newpasswordconfirmation",
        "currentpassword",
        "securitycode",
        "code",
        "codehash",
        "passwordhash",
        "token",
        "tokenhash",
        "authorization",
        "cookie",
        "hashkey",
        "secret",
    }
)
REDACTED = "[redacted]"

# Libraries that log request parameters at DEBUG (a PutItem's arguments include the password
# hash): held at WARNING whatever LOG_LEVEL says.
QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer", "pynamodb", "moto")

_EMAIL = re.compile(r"([A-Za-z0-9._%+\-]+)@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")

# Powertools' names for an exception's fields, and the ones these lines have always used.
_EXCEPTION_FIELDS = {"exception": "traceback", "exception_name": "error_type"}


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def is_secret_field(name: str) -> bool:
    return _normalise(name) in SECRET_FIELDS


def mask_email(address: str) -> str:
    """`juan.perez@example.com` -> `j***@example.com`: enough to tell mailboxes apart in support."""
    return messages.mask_email(address, keep=1)


def mask_emails(text: str) -> str:
    return _EMAIL.sub(lambda m: mask_email(m.group(0)), text)


def scrub(value: Any, name: str = "") -> Any:
    """A copy of `value` fit for a log line: secret-named fields redacted, e-mails masked."""
    if name and is_secret_field(name):
        return REDACTED
    if isinstance(value, str):
        return mask_emails(value)
    if isinstance(value, Mapping):
        return {str(k): scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [scrub(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return mask_emails(str(value))


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON line (timestamp, level, logger, message, the request's keys, `extra`
    fields, the exception), scrubbed by `serialize` before it is written."""

    def __init__(self) -> None:
        super().__init__(
            log_record_order=["timestamp", "level", "logger", "message"],
            location=None,
            utc=True,
            use_rfc3339=True,
            serialize_stacktrace=False,
        )

    def format(self, record: logging.LogRecord) -> str:
        # Powertools resolves "%(...)s" only for the record's own attribute names: the logger's
        # name goes in as a field of the record instead.
        record.__dict__.setdefault("logger", record.name)
        return super().format(record)

    def serialize(self, log: Mapping[str, Any]) -> str:
        line = {
            _EXCEPTION_FIELDS.get(name, name): scrub(value, name)
            for name, value in log.items()
            if not name.startswith("_")
        }
        return super().serialize(line)


# One formatter for every handler: it keeps no state of its own (the request's keys live in
# Powertools' context variable).
FORMATTER = RedactingFormatter()


def install[H: logging.Handler](handler: H) -> H:
    handler.setFormatter(FORMATTER)
    return handler


def configure(level: str, *loggers: logging.Logger) -> None:
    """Formats the root logger's handlers (Lambda's own, or a new stderr one) and `loggers`', and
    sets the level of the root logger and of `loggers`."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for logger in (root, *loggers):
        for handler in logger.handlers:
            install(handler)
        logger.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def request_id(request: Request) -> str:
    """API Gateway's id (the one the client sees), else the Lambda invocation's."""
    context = request.context or {}
    lambda_context = getattr(request, "lambda_context", None)
    return str(context.get("requestId") or getattr(lambda_context, "aws_request_id", "") or "-")


@contextmanager
def request_scope(request: Request) -> Iterator[None]:
    """Every line logged inside the block carries the request's id, route and method."""
    keys = {
        "request_id": request_id(request),
        "route": str((request.context or {}).get("resourcePath") or request.path),
        "method": request.method,
    }
    FORMATTER.thread_safe_append_keys(**keys)
    try:
        yield
    finally:
        FORMATTER.thread_safe_remove_keys(keys)


def access(status: int, latency_ms: float, source_ip: str) -> None:
    """The request's one access line (R-OPS-3)."""
    log.info(
        "request",
        extra={"status": status, "latency_ms": round(latency_ms, 1), "source_ip": source_ip},
    )
