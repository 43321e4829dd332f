"""Shared fixtures.

The `dev` stage's environment variables are exported here, before anything from chalicelib is
imported, because PynamoDB reads table names when the model classes are defined, while
chalice.test.Client only sets them during a request: so tests, `chalice local` and Lambda all see
the same configuration.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STAGE = "dev"

STAGE_ENVIRONMENT: dict[str, str] = json.loads((ROOT / ".chalice" / "config.json").read_text())[
    "stages"
][STAGE]["environment_variables"]
os.environ.update(STAGE_ENVIRONMENT)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "HASH_KEY": "test-only-hash-key-not-a-secret",
        # The answer floor (R-HARD-6) is a sleep: the timing tests turn it on themselves.
        "TIMING_FLOOR_MS": "0",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

import boto3  # noqa: E402
import pytest  # noqa: E402
from chalice.test import Client  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.ses.models import ses_backends  # noqa: E402

from chalicelib.config import get_settings  # noqa: E402
from chalicelib.store.models import create_tables  # noqa: E402
from chalicelib.wiring import services  # noqa: E402

CODE_IN_MAIL = re.compile(r">([2-9A-HJ-NP-Z]{8})<")


class FakeClock:
    """Epoch seconds that only move when a test moves them."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def aws() -> Iterator[None]:
    """In-process moto with every table created and the sender verified."""
    with mock_aws():
        create_tables()
        boto3.client("ses", region_name="us-east-1").verify_email_identity(
            EmailAddress=get_settings().mail_sender
        )
        yield


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(services(), "clock", fake)
    return fake


@pytest.fixture
def client(aws: None, clock: FakeClock) -> Iterator[Client]:
    from app import app

    with Client(app, stage_name=STAGE) as c:
        yield c


def outbox() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def mails_to(address: str) -> list[Any]:
    return [m for m in outbox() if address in m.destinations.get("ToAddresses", [])]


def last_code(address: str) -> str:
    match = CODE_IN_MAIL.search(mails_to(address)[-1].body)
    assert match, "no security code in the mail"
    return match.group(1)


# A skipped test must not let the suite pass: a browser test that cannot run is a failure.
_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == 0:
        print(f"\n{len(_skipped)} test(s) were skipped; skips are failures here: {_skipped}")
        session.exitstatus = 1
