"""Translating DynamoDB failures into the domain's answers.

Throttling and transaction conflicts are retried by botocore's standard mode (models.py); what is
still failing after that reaches the client as SERVICE_UNAVAILABLE, never as a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.exceptions import PynamoDBException

from chalicelib.domain import errors

log = logging.getLogger(__name__)


def error_code(exc: PynamoDBException) -> str:
    return exc.cause_response_code or ""


def is_condition_failure(exc: PynamoDBException) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


@contextmanager
def dynamodb_unavailable() -> Iterator[None]:
    try:
        yield
    except PynamoDBException as exc:
        log.error(
            "dynamodb call failed", extra={"aws_error": error_code(exc) or type(exc).__name__}
        )
        raise errors.ServiceUnavailable() from exc
