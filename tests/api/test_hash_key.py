"""Where the key that hashes security codes and tokens comes from (issue 5, point 5).

HASH_KEY (tests, the local stack), else the SSM SecureString named by HASH_KEY_PARAMETER (AWS),
read on first use and kept for the container's life; a deployed stage with neither refuses to
work (SERVICE_UNAVAILABLE) rather than hash with a key no other container shares.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib import aws
from chalicelib.config import Settings, get_settings
from chalicelib.domain import errors
from chalicelib.wiring import Services, _cached_hash_key, services
from tests.helpers import post, python_in_a_fresh_process

PARAMETER = "/ecuapass-dev/hash-key"
KEY = "k" * 48


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    _cached_hash_key.cache_clear()
    yield
    _cached_hash_key.cache_clear()


def deployed(**changes: str) -> Settings:
    values = {"hash_key": "", "hash_key_parameter": PARAMETER, "stage": "dev", **changes}
    return dataclasses.replace(get_settings(), **values)  # type: ignore[arg-type]  # str fields


@pytest.fixture
def ssm() -> Iterator[object]:
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")


@pytest.fixture
def parameter_reads() -> Iterator[list[str]]:
    reads: list[str] = []

    def record(params: dict[str, str], **_: object) -> None:
        reads.append(params["Name"])

    # The session every client of the app (this thread's) comes from: chalicelib/aws.py. A client
    # copies the session's handlers when it is made, so the kept ones are dropped first.
    aws.forget_clients()
    session = aws.session()
    session.register("before-parameter-build.ssm.GetParameter", record)
    yield reads
    session.unregister("before-parameter-build.ssm.GetParameter", record)


def test_deployed_stage_reads_the_secure_string_once_per_container(ssm, parameter_reads):
    ssm.put_parameter(Name=PARAMETER, Value=KEY, Type="SecureString")
    first = Services(deployed())
    assert first.hash_key == KEY.encode()
    assert Services(deployed()).hash_key == KEY.encode()
    assert first.hash_key == KEY.encode()
    assert parameter_reads == [PARAMETER]


def test_unreadable_parameter_is_service_unavailable_and_retried_on_the_next_request(
    ssm, parameter_reads
):
    with pytest.raises(errors.ServiceUnavailable):
        _ = Services(deployed()).hash_key
    ssm.put_parameter(Name=PARAMETER, Value=KEY, Type="SecureString")
    assert Services(deployed()).hash_key == KEY.encode()
    assert parameter_reads == [PARAMETER, PARAMETER]


def test_a_parameter_too_short_to_be_a_key_is_refused(ssm):
    ssm.put_parameter(Name=PARAMETER, Value="short", Type="SecureString")
    with pytest.raises(errors.ServiceUnavailable):
        _ = Services(deployed()).hash_key


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_deployed_stage_without_any_key_refuses_instead_of_inventing_one(stage):
    with pytest.raises(errors.ServiceUnavailable):
        _ = Services(deployed(hash_key_parameter="", stage=stage)).hash_key


def test_local_stage_without_a_key_uses_a_random_one_for_its_own_process():
    key = Services(deployed(hash_key_parameter="", stage="local")).hash_key
    assert len(key) == 32
    assert Services(deployed(hash_key_parameter="", stage="local")).hash_key == key


def test_hash_key_env_wins_over_the_parameter(parameter_reads):
    assert Services(deployed(hash_key="from-env")).hash_key == b"from-env"
    assert parameter_reads == []


def test_api_answers_service_unavailable_when_the_key_cannot_be_read(
    client, monkeypatch: pytest.MonkeyPatch
):
    """Through the API: a missing SecureString is a 503 in the api.md shape, never a 500."""
    monkeypatch.setattr(services(), "settings", deployed())
    answer = post(client, "/v1/registration/user-id-availability", {"user_id": "juan.perez"})
    assert answer.status == 503
    assert answer.error["code"] == "SERVICE_UNAVAILABLE"


def test_importing_the_app_reads_no_parameter():
    """Cold start: the SSM read happens on the first request that needs the key, not at import
    (no endpoint answers here, so a read at import would fail the import)."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "HASH_KEY"},
        "STAGE": "prod",
        "HASH_KEY_PARAMETER": "/ecuapass-prod/hash-key",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    script = "import app, json; print(json.dumps(sorted(app.app.routes)[:1]))"
    assert json.loads(python_in_a_fresh_process(script, env, timeout=60).splitlines()[-1])
