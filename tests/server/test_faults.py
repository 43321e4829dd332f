"""Faults injected at the botocore level (issue 6, point 1): SES refusing, DynamoDB throttling and
transaction conflicts. Nothing is half-written: every table is read whole before and after.

The app runs in-process (chalice.test.Client) against a serialized moto *server*; a botocore
`before-send` handler (tests/stack.py) answers chosen calls with AWS's own error answers, so the
app's real clients, their retry modes and its own error handling all take part. No function of
the project is patched. botocore's backoff sleeps are recorded instead of slept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.store.retries import CONFLICT_ATTEMPTS, conflict_retry_delay
from devstack.moto_server import MotoServer
from tests.helpers import (
    STAGE,
    audit_events,
    bearer,
    call,
    last_code,
    log_in,
    mails_to,
    new_email_body,
    outbox,
    post,
    registration_body,
    request_code,
    signed_in,
)
from tests.stack import (
    TIMEOUT,
    BackoffRecorder,
    Fault,
    FaultInjector,
    app_clients,
    dynamodb_error,
    install_backoff_recorder,
    moto_stack,
    ses_error,
    table_items,
    transaction_cancelled,
)

pytestmark = pytest.mark.slow

# PynamoDB's max_retry_attempts=3 (store/models.py, store/transactions.py) is 1 + 3 attempts in all.
DYNAMODB_ATTEMPTS = 4
SES_ATTEMPTS = 2  # mail/ses.py
THROTTLES = ["ProvisionedThroughputExceededException", "ThrottlingException"]
# One reason per item of the registration transaction (user, 3 claims, audit, code), one of them
# held by another transaction at that moment.
CONFLICT = transaction_cancelled(["None", "TransactionConflict", "None", "None", "None", "None"])
NEW_EMAIL = "juan.nuevo@example.org"


@pytest.fixture
def stack() -> Iterator[MotoServer]:
    with moto_stack() as server:
        yield server


@pytest.fixture
def faults(stack: MotoServer) -> FaultInjector:
    injector = FaultInjector()
    for client in app_clients().values():
        injector.attach(client)
    return injector


@pytest.fixture
def backoff(monkeypatch: pytest.MonkeyPatch) -> BackoffRecorder:
    return install_backoff_recorder(monkeypatch)


@pytest.fixture
def api(stack: MotoServer, faults: FaultInjector, backoff: BackoffRecorder, clock: Any) -> Any:
    from app import app

    with Client(app, stage_name=STAGE) as client:
        yield client


def tables(stack: MotoServer) -> dict[str, list[dict[str, Any]]]:
    return table_items(stack.url)


def count(stack: MotoServer) -> dict[str, int]:
    return {name: len(items) for name, items in tables(stack).items()}


def with_code(api: Any, body: dict[str, Any]) -> dict[str, Any]:
    answer = request_code(api, body["email"])
    assert answer.status == 202, answer.body
    return {**body, "security_code": last_code(body["email"])}


def claims(stack: MotoServer) -> dict[str, str]:
    return {i["claim"]["S"]: i["owner"]["S"] for i in tables(stack)["ClaimModel"]}


def user(stack: MotoServer, user_id: str = "juan.perez1") -> dict[str, Any]:
    [item] = [i for i in tables(stack)["UserModel"] if i["user_id"]["S"] == user_id]
    return item


# --- the retry configuration itself -------------------------------------------------------------


def test_every_dynamodb_client_retries_in_botocore_standard_mode_with_a_bound(stack: MotoServer):
    clients = app_clients()
    for name, client in clients.items():
        expected = SES_ATTEMPTS if name == "ses" else DYNAMODB_ATTEMPTS
        assert client.meta.config.retries == {
            "mode": "standard",
            "total_max_attempts": expected,
        }, name


# --- DynamoDB throttling ------------------------------------------------------------------------


@pytest.mark.parametrize("code", THROTTLES)
def test_a_throttled_registration_is_retried_then_503_with_nothing_written_r_reg_13(
    api: Any, stack: MotoServer, faults: FaultInjector, backoff: BackoffRecorder, code: str
) -> None:
    body = with_code(api, registration_body(1))
    before = tables(stack)
    faults.reset_counts()
    faults.fail("dynamodb:TransactWriteItems", dynamodb_error(code))

    answer = post(api, "/v1/registration", body)

    assert answer.status == 503, answer.body
    assert answer.error["code"] == "SERVICE_UNAVAILABLE"
    assert faults.attempts["dynamodb:TransactWriteItems"] == DYNAMODB_ATTEMPTS
    # Jittered exponential backoff between the attempts: rand(0, 1) × 1 s, 2 s, 4 s.
    assert len(backoff.sleeps) == DYNAMODB_ATTEMPTS - 1
    assert all(0 <= s <= 2**i for i, s in enumerate(backoff.sleeps))
    assert tables(stack) == before, "a refused registration left something behind"

    # The same code still works once DynamoDB answers again: nothing of it was consumed.
    faults.heal()
    answer = post(api, "/v1/registration", body)
    assert answer.status == 201, answer.body
    after = count(stack)
    assert (after["UserModel"], after["ClaimModel"], after["AuditModel"]) == (1, 3, 1)


def test_a_throttle_that_clears_within_the_retries_is_not_seen_by_the_person(
    api: Any, stack: MotoServer, faults: FaultInjector
) -> None:
    body = with_code(api, registration_body(1))
    faults.reset_counts()
    faults.fail("dynamodb:TransactWriteItems", dynamodb_error(THROTTLES[0]), times=2)

    answer = post(api, "/v1/registration", body)

    assert answer.status == 201, answer.body
    assert faults.attempts["dynamodb:TransactWriteItems"] == 3
    assert count(stack)["UserModel"] == 1


@pytest.mark.parametrize(
    ("operation", "fault"),
    [
        ("dynamodb:GetItem", dynamodb_error(THROTTLES[0])),
        ("dynamodb:GetItem", dynamodb_error(THROTTLES[1])),
        ("dynamodb:GetItem", TIMEOUT),
        # The per-source-address counter: over its retries the check fails closed.
        ("dynamodb:UpdateItem", dynamodb_error(THROTTLES[0])),
    ],
)
def test_a_throttled_availability_check_answers_503_after_bounded_retries(
    api: Any, stack: MotoServer, faults: FaultInjector, operation: str, fault: Fault
) -> None:
    before = tables(stack)
    faults.fail(operation, fault)

    answer = post(api, "/v1/registration/user-id-availability", {"user_id": "juan.perez1"})

    assert answer.status == 503, answer.body
    assert answer.error["code"] == "SERVICE_UNAVAILABLE"
    assert faults.attempts[operation] == DYNAMODB_ATTEMPTS
    if operation != "dynamodb:UpdateItem":
        # Only the throttle's counter moved.
        assert {k: v for k, v in tables(stack).items() if k != "LimitModel"} == {
            k: v for k, v in before.items() if k != "LimitModel"
        }


def test_a_throttled_session_read_answers_503_and_the_session_still_works(
    api: Any, stack: MotoServer, faults: FaultInjector
) -> None:
    token = signed_in(api)
    faults.reset_counts()
    faults.fail("dynamodb:BatchGetItem", dynamodb_error(THROTTLES[0]))

    answer = call(api, "GET", "/v1/account", **bearer(token))

    assert answer.status == 503, answer.body
    assert answer.error["code"] == "SERVICE_UNAVAILABLE"
    assert answer.headers["Cache-Control"] == "no-store"
    assert faults.attempts["dynamodb:BatchGetItem"] == DYNAMODB_ATTEMPTS
    faults.heal()
    assert call(api, "GET", "/v1/account", **bearer(token)).status == 200


def test_a_code_request_whose_write_throttles_sends_no_mail_r_reg_11(
    api: Any, stack: MotoServer, faults: FaultInjector
) -> None:
    faults.fail("dynamodb:PutItem", dynamodb_error(THROTTLES[1]))

    answer = request_code(api, "juan.perez1@example.com")

    assert answer.status == 503, answer.body
    assert answer.error["code"] == "SERVICE_UNAVAILABLE"
    assert faults.attempts["dynamodb:PutItem"] == DYNAMODB_ATTEMPTS
    assert faults.attempts["ses:SendEmail"] == 0
    assert mails_to("juan.perez1@example.com") == []
    assert tables(stack)["CodeModel"] == []


# --- transaction conflicts ----------------------------------------------------------------------


def test_a_transaction_that_keeps_conflicting_is_sent_three_times_then_503(
    api: Any, stack: MotoServer, faults: FaultInjector, backoff: BackoffRecorder
) -> None:
    body = with_code(api, registration_body(1))
    before = tables(stack)
    faults.reset_counts()
    faults.fail("dynamodb:TransactWriteItems", CONFLICT)

    answer = post(api, "/v1/registration", body)

    assert answer.status == 503, answer.body
    assert answer.error["code"] == "SERVICE_UNAVAILABLE"
    assert faults.attempts["dynamodb:TransactWriteItems"] == CONFLICT_ATTEMPTS
    assert len(backoff.sleeps) == CONFLICT_ATTEMPTS - 1
    assert all(s <= 0.025 * 2**i for i, s in enumerate(backoff.sleeps))
    assert tables(stack) == before
    faults.heal()
    assert post(api, "/v1/registration", body).status == 201


def test_a_race_loser_that_meets_a_transaction_conflict_is_told_which_field_r_reg_13(
    api: Any, stack: MotoServer, faults: FaultInjector
) -> None:
    """In DynamoDB the loser of a race for one ID meets the winner's transaction in flight
    (TransactionConflict); sent again, it fails on the claim and hears USER_ID_TAKEN."""
    winner = with_code(api, registration_body(1))
    loser = with_code(
        api,
        registration_body(
            2,
            user_id="juan.perez1",
            email="otra.persona@example.com",
            email_confirmation="otra.persona@example.com",
        ),
    )
    assert post(api, "/v1/registration", winner).status == 201
    before = tables(stack)
    faults.reset_counts()
    faults.fail("dynamodb:TransactWriteItems", CONFLICT, times=1)

    answer = post(api, "/v1/registration", loser)

    assert answer.status == 409, answer.body
    assert answer.error["code"] == "USER_ID_TAKEN"
    assert faults.attempts["dynamodb:TransactWriteItems"] == 2
    assert tables(stack) == before


@pytest.mark.parametrize(
    ("parsed", "attempts", "retried"),
    [
        (
            {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": []},
            1,
            False,
        ),
        (
            {
                "Error": {"Code": "TransactionCanceledException"},
                "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}],
            },
            1,
            True,
        ),
        (
            {
                "Error": {"Code": "TransactionCanceledException"},
                "CancellationReasons": [{"Code": "TransactionConflict"}],
            },
            CONFLICT_ATTEMPTS,
            False,
        ),
        (
            # A failed condition is the final answer (e.g. the ID is taken): never resent.
            {
                "Error": {"Code": "TransactionCanceledException"},
                "CancellationReasons": [
                    {"Code": "ConditionalCheckFailed"},
                    {"Code": "TransactionConflict"},
                ],
            },
            1,
            False,
        ),
        ({"Error": {"Code": "ValidationException"}}, 1, False),
        ({}, 1, False),
    ],
)
def test_only_a_pure_transaction_conflict_is_resent_and_only_a_bounded_number_of_times(
    parsed: dict[str, Any], attempts: int, retried: bool
) -> None:
    delay = conflict_retry_delay((None, parsed), attempts)
    assert (delay is not None) is retried
    if delay is not None:
        assert 0 <= delay <= 0.025 * 2 ** (attempts - 1)
    assert conflict_retry_delay(None, 1) is None


# --- account changes under faults ---------------------------------------------------------------


def email_change_body(api: Any, token: str) -> dict[str, Any]:
    profile = call(api, "GET", "/v1/account", **bearer(token)).body
    answer = post(api, "/v1/account/security-code", {"email": NEW_EMAIL}, **bearer(token))
    assert answer.status == 202, answer.body
    return new_email_body(profile, NEW_EMAIL, last_code(NEW_EMAIL))


@pytest.mark.parametrize(
    "fault",
    [dynamodb_error(THROTTLES[0]), transaction_cancelled(["None", "TransactionConflict"])],
    ids=["throttled", "conflict"],
)
def test_an_email_change_refused_by_dynamodb_changes_nothing_r_mod_6_r_mod_7(
    api: Any, stack: MotoServer, faults: FaultInjector, fault: Fault
) -> None:
    token = signed_in(api)
    body = email_change_body(api, token)
    before = tables(stack)
    sent = len(outbox())
    faults.fail("dynamodb:TransactWriteItems", fault)

    answer = call(api, "PUT", "/v1/account", body, **bearer(token))

    assert answer.status == 503, answer.body
    assert answer.error["code"] == "SERVICE_UNAVAILABLE"
    assert tables(stack) == before, "a refused e-mail change left something behind"
    assert len(outbox()) == sent, "a notice went out for a change that did not happen"
    faults.heal()
    answer = call(api, "PUT", "/v1/account", body, **bearer(token))
    assert answer.status == 200, answer.body
    assert user(stack)["email"]["S"] == NEW_EMAIL
    held = claims(stack)
    assert held[f"EMAIL#{NEW_EMAIL}"] == "juan.perez1"
    assert "EMAIL#juan.perez1@example.com" not in held
    assert audit_events("EMAIL_CHANGED", user_id=None, endpoint_url=stack.url)


@pytest.mark.parametrize(
    "fault",
    [dynamodb_error(THROTTLES[1]), transaction_cancelled(["TransactionConflict", "None"])],
    ids=["throttled", "conflict"],
)
def test_a_deactivation_refused_by_dynamodb_changes_nothing_r_del_2(
    api: Any, stack: MotoServer, faults: FaultInjector, fault: Fault
) -> None:
    token = signed_in(api)
    before = tables(stack)
    faults.fail("dynamodb:TransactWriteItems", fault)
    deactivation = {"reason": "Ya no necesito esta cuenta.", "password": "Clave2026segura"}

    answer = post(api, "/v1/account/deactivation", deactivation, **bearer(token))

    assert answer.status == 503, answer.body
    assert answer.error["code"] == "SERVICE_UNAVAILABLE"
    assert tables(stack) == before, "a refused deactivation left something behind"
    assert call(api, "GET", "/v1/account", **bearer(token)).status == 200
    faults.heal()
    answer = post(api, "/v1/account/deactivation", deactivation, **bearer(token))
    assert answer.status == 200, answer.body
    assert user(stack)["status"]["S"] == "DEACTIVATED"
    assert set(claims(stack)) == {"USERID#juan.perez1"}


# --- SES ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "attempts"),
    [
        (ses_error("Throttling"), SES_ATTEMPTS),
        (ses_error("MessageRejected"), 1),
        (ses_error("ServiceUnavailable", status=503, kind="Receiver"), SES_ATTEMPTS),
        (TIMEOUT, SES_ATTEMPTS),
    ],
    ids=["throttling", "rejected", "unavailable", "timeout"],
)
def test_a_code_whose_mail_fails_is_not_usable_and_a_retry_works_r_reg_11(
    api: Any, stack: MotoServer, faults: FaultInjector, fault: Fault, attempts: int
) -> None:
    body = registration_body(1)
    faults.fail("ses:SendEmail", fault)

    answer = request_code(api, body["email"])

    assert answer.status == 503, answer.body
    assert answer.error["code"] == "MAIL_UNAVAILABLE"
    assert faults.attempts["ses:SendEmail"] == attempts
    assert mails_to(body["email"]) == []
    [code] = tables(stack)["CodeModel"]
    assert "code_hash" not in code, "a code no one received is still usable"
    assert code["sends"]["L"] == [], "the failed send would throttle the retry"
    refused = post(api, "/v1/registration", {**body, "security_code": "ABCDEFGH"})
    assert refused.error["code"] == "SECURITY_CODE_NOT_REQUESTED"

    faults.heal()
    retried = request_code(api, body["email"])
    assert retried.status == 202, retried.body
    body["security_code"] = last_code(body["email"])
    assert post(api, "/v1/registration", body).status == 201


def test_a_failed_welcome_mail_leaves_a_working_account_and_a_log_line_r_reg_14(
    api: Any, stack: MotoServer, faults: FaultInjector, caplog: pytest.LogCaptureFixture
) -> None:
    """Decision (README, registration.py `_send_welcome`): logged, not retried inline."""
    body = with_code(api, registration_body(1))
    faults.reset_counts()
    faults.fail("ses:SendEmail", ses_error("Throttling"))

    with caplog.at_level(logging.WARNING):
        answer = post(api, "/v1/registration", body)

    assert answer.status == 201, answer.body
    assert faults.attempts["ses:SendEmail"] == SES_ATTEMPTS
    assert count(stack)["UserModel"] == 1
    assert len(mails_to(body["email"])) == 1  # the code's mail only
    faults.heal()
    assert log_in(api).status == 201
    messages = {(r.levelname, r.getMessage()) for r in caplog.records}
    assert ("ERROR", "ses send failed") in messages
    assert ("WARNING", "welcome mail not sent") in messages
    [welcome] = [r for r in caplog.records if r.getMessage() == "welcome mail not sent"]
    assert welcome.user_id == "juan.perez1"  # type: ignore[attr-defined]  # a log `extra`


def test_a_failed_notice_after_an_email_change_keeps_the_change_r_mod_6(
    api: Any, stack: MotoServer, faults: FaultInjector, caplog: pytest.LogCaptureFixture
) -> None:
    token = signed_in(api)
    body = email_change_body(api, token)
    faults.fail("ses:SendEmail", ses_error("MessageRejected"))

    with caplog.at_level(logging.WARNING):
        answer = call(api, "PUT", "/v1/account", body, **bearer(token))

    assert answer.status == 200, answer.body
    assert user(stack)["email"]["S"] == NEW_EMAIL
    assert ("ERROR", "ses send failed") in {(r.levelname, r.getMessage()) for r in caplog.records}
