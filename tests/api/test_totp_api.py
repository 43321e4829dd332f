"""The second factor through the API (R-SEC-2, api.md "Second factor"): enrolment, confirmation,
log-in with a TOTP or recovery code, deactivation, and every refusal; time moved by the injected
clock, codes computed by pyotp."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    RECOVERED_PASSWORD,
    TOTP_CONFIRM,
    TOTP_DEACTIVATE,
    TOTP_ENROL,
    TOTP_LOG_IN,
    USER,
    FakeClock,
    assert_conforms,
    assert_error,
    audit_events,
    aws_calls,
    bearer,
    code_step,
    enable_totp,
    enrol_totp,
    get_profile,
    log_in,
    mails_to,
    new_password,
    post,
    put,
    recovery_code,
    request_recovery,
    reset,
    totp_challenge,
    totp_code,
    update_body,
    user_item,
)

WRONG = "Otra2026clave"
MAILBOX = "juan.perez1@example.com"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
RECOVERY_SHAPE = re.compile(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}")


def subjects() -> list[str]:
    return [m.subject for m in mails_to(MAILBOX)]


def wrong_code(secret: str, clock: FakeClock) -> str:
    """Six digits that are none of the window's codes."""
    window = {totp_code(secret, clock() + d) for d in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in window)


# Enrolment -------------------------------------------------------------------------------------


def test_enrolment_gives_a_secret_its_uri_and_an_svg_qr_code_r_sec_2(
    client: Any, token: str, document: dict[str, Any]
) -> None:
    answer = post(client, TOTP_ENROL, {"password": PASSWORD}, **bearer(token))
    assert answer.status == 201, answer.body
    assert_conforms(document, TOTP_ENROL, "POST", answer)
    secret = answer.body["secret"]
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert answer.body["otpauth_uri"].startswith("otpauth://totp/Ecuapass:juan.perez1?")
    assert f"secret={secret}" in answer.body["otpauth_uri"]
    assert answer.body["qr_svg"].startswith("<svg") and "<title>" in answer.body["qr_svg"]
    # Pending until confirmed: log-in and the profile do not change yet.
    assert get_profile(client, token).body["totp_enabled"] is False
    assert log_in(client).status == 201


def test_the_stored_secret_is_sealed_not_the_secret_r_sec_2(client: Any, token: str) -> None:
    secret = enrol_totp(client, token)
    stored = user_item()["totp_pending"]["S"]
    assert stored.startswith("v1.") and secret not in stored


def test_enrolment_refuses_a_wrong_password_and_counts_it_r_sec_2(client: Any, token: str) -> None:
    answer = post(client, TOTP_ENROL, {"password": WRONG}, **bearer(token))
    assert assert_error(answer, 401, "INVALID_CREDENTIALS")["attempts_left"] == 4
    assert "totp_pending" not in user_item()
    assert log_in(client, password=WRONG).error["attempts_left"] == 3


def test_enrolment_needs_the_password_and_a_session(client: Any, token: str) -> None:
    assert_error(post(client, TOTP_ENROL, {}, **bearer(token)), 400, "VALIDATION_ERROR")
    assert_error(post(client, TOTP_ENROL, {"password": PASSWORD}), 401, "UNAUTHORIZED")


def test_enrolment_is_refused_while_a_factor_is_on_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    enable_totp(client, token, clock)
    answer = post(client, TOTP_ENROL, {"password": PASSWORD}, **bearer(token))
    assert_error(answer, 409, "TOTP_ALREADY_ENABLED")


# Confirmation ----------------------------------------------------------------------------------


def test_confirmation_turns_the_factor_on_and_gives_ten_recovery_codes_once_r_sec_2(
    client: Any, token: str, clock: FakeClock, document: dict[str, Any]
) -> None:
    secret = enrol_totp(client, token)
    answer = post(client, TOTP_CONFIRM, {"code": totp_code(secret, clock())}, **bearer(token))
    assert answer.status == 200, answer.body
    assert_conforms(document, TOTP_CONFIRM, "POST", answer)
    codes = answer.body["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(RECOVERY_SHAPE.fullmatch(c) for c in codes)
    assert get_profile(client, token).body["totp_enabled"] is True
    item = user_item()
    assert "totp_pending" not in item and item["totp_secret"]["S"].startswith("v1.")
    stored = item["totp_recovery"]["SS"]
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)
    assert "Ecuapass: se activó el segundo factor de su cuenta" in subjects()
    assert len(audit_events("TOTP_ENABLED")) == 1


def test_confirmation_refuses_a_wrong_code_and_counts_it_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    secret = enrol_totp(client, token)
    answer = post(client, TOTP_CONFIRM, {"code": wrong_code(secret, clock)}, **bearer(token))
    assert assert_error(answer, 401, "TOTP_INVALID")["attempts_left"] == 4
    assert get_profile(client, token).body["totp_enabled"] is False


def test_confirmation_without_an_enrolment_is_a_conflict_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    assert_error(
        post(client, TOTP_CONFIRM, {"code": "123456"}, **bearer(token)), 409, "TOTP_NOT_PENDING"
    )
    secret, _ = enable_totp(client, token, clock)
    answer = post(client, TOTP_CONFIRM, {"code": totp_code(secret, clock())}, **bearer(token))
    assert_error(answer, 409, "TOTP_ALREADY_ENABLED")


def test_a_new_enrolment_replaces_a_pending_one_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    first = enrol_totp(client, token)
    second = enrol_totp(client, token)
    answer = post(client, TOTP_CONFIRM, {"code": totp_code(first, clock())}, **bearer(token))
    assert_error(answer, 401, "TOTP_INVALID")
    answer = post(client, TOTP_CONFIRM, {"code": totp_code(second, clock())}, **bearer(token))
    assert answer.status == 200


def test_confirmation_needs_a_code(client: Any, token: str) -> None:
    enrol_totp(client, token)
    answer = post(client, TOTP_CONFIRM, {"code": ""}, **bearer(token))
    assert set(assert_error(answer, 400, "VALIDATION_ERROR")["fields"]) == {"code"}
    answer = post(client, TOTP_CONFIRM, {"code": "1" * 40}, **bearer(token))
    assert set(assert_error(answer, 400, "VALIDATION_ERROR")["fields"]) == {"code"}


# Log-in ----------------------------------------------------------------------------------------


def test_log_in_with_a_factor_answers_totp_required_with_a_challenge_r_sec_2(
    client: Any, token: str, clock: FakeClock, document: dict[str, Any]
) -> None:
    enable_totp(client, token, clock)
    with aws_calls() as calls:
        answer = log_in(client)
    error = assert_error(answer, 401, "TOTP_REQUIRED")
    assert_conforms(document, "/v1/sessions", "POST", answer)
    assert error["expires_in_seconds"] == 300
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", error["totp_challenge"])
    # The gate's count and one write (the attempt taken back, the challenge stored).
    assert calls == ["dynamodb:UpdateItem", "dynamodb:TransactWriteItems"]


def test_log_in_without_a_factor_stays_at_two_calls(client: Any, token: str) -> None:
    with aws_calls() as calls:
        assert log_in(client).status == 201
    assert len(calls) == 2


def test_a_wrong_password_of_an_account_with_a_factor_is_a_wrong_password(
    client: Any, token: str, clock: FakeClock
) -> None:
    enable_totp(client, token, clock)
    assert assert_error(log_in(client, password=WRONG), 401, "INVALID_CREDENTIALS")


def test_the_code_step_opens_a_session_as_log_in_does_r_sec_2(
    client: Any, token: str, clock: FakeClock, document: dict[str, Any]
) -> None:
    secret, _ = enable_totp(client, token, clock)
    challenge = totp_challenge(client)
    with aws_calls() as calls:
        answer = code_step(
            client, challenge, totp_code(secret, clock()), **{"User-Agent": CHROME_ANDROID}
        )
    assert answer.status == 201, answer.body
    assert_conforms(document, TOTP_LOG_IN, "POST", answer)
    assert set(answer.body) == {"token", "expires_at", "idle_timeout_seconds"}
    # The challenge, the gate's count (which reads the account), one transaction.
    assert calls == [
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:TransactWriteItems",
    ]
    session_token = answer.body["token"]
    assert get_profile(client, session_token).status == 200
    rows = post(client, "/v1/account/sessions/end-others", None, **bearer(session_token))
    assert rows.status == 200
    listed = client.http.get("/v1/account/sessions", headers=bearer(session_token))
    assert b"Chrome en Android" in listed.body
    assert audit_events("LOGGED_IN")[-1]["detail"]["S"] == "con código TOTP"


def test_a_code_is_accepted_once_r_sec_2(client: Any, token: str, clock: FakeClock) -> None:
    secret, _ = enable_totp(client, token, clock)
    code = totp_code(secret, clock())
    assert code_step(client, totp_challenge(client), code).status == 201
    again = code_step(client, totp_challenge(client), code)
    assert assert_error(again, 401, "TOTP_INVALID")["attempts_left"] == 4


def test_the_code_of_the_step_before_or_after_is_accepted_not_further_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    secret, _ = enable_totp(client, token, clock)
    clock.advance(90)
    assert code_step(client, totp_challenge(client), totp_code(secret, clock() - 60)).status == 401
    assert code_step(client, totp_challenge(client), totp_code(secret, clock() - 30)).status == 201
    assert code_step(client, totp_challenge(client), totp_code(secret, clock() + 60)).status == 401
    assert code_step(client, totp_challenge(client), totp_code(secret, clock() + 30)).status == 201
    # The step after now was accepted: now's code is older, and refused as used.
    assert code_step(client, totp_challenge(client), totp_code(secret, clock())).status == 401


def test_a_challenge_is_good_once_r_sec_2(client: Any, token: str, clock: FakeClock) -> None:
    secret, _ = enable_totp(client, token, clock)
    challenge = totp_challenge(client)
    assert code_step(client, challenge, totp_code(secret, clock())).status == 201
    clock.advance(30)
    answer = code_step(client, challenge, totp_code(secret, clock()))
    assert_error(answer, 401, "UNAUTHORIZED")


def test_a_challenge_expires_after_five_minutes_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    secret, _ = enable_totp(client, token, clock)
    challenge = totp_challenge(client)
    clock.advance(300)
    answer = code_step(client, challenge, totp_code(secret, clock()))
    assert "Ingrese nuevamente" in assert_error(answer, 401, "UNAUTHORIZED")["message"]


def test_an_unknown_challenge_is_refused_without_counting(client: Any, token: str) -> None:
    assert_error(code_step(client, "x" * 43, "123456"), 401, "UNAUTHORIZED")
    assert_error(code_step(client, "not a challenge", "123456"), 401, "UNAUTHORIZED")
    assert log_in(client, password=WRONG).error["attempts_left"] == 4


def test_the_code_step_needs_both_fields(client: Any) -> None:
    answer = post(client, TOTP_LOG_IN, {})
    fields = assert_error(answer, 400, "VALIDATION_ERROR")["fields"]
    assert set(fields) == {"totp_challenge", "code"}


def test_wrong_codes_count_toward_the_password_lock_out_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    secret, _ = enable_totp(client, token, clock)
    assert log_in(client, password=WRONG).error["attempts_left"] == 4
    challenge = totp_challenge(client)
    bad = wrong_code(secret, clock)
    lefts = [code_step(client, challenge, bad).error.get("attempts_left") for _ in range(3)]
    assert lefts == [3, 2, 1]
    locked = code_step(client, challenge, bad)
    assert_error(locked, 423, "ACCOUNT_LOCKED")
    assert "Retry-After" in locked.headers
    # Locked for the password too, and the right code no longer helps.
    assert_error(log_in(client), 423, "ACCOUNT_LOCKED")
    assert_error(code_step(client, challenge, totp_code(secret, clock())), 423, "ACCOUNT_LOCKED")
    assert len(audit_events("ACCOUNT_LOCKED")) == 1


def test_a_recovery_code_opens_a_session_once_and_the_owner_is_told_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    _, codes = enable_totp(client, token, clock)
    # Typed in lower case, without the hyphen: still the code.
    typed = codes[0].replace("-", " ").lower()
    assert code_step(client, totp_challenge(client), typed).status == 201
    assert "Ecuapass: se ingresó con un código de recuperación" in subjects()
    assert "Le quedan 9" in mails_to(MAILBOX)[-1].body
    assert len(user_item()["totp_recovery"]["SS"]) == 9
    again = code_step(client, totp_challenge(client), codes[0])
    assert_error(again, 401, "TOTP_INVALID")
    assert code_step(client, totp_challenge(client), codes[1]).status == 201
    assert audit_events("LOGGED_IN")[-1]["detail"]["S"] == "con código de recuperación"


def test_password_recovery_keeps_the_factor_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    secret, _ = enable_totp(client, token, clock)
    assert request_recovery(client, user_id=USER).status == 202
    assert reset(client, recovery_code()).status == 200
    answer = log_in(client, password=RECOVERED_PASSWORD)
    challenge = assert_error(answer, 401, "TOTP_REQUIRED")["totp_challenge"]
    assert code_step(client, challenge, totp_code(secret, clock())).status == 201


def test_a_password_change_voids_a_pending_challenge_r_sec_2(
    client: Any, token: str, clock: FakeClock, profile: dict[str, Any]
) -> None:
    secret, _ = enable_totp(client, token, clock)
    challenge = totp_challenge(client)
    body = update_body(profile, current_password=PASSWORD, **new_password(NEW_PASSWORD))
    assert put(client, token, body).status == 200
    assert_error(code_step(client, challenge, totp_code(secret, clock())), 401, "UNAUTHORIZED")


# Deactivation ----------------------------------------------------------------------------------


def test_deactivation_with_password_and_code_turns_the_factor_off_r_sec_2(
    client: Any, token: str, clock: FakeClock, document: dict[str, Any]
) -> None:
    secret, _ = enable_totp(client, token, clock)
    body = {"password": PASSWORD, "code": totp_code(secret, clock())}
    answer = post(client, TOTP_DEACTIVATE, body, **bearer(token))
    assert answer.status == 200, answer.body
    assert_conforms(document, TOTP_DEACTIVATE, "POST", answer)
    assert answer.body == {"totp_enabled": False}
    assert get_profile(client, token).body["totp_enabled"] is False
    assert not {"totp_secret", "totp_recovery", "totp_last_step"} & set(user_item())
    assert log_in(client).status == 201
    assert "Ecuapass: se desactivó el segundo factor de su cuenta" in subjects()
    assert len(audit_events("TOTP_DISABLED")) == 1


def test_deactivation_accepts_a_recovery_code_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    _, codes = enable_totp(client, token, clock)
    answer = post(
        client, TOTP_DEACTIVATE, {"password": PASSWORD, "code": codes[3]}, **bearer(token)
    )
    assert answer.status == 200, answer.body


def test_deactivation_refuses_a_wrong_password_or_code_and_counts_both_r_sec_2(
    client: Any, token: str, clock: FakeClock
) -> None:
    secret, _ = enable_totp(client, token, clock)
    right = totp_code(secret, clock())
    answer = post(client, TOTP_DEACTIVATE, {"password": WRONG, "code": right}, **bearer(token))
    assert assert_error(answer, 401, "INVALID_CREDENTIALS")["attempts_left"] == 4
    bad = wrong_code(secret, clock)
    answer = post(client, TOTP_DEACTIVATE, {"password": PASSWORD, "code": bad}, **bearer(token))
    assert assert_error(answer, 401, "TOTP_INVALID")["attempts_left"] == 3
    assert get_profile(client, token).body["totp_enabled"] is True


def test_deactivation_without_a_factor_is_a_conflict_r_sec_2(client: Any, token: str) -> None:
    answer = post(
        client, TOTP_DEACTIVATE, {"password": PASSWORD, "code": "123456"}, **bearer(token)
    )
    assert_error(answer, 409, "TOTP_NOT_ENABLED")


def test_deactivation_needs_password_and_code(client: Any, token: str) -> None:
    answer = post(client, TOTP_DEACTIVATE, {}, **bearer(token))
    assert set(assert_error(answer, 400, "VALIDATION_ERROR")["fields"]) == {"password", "code"}
