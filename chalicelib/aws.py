"""The one home of the app's AWS clients: one botocore session per thread, and every client
(and PynamoDB's connection for transactions and batch reads) made once and kept for the container.

Sessions are not thread-safe, clients are: the session is per thread, the clients are shared.
Each client keeps its own configuration (timeouts, retries) and event handlers; the endpoint
(AWS_ENDPOINT_URL) and credentials are resolved when it is made. Why: docs/performance.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, cast

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# Every client's timeouts: an AWS call that takes longer is failing, and retrying it is better.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5

_local = threading.local()
_kept: dict[Hashable, Any] = {}


def session() -> botocore.session.Session:
    """This thread's botocore session, made on first use."""
    current = getattr(_local, "session", None)
    if current is None:
        current = _local.session = botocore.session.get_session()
    return current


def kept[T](key: Hashable, make: Callable[[], T]) -> T:
    """The client kept under `key`, made by `make()` on first use."""
    found = _kept.get(key)
    if found is None:
        # Two threads may both make one; the first kept wins and the other is dropped.
        found = _kept.setdefault(key, make())
    return cast(T, found)


def client(service: str, region: str, attempts: int | None = None) -> Any:
    """A low-level client, as `boto3.client(service, region_name=...)` makes it, kept per
    service, region and `attempts`: with them, botocore's standard retry mode bounded to that
    many attempts in all, and the short timeouts above."""

    def make() -> Any:
        config = None
        if attempts is not None:
            config = Config(
                retries={"mode": "standard", "total_max_attempts": attempts},
                connect_timeout=CONNECT_TIMEOUT_SECONDS,
                read_timeout=READ_TIMEOUT_SECONDS,
            )
        return session().create_client(service, region_name=region, config=config)

    return kept(("client", service, region, attempts), make)


def forget_clients() -> None:
    """Drop every kept client, so the next ones resolve endpoint and credentials afresh."""
    _kept.clear()


def error_code(exc: BotoCoreError | ClientError) -> str:
    """AWS's error code of a failed call, or "network" when no answer came back."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return "network"


def share_session_with_pynamodb() -> None:
    """Make every PynamoDB connection take its botocore session from `session()`.

    PynamoDB 6.1 calls `pynamodb.connection.base.get_session()` when a connection first needs
    one (tests/api/test_aws_session.py fails if a PynamoDB upgrade stops doing so).
    """
    import pynamodb.connection.base

    pynamodb.connection.base.get_session = session  # type: ignore[attr-defined]  # not re-exported
