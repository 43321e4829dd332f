"""The logged-in user's password through the API: the check of the current one and the change
(R-MOD-4, api.md "Account")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    WRONG,
    account_post,
    audit_events,
    get_profile,
    log_in,
    mails_to,
    new_password,
    put,
    update_body,
    user_item,
)

# Password (R-MOD-4) -----------------------------------------------------------------------------


def test_password_check_accepts_the_current_password_r_mod_4(client: Any, token: str) -> None:
    answer = account_post(client, token, "password-check", {"current_password": PASSWORD})
    assert answer.status == 200
    assert answer.body == {"valid": True}
    assert answer.headers["Cache-Control"] == "no-store"


def test_password_check_refuses_a_wrong_password_r_mod_4(client: Any, token: str) -> None:
    answer = account_post(client, token, "password-check", {"current_password": WRONG})
    assert answer.status == 401
    assert answer.error["code"] == "INVALID_CREDENTIALS"
    assert get_profile(client, token).status == 200  # the session is not affected


def test_password_check_needs_the_password(client: Any, token: str) -> None:
    answer = account_post(client, token, "password-check", {})
    assert answer.status == 400
    assert set(answer.error["fields"]) == {"current_password"}


def test_wrong_passwords_on_the_verify_button_lock_the_account_r_auth_2(
    client: Any, token: str, clock: Any
) -> None:
    answers = [
        account_post(client, token, "password-check", {"current_password": WRONG}) for _ in range(5)
    ]
    assert [a.status for a in answers] == [401, 401, 401, 401, 423]
    assert answers[-1].headers["Retry-After"] == "900"
    right = account_post(client, token, "password-check", {"current_password": PASSWORD})
    assert right.status == 423
    assert log_in(client).status == 423
    clock.advance(900)
    assert log_in(client).status == 201


def test_a_right_password_check_takes_back_only_its_own_attempt_r_hard_1(
    client: Any, token: str
) -> None:
    for _ in range(4):
        account_post(client, token, "password-check", {"current_password": WRONG})
    answer = account_post(client, token, "password-check", {"current_password": PASSWORD})
    assert answer.status == 200
    assert len(user_item()["failed_logins"]["L"]) == 4


def test_a_password_change_keeps_this_session_and_notifies_r_mod_4(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    body = update_body(
        profile,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        new_password_confirmation=NEW_PASSWORD,
    )
    answer = put(client, token, body)
    assert answer.status == 200, answer.body
    assert answer.body["version"] == 2
    assert get_profile(client, token).status == 200
    assert log_in(client, password=NEW_PASSWORD).status == 201
    (notice,) = [m for m in mails_to(profile["email"]) if "contraseña" in m.subject]
    assert NEW_PASSWORD not in notice.body and PASSWORD not in notice.body
    (event,) = audit_events("PASSWORD_CHANGED")
    assert event["fields"]["SS"] == ["password"]
    assert audit_events("PROFILE_UPDATED") == []


def test_notices_of_one_kind_are_capped_per_address_and_day_r_hard_8(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    """Twelve password changes in a day (back and forth between two passwords): the first ten
    are told to the owner, the rest are saved without flooding the mailbox; the next day the
    notices flow again."""
    passwords, version, session = [PASSWORD, NEW_PASSWORD], profile["version"], token

    def change(n: int) -> None:
        nonlocal version
        current, new = passwords[n % 2], passwords[(n + 1) % 2]
        body = update_body(
            {**profile, "version": version},
            current_password=current,
            new_password=new,
            new_password_confirmation=new,
        )
        answer = put(client, session, body)
        assert answer.status == 200, answer.body
        version = answer.body["version"]

    def notices() -> int:
        return len([m for m in mails_to(profile["email"]) if "contraseña" in m.subject])

    for n in range(12):
        change(n)
    assert notices() == 10
    assert len(audit_events("PASSWORD_CHANGED")) == 12
    clock.advance(24 * 3600)
    session = log_in(client, password=PASSWORD).body["token"]
    change(12)
    assert notices() == 11


def test_a_password_change_needs_the_right_current_password_r_mod_4(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    before = user_item()
    body = update_body(
        profile,
        address="Nueva dirección 555",
        current_password=WRONG,
        new_password=NEW_PASSWORD,
        new_password_confirmation=NEW_PASSWORD,
    )
    answer = put(client, token, body)
    assert answer.status == 401
    assert answer.error["code"] == "INVALID_CREDENTIALS"
    after = user_item()
    # Only the failure was counted; nothing of the profile moved.
    assert len(after["failed_logins"]["L"]) == 1
    after["failed_logins"] = before["failed_logins"]
    assert after == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (new_password("corta1"), "new_password"),
        (new_password("soloLetras"), "new_password"),
        (new_password("password1"), "new_password"),  # a common password
        (new_password("juan.perez1"), "new_password"),  # the ID
        (new_password(PASSWORD), "new_password"),  # the current one
        (new_password(NEW_PASSWORD, "Otra2026"), "new_password_confirmation"),
        ({"current_password": None, **new_password(NEW_PASSWORD)}, "current_password"),
    ],
)
def test_the_new_password_follows_r_reg_4_and_differs_from_the_current_r_mod_4(
    client: Any, token: str, profile: dict[str, Any], changes: dict[str, Any], field: str
) -> None:
    body = update_body(profile, **{"current_password": PASSWORD, **changes})
    answer = put(client, token, body)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert set(answer.error["fields"]) == {field}


def test_the_current_password_alone_changes_nothing(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    answer = put(client, token, update_body(profile, current_password=PASSWORD))
    assert answer.status == 200
    assert answer.body["version"] == 1


def test_every_password_check_of_the_account_says_the_tries_left_r_ux_2(
    client: Any, token: str
) -> None:
    """The same gate as log-in: each wrong current password says how many tries remain."""
    answers = [
        account_post(client, token, "password-check", {"current_password": WRONG}) for _ in range(4)
    ]
    assert [a.error["attempts_left"] for a in answers] == [4, 3, 2, 1]
