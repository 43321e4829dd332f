"""The per-source-address throttles as the views call them (domain/throttles.py)."""

from __future__ import annotations

from chalice.app import Request

from chalicelib.handlers.http import source_ip
from chalicelib.wiring import runtime


def limit_source(kind: str, request: Request) -> None:
    """Counts the request against its source address's limit of `kind`; 429 once over it.

    Views call it after the body's fields are checked, right before the work the limit
    protects (a claim lookup, a mail): a malformed request costs no DynamoDB write. API
    Gateway's `sourceIp` is the TCP peer's address, so a client cannot choose it with a header.
    """
    throttle = runtime().source_throttle()
    if throttle is not None:
        throttle.check(kind, source_ip(request))
