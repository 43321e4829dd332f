"""R-ABUSE-1: the proof of work (api.md "Proof of work"): GET /v1/challenge, and the `altcha`
solution every code request and the registration need when PROOF_OF_WORK is on: missing, wrong,
expired, replayed and valid, each solved with the `altcha` library as the widget solves it; and
one solution fired at once from many threads at the moto server, accepted exactly once."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

import pytest
from chalice.test import Client

from chalicelib.domain import errors
from chalicelib.wiring import services
from tests.helpers import (
    STAGE,
    FakeClock,
    assert_error,
    aws_calls,
    bearer,
    call,
    last_code,
    log_in,
    mails_to,
    post,
    registration_body,
    request_code,
    solve_challenge,
    solved,
)
from tests.stack import moto_stack

CODE_ROUTES = ("/v1/registration/security-code", "/v1/password-recovery/security-code")
ADDRESS = "pow.persona@example.com"


def proof_of_work(monkeypatch: pytest.MonkeyPatch, on: bool = True) -> None:
    monkeypatch.setattr(services(), "settings", replace(services().settings, proof_of_work=on))


@pytest.fixture
def required(monkeypatch: pytest.MonkeyPatch) -> None:
    proof_of_work(monkeypatch)


def code_body(path: str, altcha: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = (
        {"email": ADDRESS} if path.startswith("/v1/registration") else {"user_id": "juan.perez1"}
    )
    if altcha is not None:
        body["altcha"] = altcha
    return body


def tampered(payload: str, **changes: Any) -> str:
    decoded = json.loads(base64.b64decode(payload))
    decoded.update(changes)
    return base64.b64encode(json.dumps(decoded).encode()).decode()


# GET /v1/challenge -------------------------------------------------------------------------------


def test_challenge_is_signed_valid_five_minutes_with_the_set_complexity_r_abuse_1(
    client: Client, required: None, clock: FakeClock
) -> None:
    with aws_calls() as calls:
        answer = call(client, "GET", "/v1/challenge")
    assert answer.status == 200
    assert answer.body["required"] is True
    challenge = answer.body["challenge"]
    assert set(challenge) == {"algorithm", "challenge", "maxNumber", "salt", "signature"}
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["maxNumber"] == services().settings.altcha_max_number
    expires = parse_qs(challenge["salt"].partition("?")[2])["expires"]
    assert expires == [str(int(clock()) + 300)]
    assert calls == [], "a challenge is stateless until its solution is spent"
    assert answer.headers["Cache-Control"] == "no-store"


def test_challenge_says_not_required_when_proof_of_work_is_off_r_abuse_1(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    proof_of_work(monkeypatch, on=False)
    answer = call(client, "GET", "/v1/challenge")
    assert answer.status == 200
    assert answer.body == {"required": False, "challenge": None}


def test_a_solution_that_is_not_a_string_is_invalid_even_when_none_is_required_r_abuse_1(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """api.md: `altcha` is the widget's base64 string; an object is refused, with no call."""
    proof_of_work(monkeypatch, on=False)
    with aws_calls() as calls:
        answer = post(
            client, "/v1/password-recovery/security-code", {"user_id": "juan.perez", "altcha": {}}
        )
    assert_error(answer, 400, "CHALLENGE_INVALID")
    assert calls == []


def test_deployed_stages_turn_proof_of_work_on_r_abuse_1() -> None:
    from tests.helpers import ROOT

    stages = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]
    on = {name: stage["environment_variables"]["PROOF_OF_WORK"] for name, stage in stages.items()}
    assert on["dev"] == on["prod"] == "on"


# Missing, wrong, expired ---------------------------------------------------------------------


@pytest.mark.parametrize("path", CODE_ROUTES)
def test_code_request_without_solution_is_refused_before_any_call_r_abuse_1(
    client: Client, required: None, path: str
) -> None:
    with aws_calls() as calls:
        answer = post(client, path, code_body(path))
    assert_error(answer, 400, "CHALLENGE_REQUIRED")
    assert calls == []
    assert mails_to(ADDRESS) == []


@pytest.mark.parametrize(
    "bad",
    [
        "no es base64 !!",
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b'{"algorithm": "SHA-256"}').decode(),
        12345,
        "x" * 5000,
    ],
)
def test_malformed_solution_is_invalid_with_no_call_r_abuse_1(
    client: Client, required: None, bad: Any
) -> None:
    path = CODE_ROUTES[0]
    with aws_calls() as calls:
        answer = post(client, path, code_body(path, bad))
    assert_error(answer, 400, "CHALLENGE_INVALID")
    assert calls == []


@pytest.mark.parametrize("path", CODE_ROUTES)
def test_wrong_number_is_invalid_with_no_call_r_abuse_1(
    client: Client, required: None, path: str
) -> None:
    payload = solved(client)
    number = json.loads(base64.b64decode(payload))["number"]
    with aws_calls() as calls:
        answer = post(client, path, code_body(path, tampered(payload, number=number + 1)))
    assert_error(answer, 400, "CHALLENGE_INVALID")
    assert calls == []


def test_a_later_expiry_breaks_the_signature_r_abuse_1(
    client: Client, required: None, clock: FakeClock
) -> None:
    payload = solved(client)
    salt = json.loads(base64.b64decode(payload))["salt"]
    longer = salt.replace(f"expires={int(clock()) + 300}", f"expires={int(clock()) + 99999}")
    answer = post(client, CODE_ROUTES[0], code_body(CODE_ROUTES[0], tampered(payload, salt=longer)))
    assert_error(answer, 400, "CHALLENGE_INVALID")


def test_a_challenge_signed_with_another_key_is_invalid_r_abuse_1(
    client: Client, required: None, clock: FakeClock
) -> None:
    from altcha.v1 import ChallengeOptions, create_challenge

    options = ChallengeOptions(
        max_number=1000, hmac_key=b"not the service's key", salt=f"ab?expires={int(clock()) + 300}"
    )
    challenge = create_challenge(options).to_dict()
    answer = post(client, CODE_ROUTES[0], code_body(CODE_ROUTES[0], solve_challenge(challenge)))
    assert_error(answer, 400, "CHALLENGE_INVALID")


def test_expired_solution_is_invalid_r_abuse_1(
    client: Client, required: None, clock: FakeClock
) -> None:
    payload = solved(client)
    clock.advance(301)
    with aws_calls() as calls:
        answer = post(client, CODE_ROUTES[0], code_body(CODE_ROUTES[0], payload))
    error = assert_error(answer, 400, "CHALLENGE_INVALID")
    assert error["message"] == errors.CHALLENGE_EXPIRED
    assert calls == []


# Valid, and single use --------------------------------------------------------------------------


def test_valid_solution_gets_the_code_mailed_with_one_extra_call_r_abuse_1(
    client: Client, required: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = solved(client)
    with aws_calls() as calls:
        answer = post(client, CODE_ROUTES[0], code_body(CODE_ROUTES[0], payload))
    assert answer.status == 202, answer.body
    assert len(mails_to(ADDRESS)) == 1
    # The spent solution: one conditional UpdateItem before the route's own calls.
    assert calls[0] == "dynamodb:UpdateItem"
    proof_of_work(monkeypatch, on=False)
    with aws_calls() as without:
        other = post(client, CODE_ROUTES[0], {"email": "pow.otra@example.com"})
    assert other.status == 202, other.body
    assert len(calls) == len(without) + 1


@pytest.mark.parametrize("path", CODE_ROUTES)
def test_replayed_solution_is_invalid_r_abuse_1(client: Client, required: None, path: str) -> None:
    payload = solved(client)
    assert post(client, path, code_body(path, payload)).status == 202
    sent = len(mails_to(ADDRESS))
    error = assert_error(post(client, path, code_body(path, payload)), 400, "CHALLENGE_INVALID")
    assert error["message"] == errors.CHALLENGE_USED
    assert len(mails_to(ADDRESS)) == sent


def test_registration_needs_its_own_fresh_solution_r_abuse_1(
    client: Client, required: None
) -> None:
    body = registration_body(7)
    spent = solved(client)
    answer = post(client, CODE_ROUTES[0], {"email": body["email"], "altcha": spent})
    assert answer.status == 202, answer.body
    body["security_code"] = last_code(body["email"])
    assert_error(post(client, "/v1/registration", body), 400, "CHALLENGE_REQUIRED")
    assert_error(
        post(client, "/v1/registration", {**body, "altcha": spent}), 400, "CHALLENGE_INVALID"
    )
    answer = post(client, "/v1/registration", {**body, "altcha": solved(client)})
    assert answer.status == 201, answer.body


def test_registration_without_solution_reads_nothing_r_abuse_1(
    client: Client, required: None
) -> None:
    """The refusal of a form tells which values are taken (R-UX-1): not without a solution."""
    with aws_calls() as calls:
        answer = post(client, "/v1/registration", registration_body(8))
    assert_error(answer, 400, "CHALLENGE_REQUIRED")
    assert calls == []


def test_email_change_code_needs_a_solution_r_abuse_1(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = registration_body(9)
    assert request_code(client, body["email"]).status == 202
    body["security_code"] = last_code(body["email"])
    assert post(client, "/v1/registration", body).status == 201
    token = log_in(client, body["user_id"], body["password"]).body["token"]
    proof_of_work(monkeypatch)
    path = "/v1/account/security-code"
    new = {"email": "pow.nuevo@example.com"}
    assert_error(post(client, path, new, **bearer(token)), 400, "CHALLENGE_REQUIRED")
    payload = solved(client)
    assert post(client, path, {**new, "altcha": payload}, **bearer(token)).status == 202
    replay = post(client, path, {**new, "altcha": payload}, **bearer(token))
    assert_error(replay, 400, "CHALLENGE_INVALID")


# In parallel, at the moto server --------------------------------------------------------------

RACERS = 12


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    from app import app

    with moto_stack(RATE_LIMITS_PER_IP="off"):
        proof_of_work(monkeypatch)
        with Client(app, stage_name=STAGE) as api:
            yield api


@pytest.mark.slow
def test_one_solution_fired_in_parallel_is_accepted_exactly_once_r_abuse_1(
    served: Client,
) -> None:
    proof = services().proof_of_work()
    assert proof is not None
    for _round in range(3):
        payload = solved(served)
        outcomes: list[str] = []
        start = threading.Barrier(RACERS)

        def spend(payload: str, start: threading.Barrier, outcomes: list[str]) -> None:
            start.wait()
            try:
                proof.require(payload)
                outcomes.append("accepted")
            except errors.ChallengeInvalid:
                outcomes.append("refused")

        threads = [
            threading.Thread(target=spend, args=(payload, start, outcomes)) for _ in range(RACERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["accepted"] + ["refused"] * (RACERS - 1)
