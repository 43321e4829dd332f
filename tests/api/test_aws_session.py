"""Every AWS client the app makes on one thread comes from one botocore session (chalicelib/aws.py,
issue 7): a fresh Lambda container no longer pays for a session per PynamoDB model, plus one for
transactions and one for SES and SSM, on its first requests."""

from __future__ import annotations

import threading
from typing import Any

import botocore.session
import pytest

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.store.models import ALL_MODELS
from tests.stack import app_clients, forget_aws_clients


def _in_a_new_thread(work: Any) -> Any:
    """Runs `work` on a thread of its own, as a new container's (or server thread's) first use."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:  # re-raised on the test's thread
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


@pytest.fixture
def fresh_clients() -> Any:
    forget_aws_clients()
    yield
    forget_aws_clients()


def test_the_apps_clients_on_one_thread_share_one_botocore_session(monkeypatch, fresh_clients):
    made: list[botocore.session.Session] = []
    original = botocore.session.Session.__init__

    def counting(self: botocore.session.Session, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "__init__", counting)
    region = get_settings().region

    def make_every_client() -> list[Any]:
        return [*app_clients().values(), aws.client("ssm", region)]

    clients = _in_a_new_thread(make_every_client)
    assert len(clients) == len(ALL_MODELS) + 3
    assert len(made) == 1


def test_each_thread_gets_its_own_session_since_sessions_are_not_thread_safe():
    first = _in_a_new_thread(aws.session)
    second = _in_a_new_thread(aws.session)
    assert first is not second
    assert aws.session() is aws.session()


def test_pynamodb_connections_take_the_shared_session(fresh_clients):
    def sessions() -> tuple[Any, Any]:
        return ALL_MODELS[0]._get_connection().connection.session, aws.session()

    pynamodb_session, shared = _in_a_new_thread(sessions)
    assert pynamodb_session is shared
