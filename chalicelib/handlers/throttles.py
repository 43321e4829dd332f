"""The per-source-address throttles as the views call them (domain/throttles.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Request

from chalicelib.domain.forms import Problems
from chalicelib.handlers.http import json_body, source_ip
from chalicelib.wiring import services


def limit_source(kind: str, request: Request) -> None:
    """Counts the request against its source address's limit of `kind`; 429 once over it.

    Views call it after the body's fields are checked, right before the work the limit
    protects (a claim lookup, a mail): a malformed request costs no DynamoDB write. API
    Gateway's `sourceIp` is the TCP peer's address, so a client cannot choose it with a header.
    """
    throttle = services().source_throttle()
    if throttle is not None:
        throttle.check(kind, source_ip(request))


def read_checked[T](request: Request, read: Callable[[dict[str, Any], Problems], T]) -> T:
    """The body read by `read`; 400 with every bad field at once."""
    problems = Problems()
    value = read(json_body(request), problems)
    problems.raise_if_any()
    return value


def read_then_limit[T](
    kind: str,
    request: Request,
    read: Callable[[dict[str, Any], Problems], T],
    gate: Callable[[dict[str, Any]], None] | None = None,
) -> T:
    """`read_checked`, then `gate` on the body (the proof of work, R-ABUSE-1), then
    `limit_source`: the order every limited view keeps, so that a malformed request costs no
    DynamoDB write."""
    value = read_checked(request, read)
    if gate is not None:
        gate(json_body(request))
    limit_source(kind, request)
    return value
