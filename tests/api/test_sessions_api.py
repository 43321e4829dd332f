"""Log-in, sessions and log-out through the API (R-AUTH-1 … R-AUTH-4, api.md "Sessions")."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.domain.sessions import token_hash
from chalicelib.wiring import services
from tests.helpers import (
    PASSWORD,
    audit_events,
    aws_calls,
    bearer,
    call,
    dynamodb,
    log_in,
    post,
    register,
    signed_in,
    user_item,
)

WRONG = "Otra2026clave"
SECRET_PART = re.compile(r"[A-Za-z0-9_-]{43}")


def all_items(table: str) -> list[dict[str, Any]]:
    return dynamodb().scan(TableName=table)["Items"]


def profile(client: Any, token: str) -> Any:
    return call(client, "GET", "/v1/account", **bearer(token))


# Log-in (R-AUTH-1) ----------------------------------------------------------------------------


def test_log_in_returns_a_token_and_its_absolute_expiry_r_auth_1(client: Any, clock: Any) -> None:
    assert register(client).status == 201
    answer = log_in(client)
    assert answer.status == 201
    assert answer.headers["Cache-Control"] == "no-store"
    user_id, _, secret = answer.body["token"].rpartition(".")
    assert user_id == "juan.perez1"
    assert SECRET_PART.fullmatch(secret)  # 32 random bytes, URL-safe
    expires = datetime.strptime(answer.body["expires_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert expires.replace(tzinfo=UTC).timestamp() == int(clock()) + 8 * 3600
    assert answer.body["idle_timeout_seconds"] == 30 * 60
    assert profile(client, answer.body["token"]).status == 200


def test_only_the_tokens_keyed_hash_is_stored_with_a_ttl_r_auth_1(client: Any, clock: Any) -> None:
    token = signed_in(client)
    (item,) = all_items(get_settings().sessions_table)
    assert item["token_hash"]["S"] == token_hash(services().hash_key, token)
    assert token not in repr(item)
    assert token.rpartition(".")[2] not in repr(item)
    assert int(item["expires_at"]["N"]) == int(clock()) + 30 * 60
    assert item["user_id"]["S"] == "juan.perez1"


def test_log_in_accepts_the_id_in_any_letter_case_r_reg_1(client: Any) -> None:
    assert register(client).status == 201
    assert log_in(client, " Juan.PEREZ1 ").status == 201


def test_log_in_without_id_or_password_names_the_fields(client: Any) -> None:
    answer = post(client, "/v1/sessions", {"user_id": "", "password": None})
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert set(answer.error["fields"]) == {"user_id", "password"}


def test_log_in_refuses_a_body_that_is_not_json(client: Any) -> None:
    answer = post(client, "/v1/sessions", "user_id=juan")
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"


def test_wrong_password_and_unknown_id_answer_identically_r_auth_2(client: Any) -> None:
    assert register(client).status == 201
    wrong_password = log_in(client, "juan.perez1", WRONG)
    unknown_id = log_in(client, "nadie.registrado", WRONG)
    malformed_id = log_in(client, "x", WRONG)
    huge_id = log_in(client, "a" * 5000, WRONG)  # longer than any DynamoDB key
    for answer in (wrong_password, unknown_id, malformed_id, huge_id):
        assert answer.status == 401
        assert answer.body == wrong_password.body
        assert answer.error["code"] == "INVALID_CREDENTIALS"
        assert "Retry-After" not in answer.headers


def test_a_wrong_password_is_counted_before_it_is_verified_in_the_read_itself_r_hard_1(
    client: Any,
) -> None:
    assert register(client).status == 201
    with aws_calls() as known:
        log_in(client, "juan.perez1", WRONG)
    with aws_calls() as unknown:
        log_in(client, "nadie.registrado", WRONG)
    # The attempt is counted by the write that reads the user; an ID with no user item is
    # counted on an item of its own. The views' time floor hides the one call more (R-HARD-6).
    assert known == ["dynamodb:UpdateItem"]
    assert unknown == ["dynamodb:UpdateItem", "dynamodb:UpdateItem"]
    assert len(user_item()["failed_logins"]["L"]) == 1


def test_log_in_makes_two_dynamodb_calls_on_success(client: Any) -> None:
    assert register(client).status == 201
    assert log_in(client, "juan.perez1", WRONG).status == 401
    with aws_calls() as calls:
        assert log_in(client).status == 201
    # The attempt counted while reading the user, then one write that stores the session and
    # takes that attempt back; the earlier failure still counts in its window (R-HARD-1).
    assert calls == ["dynamodb:UpdateItem", "dynamodb:TransactWriteItems"]
    assert len(user_item()["failed_logins"]["L"]) == 1


def test_log_in_is_recorded_in_the_audit_trail_r_mod_8(client: Any) -> None:
    assert register(client).status == 201
    headers = {"User-Agent": "Firefox/140"}
    credentials = {"user_id": "juan.perez1", "password": PASSWORD}
    assert post(client, "/v1/sessions", credentials, **headers).status == 201
    (logged_in,) = [e for e in audit_events() if e["event"]["S"] == "LOGGED_IN"]
    assert logged_in["user_agent"]["S"] == "Firefox/140"
    assert logged_in["source_ip"]["S"]


# Lock-out (R-AUTH-2) -------------------------------------------------------------------------


def test_wrong_passwords_count_down_the_tries_left_alike_for_unknown_ids_r_ux_2(
    client: Any,
) -> None:
    """4, 3, 2, 1, then the lock, whose message offers «¿Olvidó su contraseña?»; an unknown ID
    gets the very same bodies."""
    assert register(client).status == 201
    answers = {
        user_id: [log_in(client, user_id, WRONG) for _ in range(5)]
        for user_id in ("juan.perez1", "nadie.existe")
    }
    for user_id, (*wrong, locked) in answers.items():
        assert [a.status for a in wrong] == [401] * 4, user_id
        assert [a.error["attempts_left"] for a in wrong] == [4, 3, 2, 1]
        assert locked.status == 423
        assert "«¿Olvidó su contraseña?»" in locked.error["message"]
        assert "attempts_left" not in locked.error
    real, unknown = answers.values()
    assert [a.body for a in real] == [a.body for a in unknown]


def test_a_malformed_id_says_what_a_first_wrong_try_says_r_ux_2(client: Any) -> None:
    assert log_in(client, "x", WRONG).body == log_in(client, "nadie.existe", WRONG).body


def test_five_failures_lock_the_account_for_fifteen_minutes_r_auth_2(
    client: Any, clock: Any
) -> None:
    assert register(client).status == 201
    for _ in range(4):
        assert log_in(client, "juan.perez1", WRONG).status == 401
    fifth = log_in(client, "juan.perez1", WRONG)
    assert fifth.status == 423
    assert fifth.error["code"] == "ACCOUNT_LOCKED"
    assert fifth.headers["Retry-After"] == "900"
    assert "15 minutos" in fifth.error["message"]

    # Locked: even the right password is refused, and says how long is left.
    clock.advance(600)
    locked = log_in(client)
    assert locked.status == 423
    assert locked.headers["Retry-After"] == "300"
    assert "5 minutos" in locked.error["message"]

    clock.advance(300)
    assert log_in(client).status == 201
    item = user_item()
    assert item["failed_logins"]["L"] == []
    assert item["locked_until"]["N"] == "0"


def test_the_lock_out_is_recorded_in_the_audit_trail_r_mod_8(client: Any) -> None:
    assert register(client).status == 201
    for _ in range(5):
        log_in(client, "juan.perez1", WRONG)
    (locked,) = [e for e in audit_events() if e["event"]["S"] == "ACCOUNT_LOCKED"]
    assert WRONG not in repr(locked)


def test_failures_older_than_fifteen_minutes_do_not_count_r_auth_2(client: Any, clock: Any) -> None:
    assert register(client).status == 201
    for _ in range(4):
        assert log_in(client, "juan.perez1", WRONG).status == 401
    clock.advance(15 * 60 + 1)
    assert log_in(client, "juan.perez1", WRONG).status == 401
    assert len(user_item()["failed_logins"]["L"]) == 1


def test_a_successful_log_in_does_not_wipe_the_failures_of_the_window_r_hard_1(
    client: Any, clock: Any
) -> None:
    """A success takes back its own attempt only: otherwise the owner's log-in in the middle of
    a burst would give the guesser five more tries in the same window."""
    assert register(client).status == 201
    for _ in range(4):
        assert log_in(client, "juan.perez1", WRONG).status == 401
    assert log_in(client).status == 201
    assert log_in(client, "juan.perez1", WRONG).status == 423
    clock.advance(15 * 60)
    assert log_in(client).status == 201
    assert log_in(client, "juan.perez1", WRONG).status == 401


def test_an_unknown_id_locks_like_an_account_so_ids_cannot_be_probed_r_auth_2(
    client: Any, clock: Any
) -> None:
    answers = [log_in(client, "nadie.registrado", WRONG) for _ in range(6)]
    assert [a.status for a in answers] == [401, 401, 401, 401, 423, 423]
    assert answers[4].headers["Retry-After"] == "900"
    clock.advance(900)
    assert log_in(client, "nadie.registrado", WRONG).status == 401


def test_the_lock_out_settings_come_from_configuration(client: Any, monkeypatch: Any) -> None:
    settings = get_settings()
    monkeypatch.setattr(
        services(), "settings", settings.__class__(**{**vars(settings), "login_max_failures": 2})
    )
    assert register(client).status == 201
    assert log_in(client, "juan.perez1", WRONG).status == 401
    assert log_in(client, "juan.perez1", WRONG).status == 423


# Deactivated accounts (R-AUTH-3) -------------------------------------------------------------


def test_a_deactivated_account_is_told_so_only_after_the_right_password_r_auth_3(
    client: Any,
) -> None:
    token = signed_in(client)
    body = {"reason": "Ya no uso el portal Ecuapass", "password": PASSWORD}
    assert post(client, "/v1/account/deactivation", body, **bearer(token)).status == 200

    wrong = log_in(client, "juan.perez1", WRONG)
    assert wrong.status == 401
    assert wrong.error["code"] == "INVALID_CREDENTIALS"
    right = log_in(client)
    assert right.status == 403
    assert right.error["code"] == "ACCOUNT_DEACTIVATED"
    assert "nuevo usuario" in right.error["message"]


# The session check -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic anVhbjpjbGF2ZQ==",
        "Bearer not-a-token",
        "Bearer juan.perez1." + "A" * 43,  # the right shape, never issued
        "Bearer juan.perez1." + "A" * 44,
    ],
)
def test_a_missing_or_invalid_token_is_unauthorized(client: Any, authorization: str | None) -> None:
    signed_in(client)
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = call(client, "GET", "/v1/account", **headers)
    assert answer.status == 401
    assert answer.error["code"] == "UNAUTHORIZED"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_token_for_another_user_id_is_unauthorized(client: Any) -> None:
    token = signed_in(client)
    signed_in(client, 2)
    secret = token.rpartition(".")[2]
    assert profile(client, f"juan.perez2.{secret}").status == 401


def test_an_authenticated_read_is_one_dynamodb_call(client: Any, clock: Any) -> None:
    token = signed_in(client)
    with aws_calls() as calls:
        assert profile(client, token).status == 200
    assert calls == ["dynamodb:BatchGetItem"]


def test_last_seen_is_written_at_most_once_a_minute(client: Any, clock: Any) -> None:
    token = signed_in(client)
    clock.advance(59)
    with aws_calls() as quiet:
        assert profile(client, token).status == 200
    clock.advance(1)
    with aws_calls() as refreshed:
        assert profile(client, token).status == 200
    assert quiet == ["dynamodb:BatchGetItem"]
    assert refreshed == ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"]
    (item,) = all_items(get_settings().sessions_table)
    assert int(item["last_seen"]["N"]) == int(clock())
    assert int(item["expires_at"]["N"]) == int(clock()) + 30 * 60


def test_a_session_ends_after_thirty_idle_minutes_r_auth_1(client: Any, clock: Any) -> None:
    token = signed_in(client)
    clock.advance(29 * 60)
    assert profile(client, token).status == 200  # activity moves the idle limit on
    clock.advance(29 * 60)
    assert profile(client, token).status == 200
    clock.advance(30 * 60)
    answer = profile(client, token)
    assert answer.status == 401
    assert answer.error["code"] == "UNAUTHORIZED"
    assert "inactividad" in answer.error["message"]


def test_a_session_ends_eight_hours_after_log_in_however_active_r_auth_1(
    client: Any, clock: Any
) -> None:
    token = signed_in(client)
    for _ in range(23):
        clock.advance(20 * 60)
        assert profile(client, token).status == 200
    clock.advance(20 * 60)  # 8 h exactly
    answer = profile(client, token)
    assert answer.status == 401
    assert "tiempo máximo" in answer.error["message"]


def test_session_timeouts_come_from_configuration(
    client: Any, clock: Any, monkeypatch: Any
) -> None:
    settings = get_settings()
    shorter = settings.__class__(**{**vars(settings), "session_idle_seconds": 120})
    monkeypatch.setattr(services(), "settings", shorter)
    token = signed_in(client)
    clock.advance(120)
    assert profile(client, token).status == 401


# Log-out -----------------------------------------------------------------------------------------


def test_log_out_ends_this_session_only_r_auth_1(client: Any) -> None:
    token = signed_in(client)
    other = log_in(client).body["token"]
    answer = call(client, "DELETE", "/v1/sessions/current", **bearer(token))
    assert answer.status == 204
    assert answer.body is None
    assert answer.headers["Cache-Control"] == "no-store"
    assert profile(client, token).status == 401
    assert call(client, "DELETE", "/v1/sessions/current", **bearer(token)).status == 401
    assert profile(client, other).status == 200
    assert len(all_items(get_settings().sessions_table)) == 1


def test_log_out_without_a_session_is_unauthorized(client: Any) -> None:
    answer = call(client, "DELETE", "/v1/sessions/current")
    assert answer.status == 401
    assert answer.error["code"] == "UNAUTHORIZED"


# Other sessions end at once (R-AUTH-4) ---------------------------------------------------------


def test_a_password_change_ends_every_other_session_r_auth_4(client: Any) -> None:
    mine = signed_in(client)
    other = log_in(client).body["token"]
    current = profile(client, mine).body
    body = {
        **{k: current[k] for k in ("version", "name", "country", "province", "city")},
        **{k: current[k] for k in ("address", "phone1", "mobile_operator", "mobile")},
        "keep_email": True,
        "current_password": PASSWORD,
        "new_password": "Nueva2026clave",
        "new_password_confirmation": "Nueva2026clave",
    }
    assert call(client, "PUT", "/v1/account", body, **bearer(mine)).status == 200
    assert profile(client, other).status == 401
    assert profile(client, mine).status == 200  # the session that made the change stays
    assert log_in(client).status == 401
    assert log_in(client, password="Nueva2026clave").status == 201


def test_deactivation_ends_every_session_including_this_one_r_auth_4(client: Any) -> None:
    mine = signed_in(client)
    other = log_in(client).body["token"]
    body = {"reason": "Cambio de ID de usuario", "password": PASSWORD}
    assert post(client, "/v1/account/deactivation", body, **bearer(mine)).status == 200
    assert profile(client, mine).status == 401
    assert profile(client, other).status == 401
