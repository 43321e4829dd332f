"""The second factor's limits under concurrency (R-SEC-2, R-HARD-1): parallel code steps over
HTTP against the local stack as `make run` serves it. Wrong codes lock exactly as wrong
passwords do; one valid code sent many times at once opens exactly one session.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
import requests

from tests.helpers import PASSWORD, audit_events, last_code, registration_body
from tests.stack import LocalStack, running_local_stack

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("local-stack-races")]

BURST = 12


def post(stack: LocalStack, path: str, body: Any, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{stack.url}{path}", json=body, headers=headers, timeout=60)


def burst(stack: LocalStack, path: str, bodies: list[Any]) -> list[requests.Response]:
    answers: list[Any] = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def send(i: int) -> None:
        start.wait()
        answers[i] = requests.post(f"{stack.url}{path}", json=bodies[i], timeout=120)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def outcome(answer: requests.Response) -> str:
    if answer.status_code < 300:
        return str(answer.status_code)
    return f"{answer.status_code} {answer.json()['error']['code']}"


def with_factor(stack: LocalStack, n: int) -> tuple[str, str]:
    """A registered account with a confirmed second factor: its ID and secret."""
    body = registration_body(n)
    assert post(stack, "/v1/registration/security-code", {"email": body["email"]}).ok
    body["security_code"] = last_code(body["email"])
    assert post(stack, "/v1/registration", body).status_code == 201
    login = {"user_id": body["user_id"], "password": PASSWORD}
    token = post(stack, "/v1/sessions", login).json()["token"]
    enrolment = post(stack, "/v1/account/totp", {"password": PASSWORD}, token)
    assert enrolment.status_code == 201, enrolment.text
    secret = enrolment.json()["secret"]
    code = pyotp.TOTP(secret).now()
    confirmed = post(stack, "/v1/account/totp/confirmation", {"code": code}, token)
    assert confirmed.status_code == 200, confirmed.text
    return body["user_id"], secret


def challenge(stack: LocalStack, user_id: str) -> str:
    answer = post(stack, "/v1/sessions", {"user_id": user_id, "password": PASSWORD})
    assert outcome(answer) == "401 TOTP_REQUIRED", answer.text
    return str(answer.json()["error"]["totp_challenge"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    log = tmp_path_factory.mktemp("totp-races") / "api.log"
    with running_local_stack(log, PROOF_OF_WORK="off") as running:
        yield running


def test_parallel_wrong_codes_lock_exactly_as_wrong_passwords_r_sec_2(stack: LocalStack) -> None:
    user_id, secret = with_factor(stack, 150)
    step = pyotp.TOTP(secret)
    window = {step.at(time.time() + d) for d in (-60, -30, 0, 30, 60)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in window)
    started = challenge(stack, user_id)
    bodies = [{"totp_challenge": started, "code": wrong}] * BURST
    seen = Counter(outcome(a) for a in burst(stack, "/v1/sessions/totp", bodies))
    print(f"\nwrong codes: {dict(seen)}")
    # As the password burst: at most four 401s before the fifth locks; everything else 423.
    assert seen["401 TOTP_INVALID"] <= 4
    assert seen["401 TOTP_INVALID"] + seen["423 ACCOUNT_LOCKED"] == BURST
    after = post(stack, "/v1/sessions", {"user_id": user_id, "password": PASSWORD})
    assert outcome(after) == "423 ACCOUNT_LOCKED"
    events = audit_events(
        "ACCOUNT_LOCKED", user_id=user_id, endpoint_url=stack.moto.url, table="ecuapass-local-audit"
    )
    assert len(events) == 1


@pytest.mark.parametrize("shared", [True, False], ids=["one-challenge", "one-challenge-each"])
def test_one_valid_code_sent_in_parallel_opens_exactly_one_session_r_sec_2(
    stack: LocalStack, shared: bool
) -> None:
    user_id, secret = with_factor(stack, 160 if shared else 161)
    # The next step's code: inside the window, and after the step the confirmation used.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    if shared:
        challenges = [challenge(stack, user_id)] * BURST
    else:
        challenges = [challenge(stack, user_id) for _ in range(BURST)]
    bodies = [{"totp_challenge": c, "code": code} for c in challenges]
    seen = Counter(outcome(a) for a in burst(stack, "/v1/sessions/totp", bodies))
    print(f"\none valid code, shared challenge {shared}: {dict(seen)}")
    assert seen["201"] == 1
    refused = {"401 TOTP_INVALID", "401 UNAUTHORIZED", "423 ACCOUNT_LOCKED"}
    assert set(seen) - {"201"} <= refused
    events = audit_events(
        "LOGGED_IN", user_id=user_id, endpoint_url=stack.moto.url, table="ecuapass-local-audit"
    )
    # The log-in that enrolled, and the one the code opened.
    assert len(events) == 2
