"""R-REG-13: two people racing for the same ID or document, exactly one wins and no claim item of a
loser is left behind.

Runs against moto in server mode behind one lock per request (devstack.moto_server), the way the
local stack runs it: moto's in-process mock is not safe under concurrent requests, while the
serialized server gives DynamoDB's per-request atomicity, so the race between *requests* is real.
Eight threads each register through the domain with their own valid code, obtained via the API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain import errors, forms, registration
from chalicelib.domain.records import PURPOSE_REGISTRATION, Origin, User
from chalicelib.store.codes import code_key
from chalicelib.store.models import (
    AuditModel,
    CodeModel,
    UserModel,
)
from chalicelib.wiring import services
from devstack.moto_server import MotoServer
from tests.helpers import STAGE, cedula, claims, last_code, registration_body, request_code
from tests.stack import moto_stack

pytestmark = pytest.mark.slow

CONTENDERS = 8
ROUNDS = 5


@pytest.fixture
def moto_server() -> Iterator[MotoServer]:
    """A fresh serialized moto server per test: in-process mocks elsewhere reset moto's state.
    Every contender's code comes from the one test address: the per-IP limit is not under test
    here (the per-address one still applies)."""
    with moto_stack(RATE_LIMITS_PER_IP="off") as server:
        yield server


@pytest.fixture
def api(moto_server: MotoServer) -> Iterator[Client]:
    from app import app

    with Client(app, stage_name=STAGE) as client:
        yield client


@dataclass
class Outcome:
    body: dict[str, Any]
    user: User | None = None
    error: errors.ApiError | None = None


def contenders(api: Client, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each body with its own valid code, requested through the API and read from the mail."""
    for body in bodies:
        answer = request_code(api, body["email"])
        assert answer.status == 202, answer.body
        body["security_code"] = last_code(body["email"])
    return bodies


def race(bodies: list[dict[str, Any]]) -> list[Outcome]:
    """Every body registers at the same instant from its own thread."""
    outcomes = [Outcome(body) for body in bodies]
    start = threading.Barrier(len(bodies))

    def run(outcome: Outcome) -> None:
        form = forms.read_registration(outcome.body)
        deps = services().registration()
        start.wait()
        try:
            outcome.user = registration.register(deps, form, Origin("127.0.0.1"))
        except errors.ApiError as error:
            outcome.error = error

    threads = [threading.Thread(target=run, args=(o,)) for o in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def one_winner(
    outcomes: list[Outcome], refusal: type[errors.ApiError]
) -> tuple[Outcome, list[Outcome]]:
    """The one registration that went through, and the others, each refused with `refusal`."""
    winners = [o for o in outcomes if o.user is not None]
    losers = [o for o in outcomes if o.error is not None]
    assert len(winners) == 1, [type(o.error).__name__ for o in outcomes]
    assert len(losers) == CONTENDERS - 1
    assert all(isinstance(o.error, refusal) for o in losers)
    [winner] = winners
    return winner, losers


def code_used(email: str) -> bool:
    return bool(CodeModel.get(code_key(email, PURPOSE_REGISTRATION), consistent_read=True).used)


def test_eight_racing_registrations_of_one_id_give_one_winner(api: Client) -> None:
    for round_ in range(ROUNDS):
        user_id = f"carrera.{round_}"
        bodies = contenders(
            api,
            [
                registration_body(
                    100 * round_ + i,
                    user_id=user_id,
                    email=f"id{round_}.{i}@example.com",
                    email_confirmation=f"id{round_}.{i}@example.com",
                )
                for i in range(CONTENDERS)
            ],
        )
        winner, losers = one_winner(race(bodies), errors.UserIdTaken)

        stored = UserModel.get(user_id)
        assert stored.document_number == winner.body["document_number"]
        round_claims = {c: o for c, o in claims().items() if o == user_id}
        assert round_claims == {
            f"USERID#{user_id}": user_id,
            f"DOC#CEDULA#{winner.body['document_number']}": user_id,
            f"EMAIL#{winner.body['email']}": user_id,
        }
        for loser in losers:
            assert f"DOC#CEDULA#{loser.body['document_number']}" not in claims()
            assert f"EMAIL#{loser.body['email']}" not in claims()
            # The loser's code is intact: they may pick another ID and finish.
            assert not code_used(loser.body["email"])
        assert code_used(winner.body["email"])
        assert len(claims()) == 3 * (round_ + 1)
        assert UserModel.count() == round_ + 1
        assert len(list(AuditModel.query(user_id))) == 1


def test_eight_racing_registrations_of_one_document_give_one_winner(api: Client) -> None:
    for round_ in range(ROUNDS):
        document = cedula(5000 + round_)
        bodies = contenders(
            api,
            [
                registration_body(
                    0,
                    user_id=f"doc{round_}.persona{i}",
                    document_number=document,
                    email=f"doc{round_}.{i}@example.com",
                    email_confirmation=f"doc{round_}.{i}@example.com",
                )
                for i in range(CONTENDERS)
            ],
        )
        winner, losers = one_winner(race(bodies), errors.DocumentTaken)
        owner = winner.body["user_id"]

        assert claims()[f"DOC#CEDULA#{document}"] == owner
        round_claims = {c: o for c, o in claims().items() if o.startswith(f"doc{round_}.")}
        assert round_claims == {
            f"USERID#{owner}": owner,
            f"DOC#CEDULA#{document}": owner,
            f"EMAIL#{winner.body['email']}": owner,
        }
        for loser in losers:
            # No claim of a loser is left: its ID and e-mail stay free.
            assert f"USERID#{loser.body['user_id']}" not in claims()
            assert f"EMAIL#{loser.body['email']}" not in claims()
            assert registration.user_id_available(
                services().registration().claims, loser.body["user_id"]
            )
            assert not code_used(loser.body["email"])
            assert not list(AuditModel.query(loser.body["user_id"]))
        assert len(claims()) == 3 * (round_ + 1)
        assert UserModel.count() == round_ + 1
