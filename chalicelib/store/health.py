"""Reachability of the tables, for GET /v1/health."""

from __future__ import annotations

import logging

from pynamodb.exceptions import PynamoDBException

from chalicelib.store.models import ClaimModel

log = logging.getLogger(__name__)


def tables_reachable() -> bool:
    # One cheap read of a key that never exists proves credentials, endpoint and table.
    try:
        ClaimModel.count("HEALTH#probe", limit=1)
    except PynamoDBException as exc:
        log.error("health check failed", extra={"aws_error": exc.cause_response_code})
        return False
    return True
