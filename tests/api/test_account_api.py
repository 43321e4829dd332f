"""The logged-in user's account through the API: profile, modification, name correction, audit
trail and the document's promises (R-MOD-1 … R-MOD-3, R-MOD-5, R-MOD-7, R-MOD-8, api.md
"Account"); the password, e-mail change and deactivation have files of their own."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.domain.records import PROFILE_FIELDS
from tests.helpers import (
    NEW_EMAIL,
    NEW_PASSWORD,
    PASSWORD,
    REASON,
    WRONG,
    Answer,
    account_post,
    assert_conforms,
    audit_events,
    aws_calls,
    bearer,
    call,
    dynamodb,
    get_profile,
    last_code,
    log_in,
    new_email_body,
    post,
    put,
    register,
    signed_in,
    update_body,
    user_item,
)

# Profile (R-MOD-1) -------------------------------------------------------------------------------


def test_profile_shows_every_field_of_api_md_and_no_secret_r_mod_1(client: Any, token: str) -> None:
    answer = get_profile(client, token)
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "no-store"
    # R-MAIL-3: whether the address receives mail, and R-SEC-2: whether the account has a
    # second factor (never its secret), beside the profile's fields.
    # And the privacy notice's acknowledgement (api.md "Privacy", R-PRIV-2).
    notice = {"privacy_notice_version", "privacy_notice_current"}
    assert set(answer.body) == {*PROFILE_FIELDS, "email_deliverable", "totp_enabled", *notice}
    assert answer.body["email_deliverable"] is True
    assert answer.body["totp_enabled"] is False
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
    # The one bad field, and in the same answer the code never requested for the new address
    # (R-UX-1).
    assert set(answer.error["fields"]) == {"phone1", "security_code"}
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
