"""«¿Olvidó su contraseña?» through the API (issue 8): the code to the personal address under
R-REG-11's rules, answers that do not tell whether an account exists, the new password under
R-REG-4, every session ended and the lock-out cleared; and the security notices."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.clock import ecuador_time
from tests.helpers import (
    DOCUMENT,
    PASSWORD,
    account_post,
    assert_conforms,
    audit_events,
    aws_calls,
    claim_owner,
    get_profile,
    last_code,
    log_in,
    mails_to,
    post,
    put,
    recovery_code,
    recovery_mails,
    register,
    registration_body,
    request_recovery,
    reset,
    signed_in,
    update_body,
    user_item,
)

CODE_PATH = "/v1/password-recovery/security-code"
RESET_PATH = "/v1/password-recovery"
NEW_PASSWORD = "Recuperada2026ok"
WRONG = "Otra2026clave"
USER = "juan.perez1"
EMAIL = "juan.perez1@example.com"
SOURCE_IP = "127.0.0.1"
RECOVERY_SUBJECT = "RECUPERACIÓN DE CONTRASEÑA"


@pytest.fixture
def account(client: Any) -> str:
    assert register(client).status == 201
    return USER


# The code request -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier", [{"user_id": "Juan.Perez1"}, {"email": "JUAN.PEREZ1@Example.com"}]
)
def test_recovery_code_goes_to_the_personal_address_by_id_or_e_mail(
    client: Any, account: str, identifier: dict[str, str]
) -> None:
    answer = request_recovery(client, **identifier)
    assert answer.status == 202, answer.body
    assert answer.body == {"expires_in_seconds": 900, "resend_after_seconds": 60}
    assert answer.headers["Cache-Control"] == "no-store"
    (mail,) = recovery_mails()
    code = recovery_code()
    # The ID is in the mail (a person who asked by e-mail may have forgotten it), the code alone
    # on its line, with when and from where the request came.
    text = re.sub(r"<[^>]+>", "\n", mail.body)
    assert USER in text and code in text
    assert "15 minutos" in text and SOURCE_IP in text and "hora de Ecuador" in text
    (event,) = audit_events("PASSWORD_RECOVERY_REQUESTED")
    assert event["source_ip"]["S"] == SOURCE_IP


def test_a_code_already_mailed_is_not_answered_503_when_its_audit_item_fails(
    client: Any, account: str, monkeypatch: Any
) -> None:
    from chalicelib.domain import errors
    from chalicelib.store.recovery import DynamoRecoveryStore

    def unavailable(self: Any, event: Any) -> None:
        raise errors.ServiceUnavailable()

    monkeypatch.setattr(DynamoRecoveryStore, "record", unavailable)
    assert request_recovery(client, user_id=USER).status == 202
    assert reset(client, recovery_code()).status == 200


def test_unknown_identifiers_get_the_same_answer_and_the_same_reads_as_an_account(
    client: Any, account: str, clock: Any
) -> None:
    """Enumeration: same status, body and headers; the same DynamoDB reads and code write. Only
    the mail (and its audit item) is missing for an identifier with no account."""
    for known, unknown in (
        ({"user_id": USER}, {"user_id": "nadie.registrado"}),
        ({"email": EMAIL}, {"email": "nadie@example.com"}),
    ):
        with aws_calls() as known_calls:
            first = request_recovery(client, **known)
        with aws_calls() as unknown_calls:
            second = request_recovery(client, **unknown)
        assert (
            (first.status, first.body)
            == (second.status, second.body)
            == (
                202,
                {"expires_in_seconds": 900, "resend_after_seconds": 60},
            )
        )
        assert first.headers == second.headers
        assert known_calls[: len(unknown_calls)] == unknown_calls
        assert known_calls[len(unknown_calls) :] == ["ses:SendEmail", "dynamodb:PutItem"]
        clock.advance(61)
    assert mails_to("nadie@example.com") == []


def test_the_throttle_answers_alike_whether_or_not_the_account_exists_r_reg_11(
    client: Any, account: str, clock: Any
) -> None:
    for identifier in ({"user_id": USER}, {"user_id": "nadie.registrado"}, {"email": "x@y.ec"}):
        assert request_recovery(client, **identifier).status == 202
    clock.advance(30)
    answers = [
        request_recovery(client, **identifier)
        for identifier in ({"user_id": USER}, {"user_id": "nadie.registrado"}, {"email": "x@y.ec"})
    ]
    for answer in answers:
        assert answer.status == 429
        assert answer.body == answers[0].body
        assert answer.headers["Retry-After"] == "30"
    assert len(recovery_mails()) == 1


def test_five_codes_an_hour_per_address_whether_asked_by_id_or_by_e_mail_r_reg_11(
    client: Any, account: str, clock: Any
) -> None:
    for n in range(5):
        identifier = {"user_id": USER} if n % 2 else {"email": EMAIL}
        assert request_recovery(client, **identifier).status == 202
        clock.advance(61)
    sixth = request_recovery(client, user_id=USER)
    assert sixth.status == 429
    assert "hora" in sixth.error["message"]
    assert len(recovery_mails()) == 5
    clock.advance(3600)
    assert request_recovery(client, email=EMAIL).status == 202


def test_a_new_request_replaces_the_previous_code_r_reg_11(
    client: Any, account: str, clock: Any
) -> None:
    assert request_recovery(client, user_id=USER).status == 202
    first = recovery_code()
    clock.advance(61)
    assert request_recovery(client, email=EMAIL).status == 202
    second = recovery_code()
    if first != second:
        assert reset(client, first).error["code"] == "SECURITY_CODE_INVALID"
    assert reset(client, second).status == 200


def test_a_recovery_code_of_a_tagged_address_cannot_reset_the_plain_ones_account_r_hard_3(
    client: Any, account: str, clock: Any
) -> None:
    """`juan.perez1+x@` and `juan.perez1@` share a mailbox's code item and budget, but the code
    of the one proves nothing about the other's account."""
    tagged = "juan.perez1+x@example.com"
    clock.advance(60)
    assert register(client, 2, email=tagged, email_confirmation=tagged).status == 201
    clock.advance(60)
    assert request_recovery(client, email=tagged).status == 202
    code = recovery_code(tagged)
    for identifier in ({"user_id": USER}, {"email": EMAIL}):
        answer = reset(client, code, **identifier)
        assert answer.error["code"] == "SECURITY_CODE_NOT_REQUESTED", answer.body
    assert log_in(client, USER).status == 201
    assert reset(client, code, user_id="juan.perez2").status == 200
    assert log_in(client, "juan.perez2", NEW_PASSWORD).status == 201


def test_recovery_requests_for_tagged_addresses_share_the_mailbox_budget_r_hard_3(
    client: Any, account: str
) -> None:
    assert request_recovery(client, email=EMAIL).status == 202
    assert request_recovery(client, user_id=USER).status == 429
    assert len(recovery_mails()) == 1


def test_a_tagged_address_with_no_account_cannot_kill_the_accounts_pending_code_r_hard_4(
    client: Any, account: str
) -> None:
    """No account has `juan.perez1+a@`: its request mails nobody and leaves the code that
    `juan.perez1@`'s owner is about to type untouched."""
    assert request_recovery(client, email=EMAIL).status == 202
    code = last_code(EMAIL)
    assert request_recovery(client, email="juan.perez1+a@example.com").status == 202
    assert len(recovery_mails()) == 1
    body = {
        "email": EMAIL,
        "security_code": code,
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }
    assert post(client, RESET_PATH, body).status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "user_id"),
        ({"user_id": None, "email": ""}, "user_id"),
        ({"user_id": USER, "email": EMAIL}, "email"),
        ({"user_id": "x"}, "user_id"),
        ({"user_id": "a" * 5000}, "user_id"),
        ({"email": "no-es-un-correo"}, "email"),
        ({"user_id": 12345}, "user_id"),
    ],
)
def test_a_missing_or_malformed_identifier_is_a_field_error(
    client: Any, body: dict[str, Any], field: str
) -> None:
    answer = post(client, CODE_PATH, body)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert set(answer.error["fields"]) == {field}


def test_a_body_that_is_not_a_json_object_is_refused(client: Any) -> None:
    for path in (CODE_PATH, RESET_PATH):
        for body in ("not json", "[1, 2]"):
            answer = post(client, path, body)
            assert answer.status == 400
            assert answer.error["code"] == "VALIDATION_ERROR"


# The new password -------------------------------------------------------------------------------


def test_recovery_sets_the_password_ends_every_session_and_clears_the_lock_out(
    client: Any, clock: Any
) -> None:
    token = signed_in(client)
    other = log_in(client).body["token"]
    for _ in range(5):
        log_in(client, password=WRONG)
    assert log_in(client).status == 423
    before = user_item()

    assert request_recovery(client, user_id=USER).status == 202
    answer = reset(client, recovery_code())
    assert answer.status == 200, answer.body
    assert answer.body == {"status": "PASSWORD_RESET"}

    after = user_item()
    assert after["password_hash"]["S"].startswith("$argon2id$")
    assert after["password_hash"]["S"] != before["password_hash"]["S"]
    assert int(after["session_epoch"]["N"]) == int(before["session_epoch"]["N"]) + 1
    assert after["failed_logins"]["L"] == [] and after["locked_until"]["N"] == "0"
    assert after["must_recover_password"]["BOOL"] is False
    assert int(after["version"]["N"]) == int(before["version"]["N"]) + 1
    for old in (token, other):
        assert get_profile(client, old).status == 401
    # The lock is gone at once, the old password no longer works, the new one does.
    assert log_in(client, password=PASSWORD).error["code"] == "INVALID_CREDENTIALS"
    assert log_in(client, password=NEW_PASSWORD).status == 201

    (event,) = audit_events("PASSWORD_RECOVERED")
    assert event["fields"]["SS"] == ["password"]
    (notice,) = [
        m for m in mails_to(EMAIL) if m.subject == "Ecuapass: su contraseña fue restablecida"
    ]
    assert NEW_PASSWORD not in notice.body and SOURCE_IP in notice.body


def test_a_recovery_code_is_single_use(client: Any, account: str) -> None:
    assert request_recovery(client, user_id=USER).status == 202
    code = recovery_code()
    assert reset(client, code).status == 200
    again = reset(client, code, password="Segunda2026clave")
    assert again.status == 400
    assert again.error["code"] == "SECURITY_CODE_INVALID"
    assert log_in(client, password=NEW_PASSWORD).status == 201


def test_a_wrong_code_is_refused_and_five_wrong_tries_kill_it_r_reg_11(
    client: Any, account: str
) -> None:
    assert request_recovery(client, user_id=USER).status == 202
    code = recovery_code()
    wrong = "22222222" if code != "22222222" else "33333333"
    before = user_item()
    first = reset(client, wrong)
    assert first.status == 400
    assert first.error["code"] == "SECURITY_CODE_INVALID"
    assert "RECUPERACIÓN DE CONTRASEÑA" in first.error["message"]
    for _ in range(3):
        assert reset(client, wrong).error["code"] == "SECURITY_CODE_INVALID"
    assert reset(client, wrong).error["code"] == "SECURITY_CODE_LOCKED"
    assert reset(client, code).error["code"] == "SECURITY_CODE_LOCKED"
    assert user_item() == before


def test_an_expired_code_is_refused_r_reg_11(client: Any, account: str, clock: Any) -> None:
    assert request_recovery(client, user_id=USER).status == 202
    code = recovery_code()
    clock.advance(900)
    answer = reset(client, code)
    assert answer.status == 400
    assert answer.error["code"] == "SECURITY_CODE_EXPIRED"
    assert log_in(client).status == 201


@pytest.mark.parametrize(
    ("code", "expected"), [("", "SECURITY_CODE_REQUIRED"), ("ABCDEFGH", "SECURITY_CODE_INVALID")]
)
def test_an_empty_or_wrong_code_is_refused_as_in_registration_r_reg_11(
    client: Any, account: str, code: str, expected: str
) -> None:
    assert reset(client, "ABCDEFGH").error["code"] == "SECURITY_CODE_NOT_REQUESTED"
    assert request_recovery(client, user_id=USER).status == 202
    assert reset(client, code).error["code"] == expected


def test_an_unknown_account_answers_like_a_wrong_or_never_requested_code(
    client: Any, account: str, clock: Any
) -> None:
    """The second call tells no more than the first: an identifier with no account meets the
    same code errors as an account whose owner typed the wrong code."""
    pairs = (
        ({"user_id": USER}, {"user_id": "nadie.registrado"}),
        ({"email": EMAIL}, {"email": "nadie@example.com"}),
    )
    for known, unknown in pairs:
        never = (reset(client, "ABCDEFGH", **known), reset(client, "ABCDEFGH", **unknown))
        assert (never[0].status, never[0].body) == (never[1].status, never[1].body)
        assert never[0].error["code"] == "SECURITY_CODE_NOT_REQUESTED"
    for known, unknown in pairs:
        assert request_recovery(client, **known).status == 202
        assert request_recovery(client, **unknown).status == 202
        wrong = (reset(client, "ABCDEFGH", **known), reset(client, "ABCDEFGH", **unknown))
        assert (wrong[0].status, wrong[0].body) == (wrong[1].status, wrong[1].body)
        assert wrong[0].error["code"] == "SECURITY_CODE_INVALID"
        clock.advance(3600)


def test_a_deactivated_account_cannot_be_recovered_and_is_not_told_apart(
    client: Any, clock: Any
) -> None:
    token = signed_in(client)
    reason = {"reason": "Ya no necesito esta cuenta.", "password": PASSWORD}
    assert account_post(client, token, "deactivation", reason).status == 200
    mails_before = len(mails_to(EMAIL))

    by_id = request_recovery(client, user_id=USER)
    by_email = request_recovery(client, email=EMAIL)
    nobody = request_recovery(client, user_id="nadie.registrado")
    for answer in (by_id, by_email):
        assert (answer.status, answer.body) == (nobody.status, nobody.body)
    assert len(mails_to(EMAIL)) == mails_before  # nothing mailed
    for identifier in ({"user_id": USER}, {"email": EMAIL}):
        answer = reset(client, "ABCDEFGH", **identifier)
        assert answer.status == 400
        assert answer.error["code"] == "SECURITY_CODE_INVALID"
    assert user_item()["status"]["S"] == "DEACTIVATED"
    assert log_in(client).error["code"] == "ACCOUNT_DEACTIVATED"


def test_deactivation_between_the_code_and_the_reset_refuses_the_reset(
    client: Any, clock: Any
) -> None:
    token = signed_in(client)
    assert request_recovery(client, user_id=USER).status == 202
    code = recovery_code()
    reason = {"reason": "Ya no necesito esta cuenta.", "password": PASSWORD}
    assert account_post(client, token, "deactivation", reason).status == 200
    for identifier in ({"user_id": USER}, {"email": EMAIL}):
        answer = reset(client, code, **identifier)
        assert answer.status == 400, answer.body
    assert user_item()["status"]["S"] == "DEACTIVATED"


@pytest.mark.parametrize(
    ("password", "confirmation", "field"),
    [
        ("corta1", "corta1", "new_password"),
        ("SoloLetrasAqui", "SoloLetrasAqui", "new_password"),
        ("juan.perez1", "juan.perez1", "new_password"),
        ("password123", "password123", "new_password"),
        (NEW_PASSWORD, "Distinta2026x", "new_password_confirmation"),
        ("", "", "new_password"),
    ],
)
def test_the_new_password_follows_r_reg_4_before_the_code_is_looked_at(
    client: Any, account: str, password: str, confirmation: str, field: str
) -> None:
    assert request_recovery(client, user_id=USER).status == 202
    body = {
        "user_id": USER,
        "security_code": recovery_code(),
        "new_password": password,
        "new_password_confirmation": confirmation,
    }
    answer = post(client, RESET_PATH, body)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert field in answer.error["fields"]
    assert user_item()["password_hash"]["S"]
    # The code was not spent on a refused form.
    assert reset(client, body["security_code"]).status == 200


@pytest.mark.parametrize("password", ["ab1234567", PASSWORD])
def test_the_new_password_is_not_the_document_number_nor_the_current_one(
    client: Any, password: str
) -> None:
    """Rules that need the account come after the code: the document number (R-REG-4; a
    passport has letters and digits), and the current password (after an undone e-mail change,
    someone else knows it)."""
    passport = {"document_type": "PASAPORTE", "document_number": "AB1234567"}
    assert register(client, 1, **passport).status == 201
    assert request_recovery(client, email=EMAIL).status == 202
    code = recovery_code()
    answer = reset(client, code, password=password, email=EMAIL)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert set(answer.error["fields"]) == {"new_password"}
    assert reset(client, code, email=EMAIL).status == 200


def test_a_recovery_code_is_good_for_nothing_else(client: Any, account: str) -> None:
    """Its own purpose: it neither registers nor changes an e-mail (R-REG-11, R-MOD-6)."""
    assert request_recovery(client, user_id=USER).status == 202
    code = recovery_code()
    body = registration_body(2, email=EMAIL, email_confirmation=EMAIL, security_code=code)
    assert post(client, "/v1/registration", body).status in {400, 409}
    assert claim_owner(f"EMAIL#{EMAIL}") == USER


# Security notices (issue 8) ---------------------------------------------------------------------


def ecuador(epoch: float) -> str:
    return (datetime.fromtimestamp(epoch, UTC) - timedelta(hours=5)).strftime("%d/%m/%Y %H:%M")


def test_notices_say_when_in_ecuador_time_from_where_and_what_to_do() -> None:
    """Mainland Ecuador (America/Guayaquil) is UTC-5 all year."""
    assert ecuador_time(1_790_000_000) == "21/09/2026 09:13 (hora de Ecuador)"
    # January too: no daylight saving time.
    assert ecuador_time(1_767_225_600) == "31/12/2025 19:00 (hora de Ecuador)"
    assert ecuador(1_790_000_000) == "21/09/2026 09:13"


def test_a_lock_out_mails_the_owner_once_with_when_where_and_what_to_do(
    client: Any, account: str, clock: Any
) -> None:
    for _ in range(5):
        assert log_in(client, password=WRONG).status in {401, 423}
    assert log_in(client, password=WRONG).status == 423
    (notice,) = [m for m in mails_to(EMAIL) if "bloqueada" in m.subject]
    assert ecuador(clock()) in notice.body and SOURCE_IP in notice.body
    assert "15 minutos" in notice.body and "recuperar.html?id=juan.perez1" in notice.body
    assert WRONG not in notice.body


def test_an_unknown_id_locks_without_any_mail(client: Any, account: str) -> None:
    sent = len(mails_to(EMAIL))
    for _ in range(6):
        log_in(client, user_id="nadie.registrado", password=WRONG)
    assert len(mails_to(EMAIL)) == sent


def test_a_lock_notice_that_cannot_be_sent_does_not_change_the_answer(
    client: Any, account: str, monkeypatch: Any
) -> None:
    from chalicelib.domain import errors
    from chalicelib.mail.ses import SesMailer

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise errors.MailUnavailable()

    monkeypatch.setattr(SesMailer, "send", refuse)
    answers = [log_in(client, password=WRONG) for _ in range(5)]
    assert answers[-1].status == 423
    assert answers[-1].error["code"] == "ACCOUNT_LOCKED"


def test_a_password_change_notice_points_to_the_recovery(client: Any, clock: Any) -> None:
    token = signed_in(client)
    profile = get_profile(client, token).body
    body = update_body(
        profile,
        current_password=PASSWORD,
        new_password="Cambiada2026ok",
        new_password_confirmation="Cambiada2026ok",
    )
    assert put(client, token, body).status == 200
    (notice,) = [m for m in mails_to(EMAIL) if m.subject == "Ecuapass: su contraseña fue cambiada"]
    assert ecuador(clock()) in notice.body and SOURCE_IP in notice.body
    assert 'href="https://registro-dev.ecuapass.aduana.gob.ec/recuperar.html?id=juan.perez1"' in (
        notice.body
    )


def test_a_deactivation_notice_says_when_and_from_where(client: Any, clock: Any) -> None:
    token = signed_in(client)
    reason = {"reason": "Ya no necesito esta cuenta.", "password": PASSWORD}
    assert account_post(client, token, "deactivation", reason).status == 200
    (notice,) = [m for m in mails_to(EMAIL) if "baja" in m.subject]
    assert ecuador(clock()) in notice.body and SOURCE_IP in notice.body
    assert "comuníquese" in notice.body


# The document -----------------------------------------------------------------------------------


def test_recovery_answers_conform_to_the_document(client: Any, account: str, clock: Any) -> None:
    import json

    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    assert_conforms(document, CODE_PATH, "POST", request_recovery(client, user_id=USER))
    assert_conforms(document, CODE_PATH, "POST", request_recovery(client, user_id=USER))
    assert_conforms(document, CODE_PATH, "POST", post(client, CODE_PATH, {}))
    for answer in (
        post(client, RESET_PATH, "not json"),
        reset(client, "ABCDEFGH"),
        reset(client, recovery_code()),
    ):
        assert_conforms(document, RESET_PATH, "POST", answer)
