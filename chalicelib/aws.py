"""One botocore session per thread for every AWS client the app makes (issue 7, make bench).

Making a botocore session registers some 250 event handlers, and its first client reads the
service's JSON model and endpoint rules from disk; a second client of the same session reuses
all of that. PynamoDB, left alone, makes a session for every connection: one per model class
(six tables) plus the one for transactions and batch reads, and boto3 a seventh for SES and SSM.
A fresh Lambda container paid for each on the first request that touched it: making the app's
nine clients took 540 ms of CPU on the bench machine with eight sessions, 105 ms with one.

Sessions are not thread-safe (clients are), so the session is shared per thread: in Lambda, one
thread serves every request of the container; `chalice local` and the threaded tests get one per
thread, as PynamoDB itself keeps them. Nothing else changes: each client keeps its own
configuration (timeouts, retries) and event handlers, and the endpoint (AWS_ENDPOINT_URL) and
credentials are still resolved when each client is made.
"""

from __future__ import annotations

import threading
from typing import Any

import botocore.session
from botocore.config import Config

_local = threading.local()


def session() -> botocore.session.Session:
    """This thread's botocore session, made on first use."""
    current = getattr(_local, "session", None)
    if current is None:
        current = _local.session = botocore.session.get_session()
    return current


def client(service: str, region: str, config: Config | None = None) -> Any:
    """A low-level client, as `boto3.client(service, region_name=..., config=...)` makes it."""
    return session().create_client(service, region_name=region, config=config)


def share_session_with_pynamodb() -> None:
    """Make every PynamoDB connection take its botocore session from `session()`.

    PynamoDB 6.1 calls `pynamodb.connection.base.get_session()` when a connection first needs
    one (tests/api/test_aws_session.py fails if a PynamoDB upgrade stops doing so).
    """
    import pynamodb.connection.base

    pynamodb.connection.base.get_session = session  # type: ignore[attr-defined]  # not re-exported
