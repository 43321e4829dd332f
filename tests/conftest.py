"""Shared fixtures (helpers live in tests/helpers.py, tests/flows.py and tests/stack.py).

The `dev` stage's environment variables are exported here, before anything from chalicelib is
imported, because PynamoDB reads table names when the model classes are defined, while
chalice.test.Client only sets them during a request: so tests, `chalice local` and Lambda all see
the same configuration.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.helpers import DOCUMENT, STAGE, STAGE_ENVIRONMENT, FakeClock

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
        # R-ABUSE-2 calls a third party: off for the suite; tests/api/test_breached_passwords.py
        # turns it on against a loopback range server.
        "BREACHED_PASSWORD_CHECK": "off",
        # R-ABUSE-1 is on in every stage; the in-process tests that do not concern it post no
        # solution, so it is off here and tests/api/test_proof_of_work_api.py turns it on.
        "PROOF_OF_WORK": "off",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

import boto3
import pytest
from chalice.test import Client
from hypothesis import settings as hypothesis_settings
from moto import mock_aws

from chalicelib.config import get_settings
from chalicelib.store.models import create_tables
from chalicelib.wiring import services

# Property tests check rules, not speed: a loaded 2-core CI machine must not fail them on
# Hypothesis's per-example deadline (speed is measured by make bench, never asserted).
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")


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


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged template (tests/iam.py), fresh: the API's roles and the operators' policy."""
    from tests import iam

    return iam.packaged(tmp_path_factory.mktemp("package") / "out")


@pytest.fixture(scope="session")
def template(packaged: Path) -> dict[str, Any]:
    from tests import iam

    return iam.read_template(packaged)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The published OpenAPI document (chalicelib/openapi.json)."""
    return dict(json.loads(DOCUMENT.read_text(encoding="utf-8")))


# A skipped test must not let the suite pass: a browser test that cannot run is a failure.
_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == 0:
        print(f"\n{len(_skipped)} test(s) were skipped; skips are failures here: {_skipped}")
        session.exitstatus = 1
