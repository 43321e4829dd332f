"""Structured logs (R-OPS-3): one JSON line per event, never a secret, never a full e-mail.

Every record, whoever logs it, goes through `JsonFormatter`, which masks e-mail addresses in the
message and in every field and replaces the value of any field whose name is a known secret. The
`access_log` middleware writes one line per HTTP request with its request id, route, method,
status, latency and source address; request bodies are never logged.

Libraries that log request parameters at DEBUG (botocore, PynamoDB: a PutItem's arguments include
the password hash) are held at WARNING whatever LOG_LEVEL says.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from chalice.app import Request, Response

from chalicelib.domain import messages
from chalicelib.handlers.http import source_ip

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

QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer", "pynamodb", "moto")

# Attributes every LogRecord has; anything else on a record came from `extra={...}`.
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

_EMAIL = re.compile(r"([A-Za-z0-9._%+\-]+)@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")


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


# What the access-log middleware knows about the request being served, for every line logged
# while it runs.
_request: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "request", default=MappingProxyType({})
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_emails(record.getMessage()),
        }
        line.update(_request.get())
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRS and not name.startswith("_"):
                line[name] = scrub(value, name)
        if record.exc_info and record.exc_info[0] is not None:
            line["error_type"] = record.exc_info[0].__name__
            line["traceback"] = mask_emails("".join(traceback.format_exception(*record.exc_info)))
        return json.dumps(line, ensure_ascii=False, default=str)


class SecretFilter(logging.Filter):
    """Redacts secret-named `extra` fields on the record itself, for handlers with other formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in list(vars(record)):
            if name not in _RECORD_ATTRS and is_secret_field(name):
                setattr(record, name, REDACTED)
        return True


def install[H: logging.Handler](handler: H) -> H:
    handler.setFormatter(JsonFormatter())
    if not any(isinstance(f, SecretFilter) for f in handler.filters):
        handler.addFilter(SecretFilter())
    return handler


def configure(level: str, *loggers: logging.Logger) -> None:
    """Formats the root logger's handlers (Lambda's own, or a new stderr one) and `loggers`'."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for logger in (root, *loggers):
        for handler in logger.handlers:
            install(handler)
    root.setLevel(level)
    for logger in loggers:
        logger.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def request_id(request: Request) -> str:
    """API Gateway's id (the one the client sees), else the Lambda invocation's."""
    context = request.context or {}
    lambda_context = getattr(request, "lambda_context", None)
    return str(context.get("requestId") or getattr(lambda_context, "aws_request_id", "") or "-")


@contextmanager
def request_scope(request: Request) -> Iterator[dict[str, str]]:
    scope = {
        "request_id": request_id(request),
        "route": str((request.context or {}).get("resourcePath") or request.path),
        "method": request.method,
    }
    token = _request.set(scope)
    try:
        yield scope
    finally:
        _request.reset(token)


def access_log(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice `http` middleware: one line per request, written after the answer is known."""
    started = time.perf_counter()
    status = 500
    with request_scope(request):
        try:
            response = get_response(request)
            status = response.status_code
            return response
        finally:
            log.info(
                "request",
                extra={
                    "status": status,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                    "source_ip": source_ip(request),
                },
            )
