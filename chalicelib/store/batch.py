"""One BatchGetItem across tables: the session and its user, or a user and its lock-out state,
in a single DynamoDB call (PynamoDB's own batch_get covers one model at a time)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import Attribute
from pynamodb.models import Model

from chalicelib import aws
from chalicelib.domain import errors
from chalicelib.store.transactions import connection

log = logging.getLogger(__name__)

# Rounds of asking again for the keys DynamoDB left unprocessed.
UNPROCESSED_KEY_ROUNDS = 3


def _hash_key_name(model: type[Model]) -> str:
    key: Attribute[Any] = model._hash_key_attribute()  # every model here has a hash key
    return key.attr_name


def batch_get(keys: Sequence[tuple[type[Model], str]]) -> list[Any]:
    """The items with these string hash keys (None where missing), strongly consistent.

    Keys DynamoDB leaves unprocessed (throttling) are asked for again, a bounded number of
    times; past that the answer is SERVICE_UNAVAILABLE, never a partial read.
    """
    request: dict[str, dict[str, Any]] = {}
    for model, key in keys:
        table = request.setdefault(model.Meta.table_name, {"Keys": [], "ConsistentRead": True})
        table["Keys"].append({_hash_key_name(model): {"S": key}})
    found: dict[tuple[str, str], dict[str, Any]] = {}
    names = {model.Meta.table_name: _hash_key_name(model) for model, _ in keys}
    for attempt in range(UNPROCESSED_KEY_ROUNDS):
        try:
            answer = connection().dispatch("BatchGetItem", {"RequestItems": request})
        except (BotoCoreError, ClientError) as exc:
            log.error("dynamodb call failed", extra={"aws_error": aws.error_code(exc)})
            raise errors.ServiceUnavailable() from exc
        for table, items in answer.get("Responses", {}).items():
            for item in items:
                found[(table, item[names[table]]["S"])] = item
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            break
        time.sleep(0.05 * 2**attempt)
    else:
        log.error("dynamodb batch read left keys unprocessed")
        raise errors.ServiceUnavailable()
    results: list[Any] = []
    for model, key in keys:
        raw = found.get((model.Meta.table_name, key))
        results.append(model.from_raw_data(raw) if raw is not None else None)
    return results
