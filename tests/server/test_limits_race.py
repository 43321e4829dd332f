"""Limits that hold under concurrency (R-HARD-1, R-HARD-4): parallel bursts over HTTP against the
local stack as `make run` serves it (the API serving requests in parallel, on the serialized moto
server), counting the answers.

Each burst starts its requests together behind a barrier. Requests from "other sources" leave
from other loopback addresses (127.0.0.2, …): the local API hands the app each request's real
TCP peer, as API Gateway does.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.helpers import PASSWORD, audit_events, last_code, registration_body
from tests.stack import LocalStack, running_local_stack

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("local-stack-races")]

BURST = 20
WRONG_PASSWORD = "Equivocada2026x"


class FromSource(HTTPAdapter):
    """Connections that leave from one loopback address."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def http_from(source: str = "127.0.0.1") -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromSource(source))
    return session


def post(stack: LocalStack, path: str, body: Any, source: str = "127.0.0.1") -> requests.Response:
    return http_from(source).post(f"{stack.url}{path}", json=body, timeout=60)


def burst(stack: LocalStack, path: str, bodies: list[Any], sources: list[str]) -> list[Any]:
    """Every body posted at once, each from its source; the answers in the bodies' order."""
    answers: list[Any] = [None] * len(bodies)
    sessions = [http_from(source) for source in sources]
    start = threading.Barrier(len(bodies))

    def send(i: int) -> None:
        start.wait()
        answers[i] = sessions[i].post(f"{stack.url}{path}", json=bodies[i], timeout=120)

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


def registered(stack: LocalStack, n: int) -> dict[str, Any]:
    body = registration_body(n)
    assert (
        post(stack, "/v1/registration/security-code", {"email": body["email"]}).status_code == 202
    )
    body["security_code"] = last_code(body["email"])
    answer = post(stack, "/v1/registration", body)
    assert answer.status_code == 201, answer.text
    return body


def items(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=stack.moto.url)
    return dynamodb.scan(TableName=table)["Items"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # Per-source limits on, as deployed; the bursts stay under them. The proof of work is off:
    # these bursts are about the limits behind it, and its own single use has its parallel test
    # (tests/api/test_proof_of_work_api.py).
    log = tmp_path_factory.mktemp("races") / "api.log"
    with running_local_stack(log, PROOF_OF_WORK="off") as running:
        yield running


# Log-in (R-HARD-1) -----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_parallel_burst_of_guesses_verifies_at_most_five_and_ends_locked_r_hard_1(
    stack: LocalStack, n: int
) -> None:
    """20 log-ins at once, the right password at positions 15-17 (the outside review's burst)."""
    account = registered(stack, 100 + n)
    bodies = [
        {
            "user_id": account["user_id"],
            "password": PASSWORD if i in (15, 16, 17) else WRONG_PASSWORD,
        }
        for i in range(BURST)
    ]
    answers = burst(stack, "/v1/sessions", bodies, ["127.0.0.1"] * BURST)
    seen = Counter(outcome(a) for a in answers)
    after = post(stack, "/v1/sessions", {"user_id": account["user_id"], "password": PASSWORD})
    locked = outcome(after) == "423 ACCOUNT_LOCKED"
    print(f"\nburst {n}: {dict(seen)}, then the right password: {outcome(after)}")
    assert seen["401 INVALID_CREDENTIALS"] + seen["423 ACCOUNT_LOCKED"] + seen["201"] == BURST
    # Every wrong password verified answered 401, but the one that locked (423): five at most.
    assert seen["401 INVALID_CREDENTIALS"] + (1 if locked else 0) <= 5
    # A right password may take one of the five tries and give it back (a 201), or still be
    # in flight when the fifth try locks (a right password being verified counts toward the
    # run, and a lock set meanwhile refuses it too). Without a 201 the account stays locked:
    # nothing cleared the lock.
    if not seen["201"]:
        assert locked
    events = audit_events(
        "ACCOUNT_LOCKED",
        user_id=account["user_id"],
        endpoint_url=stack.moto.url,
        table="ecuapass-local-audit",
    )
    assert len(events) == (1 if locked else 0)


def test_a_parallel_burst_on_an_id_nobody_has_locks_the_same_way_r_hard_1(
    stack: LocalStack,
) -> None:
    bodies = [{"user_id": "nadie.en.paralelo", "password": WRONG_PASSWORD}] * BURST
    seen = Counter(outcome(a) for a in burst(stack, "/v1/sessions", bodies, ["127.0.0.1"] * BURST))
    print(f"\nunknown ID: {dict(seen)}")
    assert seen["401 INVALID_CREDENTIALS"] <= 4
    assert seen["401 INVALID_CREDENTIALS"] + seen["423 ACCOUNT_LOCKED"] == BURST


def test_parallel_password_checks_count_toward_the_same_lock_out_r_hard_1(
    stack: LocalStack,
) -> None:
    account = registered(stack, 110)
    login = {"user_id": account["user_id"], "password": PASSWORD}
    token = post(stack, "/v1/sessions", login).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    answers: list[Any] = [None] * BURST
    start = threading.Barrier(BURST)

    def check(i: int) -> None:
        start.wait()
        answers[i] = requests.post(
            f"{stack.url}/v1/account/password-check",
            json={"current_password": WRONG_PASSWORD},
            headers=headers,
            timeout=120,
        )

    threads = [threading.Thread(target=check, args=(i,)) for i in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen = Counter(outcome(a) for a in answers)
    print(f"\npassword-check: {dict(seen)}")
    assert seen["401 INVALID_CREDENTIALS"] <= 4
    assert seen["401 INVALID_CREDENTIALS"] + seen["423 ACCOUNT_LOCKED"] == BURST


# Security codes (R-HARD-1, R-HARD-4) -----------------------------------------------------------


def registration_with_code(stack: LocalStack, n: int, source: str = "127.0.0.1") -> dict[str, Any]:
    body = registration_body(n)
    answer = post(stack, "/v1/registration/security-code", {"email": body["email"]}, source)
    assert answer.status_code == 202, answer.text
    body["security_code"] = last_code(body["email"])
    return body


def wrong_code(body: dict[str, Any]) -> dict[str, Any]:
    wrong = "22222222" if body["security_code"] != "22222222" else "33333333"
    return {**body, "security_code": wrong}


def test_parallel_wrong_codes_from_the_requester_compare_at_most_five_r_hard_1(
    stack: LocalStack,
) -> None:
    body = registration_with_code(stack, 120)
    answers = burst(stack, "/v1/registration", [wrong_code(body)] * BURST, ["127.0.0.1"] * BURST)
    seen = Counter(outcome(a) for a in answers)
    print(f"\nwrong codes, one source: {dict(seen)}")
    assert seen["400 SECURITY_CODE_INVALID"] <= 4
    assert seen["400 SECURITY_CODE_INVALID"] + seen["400 SECURITY_CODE_LOCKED"] == BURST
    (item,) = [
        i for i in items(stack, "ecuapass-local-codes") if i["key"]["S"].startswith(body["email"])
    ]
    assert item["attempts"]["N"] == "5"
    # The code is dead for its holder too: a new one must be requested.
    assert outcome(post(stack, "/v1/registration", body)) == "400 SECURITY_CODE_LOCKED"


def test_strangers_guessing_in_parallel_cannot_kill_the_holders_code_r_hard_4(
    stack: LocalStack,
) -> None:
    """Wrong codes posted with the owner's address from 20 other sources at once."""
    body = registration_with_code(stack, 121, source="127.0.0.1")
    strangers = [f"127.0.0.{i}" for i in range(2, 2 + BURST)]
    answers = burst(stack, "/v1/registration", [wrong_code(body)] * BURST, strangers)
    seen = Counter(outcome(a) for a in answers)
    print(f"\nwrong codes, 20 other sources: {dict(seen)}")
    assert seen["400 SECURITY_CODE_INVALID"] <= 4
    assert seen["400 SECURITY_CODE_INVALID"] + seen["400 SECURITY_CODE_LOCKED"] == BURST
    (item,) = [
        i for i in items(stack, "ecuapass-local-codes") if i["key"]["S"].startswith(body["email"])
    ]
    assert (item["attempts"]["N"], item["foreign_attempts"]["N"]) == ("0", "5")
    # The holder, from the address that asked for the code, still registers with it.
    assert outcome(post(stack, "/v1/registration", body, "127.0.0.1")) == "201"
