"""Security codes of registration through the API: the request and its mail, then the code's checks
at sign-up, with the races between the check and the transaction run in process (R-REG-11,
R-HARD-1, api.md "Registration")."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain import (
    errors,
    forms,
    registration,
    security_codes,
)
from chalicelib.domain.records import CodeRecord, Origin
from chalicelib.store.models import AuditModel, ClaimModel, CodeModel, UserModel
from chalicelib.wiring import services
from tests.helpers import (
    CODE_SUBJECT,
    FakeClock,
    assert_error,
    counts,
    last_code,
    mails_to,
    post,
    register,
    registration_body,
    request_code,
    unverify_sender,
    with_code,
    wrong_code,
)

# Security codes (R-REG-11) ---------------------------------------------------------------------


def test_code_request_answers_202_with_lifetime_and_resend_wait(client: Any) -> None:
    answer = request_code(client, "ana@example.com")
    assert answer.status == 202
    assert answer.body == {"expires_in_seconds": 900, "resend_after_seconds": 60}


def test_code_mail_has_the_subject_an_8_character_code_and_15_minutes(client: Any) -> None:
    request_code(client, "Ana@Example.com")
    [mail] = mails_to("Ana@example.com")
    assert mail.subject == CODE_SUBJECT
    code = last_code("Ana@example.com")
    assert re.fullmatch(r"[2-9A-HJ-KMNP-Z]{8}", code)
    assert "15 minutos" in mail.body
    assert mail.source == get_settings().mail_sender


@pytest.mark.parametrize(("ttl", "said"), [(60, "expira en 1 minuto "), (5400, "90 minutos")])
def test_code_mails_say_the_configured_lifetime_in_singular_or_plural(
    client: Any, monkeypatch: pytest.MonkeyPatch, ttl: int, said: str
) -> None:
    """SECURITY_CODE_TTL_SECONDS=60 says "1 minuto", never "1 minutos" (registration and
    recovery mails alike)."""
    settings = dataclasses.replace(services().settings, security_code_ttl_seconds=ttl)
    monkeypatch.setattr(services(), "settings", settings)
    assert request_code(client, "ana@example.com").body["expires_in_seconds"] == ttl
    assert said in mails_to("ana@example.com")[-1].body
    assert register(client, 1).status == 201
    assert post(client, "/v1/password-recovery/security-code", {"user_id": "juan.perez1"}).status
    [recovery] = [m for m in mails_to("juan.perez1@example.com") if "RECUPERACI" in m.subject]
    assert said in recovery.body


def test_code_request_refuses_an_address_of_another_account(client: Any) -> None:
    assert register(client, 1).status == 201
    answer = request_code(client, "JUAN.PEREZ1@example.com")
    assert_error(answer, 409, "EMAIL_TAKEN")


def test_code_request_refuses_an_invalid_address(client: Any) -> None:
    answer = request_code(client, "no es un correo")
    assert set(assert_error(answer, 400, "VALIDATION_ERROR")["fields"]) == {"email"}


def test_second_code_request_within_a_minute_is_throttled(client: Any, clock: FakeClock) -> None:
    assert request_code(client, "ana@example.com").status == 202
    clock.advance(15)
    answer = request_code(client, "ANA@example.com")
    assert_error(answer, 429, "TOO_MANY_REQUESTS")
    assert answer.headers["Retry-After"] == "45"
    assert len(mails_to("ana@example.com")) == 1
    clock.advance(45)
    assert request_code(client, "ana@example.com").status == 202


def test_sixth_code_request_within_an_hour_is_throttled(client: Any, clock: FakeClock) -> None:
    for _ in range(5):
        assert request_code(client, "ana@example.com").status == 202
        clock.advance(60)
    answer = request_code(client, "ana@example.com")
    assert_error(answer, 429, "TOO_MANY_REQUESTS")
    assert answer.headers["Retry-After"] == str(3600 - 300)
    assert len(mails_to("ana@example.com")) == 5


def verify_sender() -> None:
    boto3.client("ses", region_name="us-east-1").verify_email_identity(
        EmailAddress=get_settings().mail_sender
    )


def test_refused_mail_is_503_and_leaves_no_usable_code(client: Any) -> None:
    body = registration_body(1)
    unverify_sender()
    answer = request_code(client, body["email"])
    assert_error(answer, 503, "MAIL_UNAVAILABLE")
    assert mails_to(body["email"]) == []
    assert [item.code_hash for item in CodeModel.scan()] == [None]
    for code in ("ABCDEFGH", "23456789"):
        answer = post(client, "/v1/registration", {**body, "security_code": code})
        assert_error(answer, 400, "SECURITY_CODE_NOT_REQUESTED")
    assert counts() == {"users": 0, "claims": 0, "audit": 0}


def test_after_a_refused_mail_an_immediate_retry_works(client: Any) -> None:
    body = registration_body(1)
    unverify_sender()
    assert request_code(client, body["email"]).status == 503
    verify_sender()
    assert request_code(client, body["email"]).status == 202
    body["security_code"] = last_code(body["email"])
    assert post(client, "/v1/registration", body).status == 201


def test_code_is_stored_only_as_a_keyed_hash(client: Any) -> None:
    request_code(client, "ana@example.com")
    code = last_code("ana@example.com")
    items = [item.serialize() for item in CodeModel.scan()]
    assert len(items) == 1
    dump = json.dumps(items)
    assert code not in dump and code.lower() not in dump
    assert re.fullmatch(r"[0-9a-f]{64}", items[0]["code_hash"]["S"])
    # The TTL attribute DynamoDB purges by, and the expiry the code checks itself.
    assert int(items[0]["expires_at"]["N"]) == int(services().clock()) + 900
    assert "purge_at" in items[0]


def test_no_table_holds_the_code_or_the_password_after_registering(client: Any) -> None:
    body = with_code(client, 1)
    assert post(client, "/v1/registration", body).status == 201
    dump = json.dumps(
        [
            item.serialize()
            for model in (UserModel, ClaimModel, CodeModel, AuditModel)
            for item in model.scan()
        ]
    ).lower()
    assert body["security_code"].lower() not in dump
    assert body["password"].lower() not in dump
    [code] = list(CodeModel.scan())
    # PynamoDB types a nullable attribute as never None: compared one by one.
    assert code.used is True
    assert code.code_hash is None


# The code at sign-up (R-REG-11, R-HARD-1) --------------------------------------------------------


def test_register_refuses_when_no_code_was_requested(client: Any) -> None:
    answer = post(client, "/v1/registration", registration_body(1, security_code="ABCDEFGH"))
    assert_error(answer, 400, "SECURITY_CODE_NOT_REQUESTED")
    assert counts() == {"users": 0, "claims": 0, "audit": 0}


def test_register_refuses_an_empty_code(client: Any) -> None:
    body = with_code(client, 1)
    for empty in ("", None, "   "):
        answer = post(client, "/v1/registration", {**body, "security_code": empty})
        assert_error(answer, 400, "SECURITY_CODE_REQUIRED")


def test_register_refuses_a_wrong_code_and_accepts_the_right_one_in_any_case(
    client: Any,
) -> None:
    body = with_code(client, 1)
    right = body["security_code"]
    answer = post(client, "/v1/registration", {**body, "security_code": wrong_code(right)})
    assert_error(answer, 400, "SECURITY_CODE_INVALID")
    assert counts() == {"users": 0, "claims": 0, "audit": 0}
    lower = f" {right[:4].lower()}-{right[4:].lower()} "
    assert post(client, "/v1/registration", {**body, "security_code": lower}).status == 201


def test_register_refuses_an_expired_code(client: Any, clock: FakeClock) -> None:
    body = with_code(client, 1)
    clock.advance(901)
    assert_error(post(client, "/v1/registration", body), 400, "SECURITY_CODE_EXPIRED")
    assert counts() == {"users": 0, "claims": 0, "audit": 0}


def test_register_accepts_a_code_just_inside_its_lifetime(client: Any, clock: FakeClock) -> None:
    body = with_code(client, 1)
    clock.advance(899)
    assert post(client, "/v1/registration", body).status == 201


def test_a_wrong_code_says_how_many_tries_are_left_r_ux_2(client: Any) -> None:
    body = with_code(client, 1)
    wrong = {**body, "security_code": wrong_code(body["security_code"])}
    left = [
        assert_error(post(client, "/v1/registration", wrong), 400, "SECURITY_CODE_INVALID")[
            "attempts_left"
        ]
        for _ in range(4)
    ]
    assert left == [4, 3, 2, 1]
    assert "attempts_left" not in assert_error(
        post(client, "/v1/registration", wrong), 400, "SECURITY_CODE_LOCKED"
    )


def test_register_locks_the_code_after_5_wrong_tries(client: Any, clock: FakeClock) -> None:
    body = with_code(client, 1)
    wrong = {**body, "security_code": wrong_code(body["security_code"])}
    for _ in range(4):
        assert_error(post(client, "/v1/registration", wrong), 400, "SECURITY_CODE_INVALID")
    assert_error(post(client, "/v1/registration", wrong), 400, "SECURITY_CODE_LOCKED")
    assert_error(post(client, "/v1/registration", body), 400, "SECURITY_CODE_LOCKED")
    assert counts() == {"users": 0, "claims": 0, "audit": 0}
    # A new code works again.
    clock.advance(60)
    assert request_code(client, body["email"]).status == 202
    body["security_code"] = last_code(body["email"])
    assert post(client, "/v1/registration", body).status == 201


def test_register_refuses_a_used_code(client: Any) -> None:
    body = with_code(client, 1)
    assert post(client, "/v1/registration", body).status == 201
    again = {**registration_body(2), "email": body["email"], "email_confirmation": body["email"]}
    again["security_code"] = body["security_code"]
    assert_error(post(client, "/v1/registration", again), 400, "SECURITY_CODE_INVALID")
    assert counts() == {"users": 1, "claims": 3, "audit": 1}


def test_register_refuses_a_replaced_code(client: Any, clock: FakeClock) -> None:
    body = with_code(client, 1)
    first = body["security_code"]
    clock.advance(60)
    request_code(client, body["email"])
    second = last_code(body["email"])
    if first != second:
        answer = post(client, "/v1/registration", {**body, "security_code": first})
        assert_error(answer, 400, "SECURITY_CODE_INVALID")
    assert post(client, "/v1/registration", {**body, "security_code": second}).status == 201


class CodesChangedAfterRead:
    """The code store as a registration sees it when another request changes the code just
    after this one read it (between its check and its transaction)."""

    def __init__(self, inner: Any, change: Callable[[Any, Any], None]) -> None:
        self.inner = inner
        self.change = change

    def get(self, email_key: str, purpose: str) -> CodeRecord | None:
        return self.inner.get(email_key, purpose)

    def get_with_owner(
        self, email_key: str, purpose: str, claim: str
    ) -> tuple[CodeRecord | None, str | None]:
        return self.inner.get_with_owner(email_key, purpose, claim)

    def get_for_request(self, *args: Any) -> Any:
        return self.inner.get_for_request(*args)

    def count_try(self, *args: Any) -> Any:
        tried = self.inner.count_try(*args)
        self.change(self.inner, tried.record)
        return tried

    def put(self, record: Any) -> Any:
        return self.inner.put(record)

    def refund(self, record: Any, *, holder: bool) -> None:
        self.inner.refund(record, holder=holder)


def register_racing(body: dict[str, Any], change: Callable[[Any, Any], None]) -> None:
    deps = services().registration()
    store = CodesChangedAfterRead(deps.codes.store, change)
    raced = dataclasses.replace(deps, codes=dataclasses.replace(deps.codes, store=store))
    registration.register(raced, forms.read_registration(body), Origin("127.0.0.1"))


def test_wrong_tries_counted_after_the_right_code_do_not_undo_it_r_hard_1(client: Any) -> None:
    """R-HARD-1: the right code was counted within the limit before the wrong tries that land
    between its check and its transaction, so it registers; those tries are still counted."""
    body = with_code(client, 1)
    source = services().registration().codes.key

    def wrong_tries(codes: Any, record: Any) -> None:
        requester = security_codes.requester_of(source, Origin("127.0.0.1"))
        for _ in range(5):
            codes.count_try(record.email_key, record.sent_to, record.purpose, requester, 0, 5)

    register_racing(body, wrong_tries)
    assert counts() == {"users": 1, "claims": 3, "audit": 1}


def test_code_replaced_between_check_and_transaction_is_invalid_not_503(client: Any) -> None:
    body = with_code(client, 1)

    def replaced(codes: Any, record: Any) -> None:
        codes.put(dataclasses.replace(record, code_hash="0" * 64))

    with pytest.raises(errors.SecurityCodeInvalid):
        register_racing(body, replaced)
    assert counts() == {"users": 0, "claims": 0, "audit": 0}
