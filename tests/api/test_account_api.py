"""The logged-in user's account through the API: profile, modification, password and e-mail
change, deactivation, audit trail (R-MOD-1 … R-MOD-8, R-DEL-1, R-DEL-2, api.md "Account")."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain.ports import PROFILE_FIELDS
from tests.helpers import (
    PASSWORD,
    Answer,
    account_post,
    assert_conforms,
    audit_events,
    aws_calls,
    bearer,
    call,
    claim_owner,
    dynamodb,
    email_change,
    get_profile,
    last_code,
    log_in,
    mails_to,
    new_email_body,
    post,
    put,
    register,
    registration_body,
    request_code,
    signed_in,
    update_body,
    user_item,
)

NEW_PASSWORD = "Nueva2026clave"
WRONG = "Otra2026clave"
NEW_EMAIL = "juan.nuevo@example.com"


# Helpers -----------------------------------------------------------------------------------------


@pytest.fixture
def token(client: Any) -> str:
    return signed_in(client)


@pytest.fixture
def profile(client: Any, token: str) -> dict[str, Any]:
    answer = get_profile(client, token)
    assert answer.status == 200
    return dict(answer.body)


# Profile (R-MOD-1) -------------------------------------------------------------------------------


def test_profile_shows_every_field_of_api_md_and_no_secret_r_mod_1(client: Any, token: str) -> None:
    answer = get_profile(client, token)
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert set(answer.body) == set(PROFILE_FIELDS)
    assert answer.body["user_id"] == "juan.perez1"
    assert answer.body["senae_email"] == "juan.perez1@correo.aduana.gob.ec"
    assert answer.body["status"] == "ACTIVE"
    assert answer.body["version"] == 1
    text = json.dumps(answer.body)
    assert PASSWORD not in text
    assert "argon2" not in text
    assert "password" not in text


def test_profile_is_one_dynamodb_call(client: Any, token: str) -> None:
    with aws_calls() as calls:
        assert get_profile(client, token).status == 200
    assert calls == ["dynamodb:BatchGetItem"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/account"),
        ("PUT", "/v1/account"),
        ("POST", "/v1/account/password-check"),
        ("POST", "/v1/account/email-availability"),
        ("POST", "/v1/account/security-code"),
        ("POST", "/v1/account/deactivation"),
    ],
)
def test_every_account_route_needs_a_session(client: Any, method: str, path: str) -> None:
    answer = call(client, method, path, {})
    assert answer.status == 401
    assert answer.error["code"] == "UNAUTHORIZED"
    assert answer.headers["Cache-Control"] == "no-store"


# Modify (R-MOD-2, R-MOD-5, R-MOD-7) ------------------------------------------------------------


def test_a_save_changes_the_fields_and_the_version_r_mod_5(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    clock.advance(60)
    body = update_body(
        profile,
        address="Calle Larga 5-20 y Borrero",
        phone2="072345678",
        fax="072345679",
        mobile_operator=None,
        mobile=None,
        province="01",
        city="0101",
    )
    answer = put(client, token, body)
    assert answer.status == 200, answer.body
    assert answer.headers["Cache-Control"] == "no-store"
    updated = answer.body
    assert updated["address"] == "Calle Larga 5-20 y Borrero"
    assert (updated["province"], updated["city"]) == ("01", "0101")
    assert (updated["phone2"], updated["fax"]) == ("072345678", "072345679")
    assert updated["mobile_operator"] is None and updated["mobile"] is None
    assert updated["version"] == 2
    assert updated["updated_at"] != profile["updated_at"]
    assert updated["created_at"] == profile["created_at"]
    assert get_profile(client, token).body == updated
    assert "mobile" not in user_item()


def test_a_save_is_refused_without_version(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    body = update_body(profile)
    del body["version"]
    answer = put(client, token, body)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert "version" in answer.error["fields"]


def test_a_stale_save_is_refused_and_overwrites_nothing_r_mod_7(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    other = log_in(client).body["token"]
    first = put(client, other, update_body(profile, address="Primera dirección 123"))
    assert first.status == 200
    before = user_item()
    stale = put(client, token, update_body(profile, address="Segunda dirección 456"))
    assert stale.status == 409
    assert stale.error["code"] == "STALE_UPDATE"
    assert user_item() == before
    assert get_profile(client, token).body["address"] == "Primera dirección 123"


def test_a_save_refused_for_one_bad_field_changes_nothing_at_all_r_mod_7(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    before = user_item()
    body = new_email_body(
        profile,
        NEW_EMAIL,
        "ABCDEFGH",
        name="Juan Pérez",
        address="Nueva dirección 789",
        phone1="12345",  # the one bad field
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        new_password_confirmation=NEW_PASSWORD,
    )
    answer = put(client, token, body)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert set(answer.error["fields"]) == {"phone1"}
    assert user_item() == before
    assert audit_events("PROFILE_UPDATED") == []


def test_every_bad_field_is_reported_at_once_with_registrations_rules_r_mod_5(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    body = update_body(
        profile,
        name="J",
        country="XX",
        address="abc",
        phone2="99",
        mobile_operator="NOPE",
        fax="12a",
    )
    answer = put(client, token, body)
    assert answer.status == 400
    assert set(answer.error["fields"]) == {
        "name",
        "country",
        "address",
        "phone2",
        "mobile_operator",
        "fax",
    }


def test_province_and_city_are_cleared_outside_ecuador_r_mod_5(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    # The form may still send the old province and city after switching the country.
    answer = put(client, token, update_body(profile, country="PE"))
    assert answer.status == 200, answer.body
    assert (answer.body["country"], answer.body["province"], answer.body["city"]) == (
        "PE",
        None,
        None,
    )
    item = user_item()
    assert "province" not in item and "city" not in item


def test_ecuador_needs_a_province_and_a_city_of_it_r_mod_5(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    answer = put(client, token, update_body(profile, province=None, city="0101"))
    assert answer.status == 400
    assert set(answer.error["fields"]) == {"province"}
    answer = put(client, token, update_body(profile, province="01", city="0901"))
    assert set(answer.error["fields"]) == {"city"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("user_id", "juan.perez9"),
        ("document_type", "PASAPORTE"),
        ("document_number", "1710034065"),
        ("senae_email", "otro@correo.aduana.gob.ec"),
        ("user_id", 42),
    ],
)
def test_locked_fields_cannot_be_changed_r_mod_2(
    client: Any, token: str, profile: dict[str, Any], name: str, value: Any
) -> None:
    before = user_item()
    answer = put(client, token, update_body(profile, **{name: value}))
    assert answer.status == 400
    assert answer.error["code"] == "FIELD_NOT_MODIFIABLE"
    assert set(answer.error["fields"]) == {name}
    assert "registre un nuevo usuario" in answer.error["message"]
    assert user_item() == before


def test_locked_fields_sent_unchanged_are_harmless_r_mod_2(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    body = update_body(
        profile,
        user_id="JUAN.PEREZ1",
        document_type="cedula",
        document_number=profile["document_number"],
        senae_email=profile["senae_email"].upper(),
        address="Otra dirección 321",
    )
    answer = put(client, token, body)
    assert answer.status == 200, answer.body


def test_a_save_without_changes_writes_nothing(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    with aws_calls() as calls:
        answer = put(client, token, update_body(profile))
    assert answer.status == 200
    assert answer.body["version"] == 1
    assert calls == ["dynamodb:BatchGetItem"]


# Name correction (R-MOD-3) ----------------------------------------------------------------------


def test_a_name_correction_is_saved_r_mod_3(client: Any, clock: Any) -> None:
    token = signed_in(client, name="PEREZ JOSE")
    profile = get_profile(client, token).body
    answer = put(client, token, update_body(profile, name="José Pérez"))
    assert answer.status == 200, answer.body
    assert answer.body["name"] == "José Pérez"
    (event,) = audit_events("PROFILE_UPDATED")
    assert event["fields"]["SS"] == ["name"]


def test_another_persons_name_is_refused_r_mod_3(client: Any) -> None:
    token = signed_in(client, name="Ana Torres")
    profile = get_profile(client, token).body
    before = user_item()
    answer = put(client, token, update_body(profile, name="Carlos Mendoza", address="Nueva 123"))
    assert answer.status == 400
    assert answer.error["code"] == "NAME_CHANGE_NOT_ALLOWED"
    assert set(answer.error["fields"]) == {"name"}
    assert "dé de baja" in answer.error["message"]
    assert user_item() == before


def rename(client: Any, token: str, name: str) -> Answer:
    """One save of the modify form that changes only the name."""
    return put(client, token, update_body(get_profile(client, token).body, name=name))


def test_registration_keeps_the_name_given_and_the_profile_does_not_show_it_r_hard_5(
    client: Any,
) -> None:
    token = signed_in(client, name="Ana Torres")
    assert user_item()["registered_name"] == {"S": "Ana Torres"}
    assert "registered_name" not in get_profile(client, token).body


def test_a_replacement_reached_in_two_saves_is_refused_r_hard_5(client: Any) -> None:
    token = signed_in(client, name="Ana Torres")
    # A correction of the current name (two words added), so the first save passes.
    assert rename(client, token, "Ana Torres Carlos Mendoza").status == 200
    before = user_item()
    answer = rename(client, token, "Carlos Mendoza")
    assert answer.status == 400, answer.body
    assert answer.error["code"] == "NAME_CHANGE_NOT_ALLOWED"
    assert set(answer.error["fields"]) == {"name"}
    assert user_item() == before
    assert user_item()["registered_name"] == {"S": "Ana Torres"}


def test_a_correction_in_two_saves_is_saved_r_hard_5(client: Any) -> None:
    token = signed_in(client, name="Jose Perez")
    assert rename(client, token, "José Perez").status == 200
    answer = rename(client, token, "José Pérez")
    assert answer.status == 200, answer.body
    assert answer.body["name"] == "José Pérez"
    # The baseline stays the name of the registration; it is not moved by a correction.
    assert user_item()["registered_name"] == {"S": "Jose Perez"}


def forget_registered_name(user_id: str = "juan.perez1") -> None:
    """The user item as an account registered before R-HARD-5 has it: no `registered_name`."""
    dynamodb().update_item(
        TableName=get_settings().users_table,
        Key={"user_id": {"S": user_id}},
        UpdateExpression="REMOVE registered_name",
    )
    assert "registered_name" not in user_item(user_id)


def test_an_older_account_is_served_and_gets_its_baseline_at_its_first_rename_r_hard_5(
    client: Any,
) -> None:
    token = signed_in(client, name="Ana Torres")
    forget_registered_name()
    assert get_profile(client, token).status == 200
    # A save that keeps the name writes no baseline.
    kept = put(client, token, update_body(get_profile(client, token).body, address="Nueva 1"))
    assert kept.status == 200, kept.body
    assert "registered_name" not in user_item()
    # The first save that changes the name freezes the name it had, in the same write.
    with aws_calls() as calls:
        assert rename(client, token, "Ana Torres Carlos Mendoza").status == 200
    assert [c for c in calls if "Get" not in c] == ["dynamodb:TransactWriteItems"]
    item = user_item()
    assert item["registered_name"] == {"S": "Ana Torres"}
    assert item["name"] == {"S": "Ana Torres Carlos Mendoza"}
    answer = rename(client, token, "Carlos Mendoza")
    assert answer.status == 400, answer.body
    assert answer.error["code"] == "NAME_CHANGE_NOT_ALLOWED"
    assert "registered_name" not in get_profile(client, token).body


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


def new_password(value: str, confirmation: str | None = None) -> dict[str, Any]:
    return {"new_password": value, "new_password_confirmation": confirmation or value}


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


# E-mail (R-MOD-6) -------------------------------------------------------------------------------


def test_keep_email_defaults_to_no_so_the_new_address_is_required_r_mod_6(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    body = update_body(profile, address="Nueva dirección 777")
    del body["keep_email"]
    answer = put(client, token, body)
    assert answer.status == 400
    assert {"email", "email_confirmation"} <= set(answer.error["fields"])


def test_the_current_address_typed_again_needs_no_code_r_mod_6(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    email = profile["email"].upper()
    body = update_body(
        profile, keep_email=False, email=email, email_confirmation=email, address="Otra 123"
    )
    answer = put(client, token, body)
    assert answer.status == 200, answer.body
    assert answer.body["email"] == profile["email"]


def test_email_availability_counts_the_own_address_as_available(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    register(client, 2)

    def available(address: str) -> Any:
        pair = {"email": address, "email_confirmation": address}
        answer = account_post(client, token, "email-availability", pair)
        assert answer.status == 200
        assert answer.headers["Cache-Control"] == "no-store"
        return answer.body["available"]

    assert available(profile["email"]) is True
    assert available(NEW_EMAIL) is True
    assert available("JUAN.PEREZ2@example.com") is False


def test_email_availability_refuses_a_mismatched_confirmation(client: Any, token: str) -> None:
    pair = {"email": NEW_EMAIL, "email_confirmation": "otra@example.com"}
    answer = account_post(client, token, "email-availability", pair)
    assert answer.status == 400
    assert set(answer.error["fields"]) == {"email_confirmation"}


def test_the_code_goes_to_the_new_address_r_mod_6(client: Any, token: str) -> None:
    answer = account_post(client, token, "security-code", {"email": NEW_EMAIL})
    assert answer.status == 202
    assert answer.body == {"expires_in_seconds": 900, "resend_after_seconds": 60}
    (mail,) = mails_to(NEW_EMAIL)
    assert mail.subject == "ACTIVACIÓN DE CORREO ELECTRÓNICO"


def test_no_code_for_an_address_of_another_account_r_mod_6(client: Any, token: str) -> None:
    register(client, 2)
    answer = account_post(client, token, "security-code", {"email": "juan.perez2@example.com"})
    assert answer.status == 409
    assert answer.error["code"] == "EMAIL_TAKEN"


def test_no_code_for_the_own_current_address(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    answer = account_post(client, token, "security-code", {"email": profile["email"]})
    assert answer.status == 400
    assert set(answer.error["fields"]) == {"email"}


def test_code_requests_are_throttled_like_registration_r_reg_11(client: Any, token: str) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    again = account_post(client, token, "security-code", {"email": NEW_EMAIL})
    assert again.status == 429
    assert again.error["code"] == "TOO_MANY_REQUESTS"
    assert int(again.headers["Retry-After"]) == 60


def test_an_email_change_end_to_end_moves_the_claim_r_mod_6(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    old = profile["email"]
    answer = email_change(client, token, profile, NEW_EMAIL)
    assert answer.status == 200, answer.body
    assert answer.body["email"] == NEW_EMAIL
    assert answer.body["version"] == 2
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez1"
    assert claim_owner(f"EMAIL#{old}") is None

    # The old address got the notice, and is free for someone else's registration.
    (notice,) = [m for m in mails_to(old) if "reemplazado" in m.subject]
    assert "ju***@example.com" in notice.body
    clock.advance(60)
    assert register(client, 3, email=old, email_confirmation=old).status == 201
    # The new one is taken.
    taken = request_code(client, NEW_EMAIL)
    assert taken.status == 409
    assert taken.error["code"] == "EMAIL_TAKEN"

    (event,) = audit_events("EMAIL_CHANGED")
    assert event["fields"]["SS"] == ["email"]
    # The code is single use.
    profile = get_profile(client, token).body
    body = new_email_body(profile, "tercera@example.com", last_code(NEW_EMAIL))
    assert put(client, token, body).error["code"] == "SECURITY_CODE_NOT_REQUESTED"


def test_an_email_change_is_three_aws_calls_and_the_notice(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    body = new_email_body(profile, NEW_EMAIL, last_code(NEW_EMAIL))
    with aws_calls() as calls:
        assert put(client, token, body).status == 200
    # The session read; the code's try counted in the write that reads it (R-HARD-1); the save;
    # the notice's daily cap counted (R-HARD-8), and the notice.
    assert calls == [
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:TransactWriteItems",
        "dynamodb:UpdateItem",
        "ses:SendEmail",
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (None, "SECURITY_CODE_REQUIRED"),
        ("", "SECURITY_CODE_REQUIRED"),
        ("ABCDEFGH", "SECURITY_CODE_INVALID"),
    ],
)
def test_an_email_change_needs_the_right_code_r_mod_6(
    client: Any, token: str, profile: dict[str, Any], code: str | None, expected: str
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    before = user_item()
    body = new_email_body(profile, NEW_EMAIL, code)
    answer = put(client, token, body)
    assert answer.status == 400
    assert answer.error["code"] == expected
    assert user_item() == before
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") is None


def test_an_email_change_without_a_requested_code_r_mod_6(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    body = new_email_body(profile, NEW_EMAIL, "ABCDEFGH")
    answer = put(client, token, body)
    assert answer.status == 400
    assert answer.error["code"] == "SECURITY_CODE_NOT_REQUESTED"


def test_an_expired_code_is_refused_r_reg_11(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    clock.advance(900)
    body = new_email_body(profile, NEW_EMAIL, last_code(NEW_EMAIL))
    assert put(client, token, body).error["code"] == "SECURITY_CODE_EXPIRED"


def test_five_wrong_codes_kill_it_r_reg_11(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    body = new_email_body(profile, NEW_EMAIL, "ABCDEFGH")
    codes = [put(client, token, body).error["code"] for _ in range(5)]
    assert codes == ["SECURITY_CODE_INVALID"] * 4 + ["SECURITY_CODE_LOCKED"]
    body["security_code"] = last_code(NEW_EMAIL)
    assert put(client, token, body).error["code"] == "SECURITY_CODE_LOCKED"


def test_wrong_tries_counted_after_the_right_code_do_not_undo_the_save_r_hard_1(
    client: Any, token: str, profile: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store.codes import DynamoCodeStore

    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    real_count = DynamoCodeStore.count_try

    def counted_then_rival_wrong_tries(self: DynamoCodeStore, *args: Any) -> Any:
        tried = real_count(self, *args)
        for _ in range(5):  # parallel guesses land between this try and its save
            real_count(self, *args)
        return tried

    monkeypatch.setattr(DynamoCodeStore, "count_try", counted_then_rival_wrong_tries)
    body = new_email_body(profile, NEW_EMAIL, last_code(NEW_EMAIL))
    answer = put(client, token, body)
    assert answer.status == 200, answer.body
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez1"


def test_codes_of_registration_and_of_email_change_are_kept_apart(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    # A registration code for the address does not change an account's e-mail …
    assert request_code(client, NEW_EMAIL).status == 202
    body = new_email_body(profile, NEW_EMAIL, last_code(NEW_EMAIL))
    assert put(client, token, body).error["code"] == "SECURITY_CODE_NOT_REQUESTED"
    # … and an e-mail-change code does not register anyone.
    other = "maria.lopez@example.com"
    assert account_post(client, token, "security-code", {"email": other}).status == 202
    registration = registration_body(
        4, email=other, email_confirmation=other, security_code=last_code(other)
    )
    answer = post(client, "/v1/registration", registration)
    assert answer.error["code"] == "SECURITY_CODE_NOT_REQUESTED"


def test_an_email_change_code_proves_only_the_address_it_was_mailed_to_r_hard_3(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    """Codes are kept per mailbox: the one mailed to `juan.nuevo+1@` cannot move the account
    to `juan.nuevo@`, which never got one."""
    tagged = "juan.nuevo+1@example.com"
    assert account_post(client, token, "security-code", {"email": tagged}).status == 202
    before = user_item()
    body = new_email_body(profile, NEW_EMAIL, last_code(tagged))
    assert put(client, token, body).error["code"] == "SECURITY_CODE_NOT_REQUESTED"
    assert user_item() == before
    answer = put(client, token, new_email_body(profile, tagged, last_code(tagged)))
    assert answer.status == 200, answer.body
    assert claim_owner(f"EMAIL#{tagged}") == "juan.perez1"


def test_another_spelling_of_an_address_of_another_account_is_taken_r_hard_3(
    client: Any, token: str
) -> None:
    taken = "same@xn--exmple-cua.com"
    assert register(client, 2, email=taken, email_confirmation=taken).status == 201
    for spelling in ("same@exämple.com", "SAME@EXA\u0308MPLE.COM"):
        pair = {"email": spelling, "email_confirmation": spelling}
        assert account_post(client, token, "email-availability", pair).body == {"available": False}
        answer = account_post(client, token, "security-code", {"email": spelling})
        assert answer.error["code"] == "EMAIL_TAKEN"


def test_an_address_taken_after_its_code_was_sent_is_refused_whole_r_mod_7(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    code = last_code(NEW_EMAIL)
    clock.advance(60)
    # Someone registers the address in between.
    assert register(client, 5, email=NEW_EMAIL, email_confirmation=NEW_EMAIL).status == 201
    before = user_item()
    body = new_email_body(profile, NEW_EMAIL, code, address="Dirección nueva 999")
    answer = put(client, token, body)
    assert answer.status == 409
    assert answer.error["code"] == "EMAIL_TAKEN"
    assert user_item() == before
    assert claim_owner(f"EMAIL#{profile['email']}") == "juan.perez1"
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez5"


# Deactivation (R-DEL-1, R-DEL-2) ----------------------------------------------------------------

REASON = "Necesito un nuevo ID de usuario"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"reason", "password"}),
        ({"reason": "corto", "password": PASSWORD}, {"reason"}),
        ({"reason": "x" * 501, "password": PASSWORD}, {"reason"}),
        ({"reason": REASON}, {"password"}),
        ({"reason": 12345678901, "password": PASSWORD}, {"reason"}),
    ],
)
def test_deactivation_needs_a_reason_of_10_to_500_characters_and_the_password_r_del_1(
    client: Any, token: str, body: dict[str, Any], fields: set[str]
) -> None:
    answer = account_post(client, token, "deactivation", body)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert set(answer.error["fields"]) == fields
    assert user_item()["status"]["S"] == "ACTIVE"


def test_deactivation_refuses_a_wrong_password_and_counts_it_r_del_1(
    client: Any, token: str
) -> None:
    answer = account_post(client, token, "deactivation", {"reason": REASON, "password": WRONG})
    assert answer.status == 401
    assert answer.error["code"] == "INVALID_CREDENTIALS"
    item = user_item()
    assert item["status"]["S"] == "ACTIVE"
    assert len(item["failed_logins"]["L"]) == 1


def test_deactivation_releases_document_and_email_and_keeps_the_id_r_del_2(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    answer = account_post(client, token, "deactivation", {"reason": REASON, "password": PASSWORD})
    assert answer.status == 200
    assert answer.body == {"status": "DEACTIVATED"}

    item = user_item()  # nothing is deleted
    assert item["status"]["S"] == "DEACTIVATED"
    assert item["deactivation_reason"]["S"] == REASON
    assert item["deactivated_at"]["S"]
    assert item["name"]["S"] == profile["name"]
    document = f"DOC#CEDULA#{profile['document_number']}"
    assert claim_owner(document) is None
    assert claim_owner(f"EMAIL#{profile['email']}") is None
    assert claim_owner("USERID#juan.perez1") == "juan.perez1"

    (mail,) = [m for m in mails_to(profile["email"]) if "baja" in m.subject]
    assert "juan.perez1" in mail.body
    (event,) = audit_events("DEACTIVATED")
    assert event["detail"]["S"] == REASON

    # The same person registers a new ID with the same document and e-mail …
    clock.advance(60)
    again = register(
        client,
        7,
        document_number=profile["document_number"],
        email=profile["email"],
        email_confirmation=profile["email"],
    )
    assert again.status == 201, again.body
    # … but the old ID stays taken forever.
    availability = post(client, "/v1/registration/user-id-availability", {"user_id": "juan.perez1"})
    assert availability.body == {"available": False}
    taken = register(client, 8, user_id="juan.perez1")
    assert taken.error["code"] == "USER_ID_TAKEN"


def test_deactivation_on_stale_data_releases_nothing_r_mod_7(
    client: Any, token: str, profile: dict[str, Any], clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An e-mail change committed between the session check and the deactivation must not
    leave its new address claimed by a deactivated account."""
    from dataclasses import replace

    from chalicelib.store.sessions import DynamoSessionStore

    assert email_change(client, token, profile, NEW_EMAIL).status == 200
    real_load = DynamoSessionStore.load

    def load_as_before_the_change(self: Any, token_hash: str, user_id: str) -> Any:
        session, user = real_load(self, token_hash, user_id)
        assert user is not None
        return session, replace(user, email=profile["email"], version=profile["version"])

    monkeypatch.setattr(DynamoSessionStore, "load", load_as_before_the_change)
    before = user_item()
    body = {"reason": REASON, "password": PASSWORD}
    answer = account_post(client, token, "deactivation", body)
    assert answer.status == 409
    assert answer.error["code"] == "STALE_UPDATE"
    assert user_item() == before
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez1"


def test_a_deactivated_accounts_data_cannot_be_saved_any_more(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    other = log_in(client).body["token"]
    deactivation = {"reason": REASON, "password": PASSWORD}
    assert account_post(client, token, "deactivation", deactivation).status == 200
    assert put(client, other, update_body(profile, address="Otra 123")).status == 401


def unverify_sender() -> None:
    """SES refuses every mail from now on (moto checks the sender identity)."""
    boto3.client("ses", region_name="us-east-1").delete_identity(
        Identity=get_settings().mail_sender
    )


def test_a_refused_notice_does_not_undo_a_committed_change(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    body = new_email_body(
        profile,
        NEW_EMAIL,
        last_code(NEW_EMAIL),
        current_password=PASSWORD,
        **new_password(NEW_PASSWORD),
    )
    unverify_sender()
    answer = put(client, token, body)
    assert answer.status == 200
    assert answer.body["email"] == NEW_EMAIL
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez1"
    deactivation = {"reason": REASON, "password": NEW_PASSWORD}
    assert account_post(client, token, "deactivation", deactivation).status == 200
    assert user_item()["status"]["S"] == "DEACTIVATED"


# Audit trail (R-MOD-8) --------------------------------------------------------------------------


def test_every_change_is_audited_with_time_address_agent_and_no_secret_r_mod_8(
    client: Any, clock: Any
) -> None:
    token = signed_in(client)
    profile = get_profile(client, token).body
    agent = {"User-Agent": "Mozilla/5.0 (Android 14) Chrome/140"}
    body = update_body(
        profile,
        phone1="022345678",
        fax="022345679",
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        new_password_confirmation=NEW_PASSWORD,
    )
    assert call(client, "PUT", "/v1/account", body, **bearer(token), **agent).status == 200
    clock.advance(61)
    profile = get_profile(client, token).body
    code_answer = post(client, "/v1/account/security-code", {"email": NEW_EMAIL}, **bearer(token))
    assert code_answer.status == 202
    code = last_code(NEW_EMAIL)
    body = new_email_body(profile, NEW_EMAIL, code)
    assert call(client, "PUT", "/v1/account", body, **bearer(token), **agent).status == 200
    deactivation = {"reason": REASON, "password": NEW_PASSWORD}
    assert post(client, "/v1/account/deactivation", deactivation, **bearer(token)).status == 200

    events = audit_events()
    # Events of the same second sort by name; the times never go backwards.
    assert sorted(e["event"]["S"] for e in events) == [
        "DEACTIVATED",
        "EMAIL_CHANGED",
        "LOGGED_IN",
        "PASSWORD_CHANGED",
        "PROFILE_UPDATED",
        "REGISTERED",
    ]
    times = [e["at"]["S"] for e in events]
    assert times == sorted(times)
    updated = next(e for e in events if e["event"]["S"] == "PROFILE_UPDATED")
    assert sorted(updated["fields"]["SS"]) == ["fax", "phone1"]
    assert updated["user_agent"]["S"] == agent["User-Agent"]
    for event in events:
        assert event["at"]["S"].endswith("Z")
        assert event["source_ip"]["S"]
    trail = json.dumps(events)
    session_hashes = [
        i["token_hash"]["S"]
        for i in dynamodb().scan(TableName=get_settings().sessions_table)["Items"]
    ]
    for secret in (PASSWORD, NEW_PASSWORD, code, token, token.rpartition(".")[2], *session_hashes):
        assert secret not in trail
    assert "argon2" not in trail


# The document and the implementation agree (api.md) --------------------------------------------


def test_session_and_account_answers_conform_to_the_openapi_document(
    client: Any, document: dict[str, Any], clock: Any
) -> None:
    assert register(client).status == 201
    sessions = "/v1/sessions"
    assert_conforms(document, sessions, "POST", log_in(client, password=WRONG))
    assert_conforms(document, sessions, "POST", post(client, sessions, {}))
    created = log_in(client)
    assert_conforms(document, sessions, "POST", created)
    token = created.body["token"]

    profile = get_profile(client, token)
    assert_conforms(document, "/v1/account", "GET", profile)
    assert_conforms(document, "/v1/account", "GET", call(client, "GET", "/v1/account"))
    body = update_body(profile.body, address="Conforme 123")
    assert_conforms(document, "/v1/account", "PUT", put(client, token, body))
    assert_conforms(document, "/v1/account", "PUT", put(client, token, body))  # stale
    assert_conforms(
        document, "/v1/account", "PUT", put(client, token, update_body(profile.body, user_id="x"))
    )

    check = "/v1/account/password-check"
    for password in (PASSWORD, WRONG, ""):
        answer = account_post(client, token, "password-check", {"current_password": password})
        assert_conforms(document, check, "POST", answer)

    availability = "/v1/account/email-availability"
    pair = {"email": NEW_EMAIL, "email_confirmation": NEW_EMAIL}
    assert_conforms(
        document, availability, "POST", account_post(client, token, "email-availability", pair)
    )
    code_path = "/v1/account/security-code"
    for _ in range(2):  # 202, then 429
        answer = account_post(client, token, "security-code", {"email": NEW_EMAIL})
        assert_conforms(document, code_path, "POST", answer)

    deactivation = "/v1/account/deactivation"
    for password in (WRONG, PASSWORD):
        answer = account_post(
            client, token, "deactivation", {"reason": REASON, "password": password}
        )
        assert_conforms(document, deactivation, "POST", answer)

    for _ in range(4):
        log_in(client, password=WRONG)
    assert_conforms(document, sessions, "POST", log_in(client, password=WRONG))  # 423
    clock.advance(900)
    assert_conforms(document, sessions, "POST", log_in(client))  # 403
    out = call(client, "DELETE", "/v1/sessions/current", **bearer(token))
    assert_conforms(document, "/v1/sessions/current", "DELETE", out)


def test_log_out_answer_conforms_to_the_openapi_document(
    client: Any, document: dict[str, Any]
) -> None:
    token = signed_in(client)
    out = call(client, "DELETE", "/v1/sessions/current", **bearer(token))
    assert out.status == 204
    assert_conforms(document, "/v1/sessions/current", "DELETE", out)
