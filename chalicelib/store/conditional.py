"""One conditional UpdateItem that also answers with the item, whether or not it applied.

PynamoDB's `Model.update` raises on a failed condition without the item, and its error keeps no
more than the error code; the password lock-out (R-HARD-1) and the security-code tries need the
item in both cases, so that one call is the read *and* the counted attempt.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from chalicelib import aws
from chalicelib.domain import errors
from chalicelib.store.errors import CONDITION_FAILED_EXCEPTION

log = logging.getLogger(__name__)


def update_returning[M: Model](
    model: type[M], key: str, actions: list[Any], condition: Condition
) -> tuple[bool, M | None]:
    """(True, the item after the update) when `condition` held; (False, the item as found, or
    None when there is none) when it did not. Any other failure is SERVICE_UNAVAILABLE."""
    table = model._get_connection()
    kwargs = table.get_operation_kwargs(
        key,
        actions=actions,
        condition=condition,
        return_values="ALL_NEW",
        return_values_on_condition_failure="ALL_OLD",
    )
    try:
        answer = table.connection.client.update_item(**kwargs)
    except (BotoCoreError, ClientError) as exc:
        code = aws.error_code(exc)
        if isinstance(exc, ClientError) and code == CONDITION_FAILED_EXCEPTION:
            raw = exc.response.get("Item")
            return False, (model.from_raw_data(raw) if raw else None)
        log.error("dynamodb call failed", extra={"aws_error": code})
        raise errors.ServiceUnavailable() from exc
    return True, model.from_raw_data(answer["Attributes"])
