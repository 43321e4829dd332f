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

# The error of a single write whose condition failed.
CONDITION_FAILED_EXCEPTION = "ConditionalCheckFailedException"


def is_condition_failure(exc: PynamoDBException) -> bool:
    return exc.cause_response_code == CONDITION_FAILED_EXCEPTION


@contextmanager
def dynamodb_unavailable() -> Iterator[None]:
    try:
        yield
    except PynamoDBException as exc:
        log.error(
            "dynamodb call failed",
            extra={"aws_error": exc.cause_response_code or type(exc).__name__},
        )
        raise errors.ServiceUnavailable() from exc
