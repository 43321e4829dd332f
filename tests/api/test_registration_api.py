"""Sign-up through the API (api.md "Registration", R-REG-1 … R-REG-14, R-GEN-1, R-GEN-4), with
chalice.test.Client against moto's in-process DynamoDB and SES; the availability checks and the
security codes have files of their own."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain import (
    errors,
    fields,
    passwords,
    security_codes,
)
from chalicelib.store.models import AuditModel, ClaimModel, CodeModel, UserModel
from chalicelib.wiring import services
from tests.helpers import (
    CODE_SUBJECT,
    SAME_ADDRESS,
    FakeClock,
    assert_error,
    aws_calls,
    call,
    cedula,
    claims,
    counts,
    last_code,
    mails_to,
    outbox,
    post,
    register,
    registration_body,
    request_code,
    with_code,
)

POST_ROUTES = [
    "/v1/registration/user-id-availability",
    "/v1/registration/document-availability",
    "/v1/registration/email-availability",
    "/v1/registration/security-code",
    "/v1/registration",
]


# Registration (R-REG-1 … R-REG-14) ---------------------------------------------------------------


def test_registration_answers_201_with_id_mailbox_and_status(client: Any) -> None:
    body = with_code(client, 1, user_id="Juan.Perez1")
    answer = post(client, "/v1/registration", body)
    assert answer.status == 201
    assert answer.body == {
        "user_id": "juan.perez1",
        "senae_email": "juan.perez1@correo.aduana.gob.ec",
        "status": "ACTIVE",
    }


def test_registration_stores_the_normalised_profile(client: Any) -> None:
    body = with_code(
        client,
        1,
        user_id=" Juan.Perez1 ",
        name="  juan   Pérez ",
        phone1="04-234-5678",
        email="Juan.Perez1@EXAMPLE.com",
        email_confirmation="juan.perez1@example.COM",
    )
    assert post(client, "/v1/registration", body).status == 201
    user = UserModel.get("juan.perez1")
    assert (user.name, user.phone1, user.email) == (
        "juan Pérez",
        "042345678",
        "Juan.Perez1@example.com",
    )
    assert (user.province, user.city, user.status, user.version) == ("09", "0901", "ACTIVE", 1)
    assert user.senae_email == "juan.perez1@correo.aduana.gob.ec"
    assert claims() == {
        "USERID#juan.perez1": "juan.perez1",
        f"DOC#CEDULA#{cedula(1)}": "juan.perez1",
        "EMAIL#juan.perez1@example.com": "juan.perez1",
    }
    [audit] = list(AuditModel.scan())
    assert (audit.user_id, audit.event) == ("juan.perez1", "REGISTERED")


def test_registration_of_a_foreigner_needs_no_province_or_city(client: Any) -> None:
    body = with_code(client, 1, country="PE", province=None, city=None, mobile_operator=None)
    body["mobile"] = None
    assert post(client, "/v1/registration", body).status == 201
    user = UserModel.get("juan.perez1")
    assert user.country == "PE"
    assert user.province is None and user.city is None and user.mobile is None


def test_registered_account_can_log_in_at_once_with_its_password(client: Any) -> None:
    """R-GEN-4: approval is automatic; the password is stored as an argon2id hash."""
    assert register(client, 1).status == 201
    stored = UserModel.get("juan.perez1").password_hash
    assert stored.startswith("$argon2id$")
    assert "Clave2026segura" not in stored
    assert passwords.verify_password(stored, "Clave2026segura")
    assert not passwords.verify_password(stored, "Clave2026Segura")


def test_welcome_mail_states_id_and_mailbox_and_never_the_password(client: Any) -> None:
    assert register(client, 1).status == 201
    mails = mails_to("juan.perez1@example.com")
    assert len(mails) == 2 and mails[0].subject == CODE_SUBJECT
    welcome = mails[-1]
    assert welcome.subject != CODE_SUBJECT
    assert "juan.perez1" in welcome.body
    assert "juan.perez1@correo.aduana.gob.ec" in welcome.body
    assert "Clave2026segura" not in welcome.body + welcome.subject


def test_registration_reports_every_bad_field_at_once(client: Any) -> None:
    body = registration_body(
        1,
        user_id="x",
        name="J2",
        password="corta",
        password_confirmation="otra",
        province="99",
        address="Av",
        phone1="12345",
        mobile="123",
        email="ana@",
        email_confirmation="otra@example.com",
    )
    del body["document_number"]
    error = assert_error(post(client, "/v1/registration", body), 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {
        "user_id",
        "document_number",
        "name",
        "password",
        "password_confirmation",
        "province",
        "address",
        "phone1",
        "mobile",
        "email",
        "email_confirmation",
        "security_code",  # empty: R-UX-1 names it in the same answer
    }
    assert all(isinstance(message, str) and message for message in error["fields"].values())


def test_registration_requires_every_mandatory_field(client: Any) -> None:
    error = assert_error(post(client, "/v1/registration", {}), 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {
        "user_id",
        "document_type",
        "document_number",
        "name",
        "password",
        "password_confirmation",
        "country",
        "address",
        "phone1",
        "email",
        "email_confirmation",
        "security_code",  # the empty form lists «Ingrese código de seguridad» too (R-UX-1)
        "privacy_notice_version",  # the notice's checkbox, unticked (R-PRIV-2)
    }
    assert error["fields"]["security_code"] == errors.SecurityCodeRequired.default_message


def test_registration_refuses_a_password_equal_to_the_id_or_document(client: Any) -> None:
    body = registration_body(1, password="Juan.Perez1", password_confirmation="Juan.Perez1")
    body["user_id"] = "juan.perez1"
    error = assert_error(post(client, "/v1/registration", body), 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {"password", "security_code"}
    body = registration_body(
        1, document_type="PASAPORTE", document_number="AB1234567", password="ab1234567"
    )
    body["password_confirmation"] = "ab1234567"
    error = assert_error(post(client, "/v1/registration", body), 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {"password", "security_code"}


def test_registration_refuses_a_common_password(client: Any) -> None:
    body = registration_body(1, password="Password123", password_confirmation="Password123")
    error = assert_error(post(client, "/v1/registration", body), 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {"password", "security_code"}


def test_registration_with_only_a_bad_cedula_is_invalid_document(client: Any) -> None:
    body = registration_body(1, document_number="1710034066")
    error = assert_error(post(client, "/v1/registration", body), 400, "INVALID_DOCUMENT")
    assert set(error["fields"]) == {"document_number", "security_code"}


def test_field_checks_come_before_the_security_code(client: Any) -> None:
    body = registration_body(1, phone1="12", security_code="")
    error = assert_error(post(client, "/v1/registration", body), 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {"phone1", "security_code"}


# One round (R-UX-1) ----------------------------------------------------------------------------


def test_a_malformed_field_a_taken_id_and_a_taken_email_are_named_at_once_r_ux_1(
    client: Any,
) -> None:
    assert register(client, 1).status == 201
    body = with_code(client, 2, phone1="12", user_id="juan.perez1")
    body.update(email="juan.perez1@example.com", email_confirmation="juan.perez1@example.com")
    error = assert_error(post(client, "/v1/registration", body), 400, "VALIDATION_ERROR")
    assert error["fields"] == {
        "phone1": error["fields"]["phone1"],
        "user_id": errors.UserIdTaken.default_message,
        "email": errors.EmailTaken.default_message,
        # The first account's address: its code was used, as the code's state says.
        "security_code": security_codes.USED_MESSAGE,
    }


def test_a_409_names_every_taken_field_and_the_first_code_r_ux_1(client: Any) -> None:
    assert register(client, 1).status == 201
    first = registration_body(1)
    body = with_code(client, 2, user_id="juan.perez1", document_number=first["document_number"])
    with aws_calls() as calls:
        error = assert_error(post(client, "/v1/registration", body), 409, "USER_ID_TAKEN")
    assert error["fields"] == {
        "user_id": errors.UserIdTaken.default_message,
        "document_number": errors.DocumentTaken.default_message,
    }
    # The code try, the transaction that lost, one read of every claim, the try given back.
    assert calls.count("dynamodb:BatchGetItem") == 1
    assert "ses:SendEmail" not in calls and "ses:SendRawEmail" not in calls
    # The try was given back: the same code still finishes with another ID and document.
    fixed = {**body, "user_id": "juan.perez2", "document_number": cedula(2)}
    assert post(client, "/v1/registration", fixed).status == 201


def test_a_409_with_id_document_and_email_taken_names_all_three_r_ux_1(client: Any) -> None:
    assert register(client, 1).status == 201
    first = registration_body(1)
    body = with_code(client, 2)
    # Claims taken meanwhile by another account: the code is right and the transaction loses.
    from chalicelib.store.models import ClaimModel as Claim

    for claim in ("USERID#juan.perez2", f"DOC#CEDULA#{body['document_number']}"):
        Claim(claim, owner="otro").save()
    Claim("EMAIL#juan.perez2@example.com", owner="otro").save()
    error = assert_error(post(client, "/v1/registration", body), 409, "USER_ID_TAKEN")
    assert set(error["fields"]) == {"user_id", "document_number", "email"}
    assert first["user_id"] != body["user_id"]


def test_a_refusal_costs_one_read_and_no_code_try_r_ux_1(client: Any) -> None:
    """Every refused registration with fields to fix, a reserved ID or an empty code makes one
    BatchGetItem and counts no try: the right code still works afterwards, 5 times over."""
    assert register(client, 1).status == 201
    body = with_code(client, 2)
    refused = [
        {**body, "phone1": "12"},
        {**body, "user_id": "juan.perez1", "phone1": "12"},
        {**body, "user_id": "admin"},
        {**body, "security_code": ""},
    ]
    for _ in range(2):
        for wrong in refused:
            with aws_calls() as calls:
                answer = post(client, "/v1/registration", wrong)
            assert answer.status in (400, 409), answer.body
            assert calls == ["dynamodb:BatchGetItem"], answer.body
    reserved = post(client, "/v1/registration", {**body, "user_id": "admin"})
    assert_error(reserved, 409, "USER_ID_TAKEN")
    empty = post(client, "/v1/registration", {**body, "security_code": ""})
    assert assert_error(empty, 400, "SECURITY_CODE_REQUIRED")["fields"] == {
        "security_code": errors.SecurityCodeRequired.default_message
    }
    assert post(client, "/v1/registration", body).status == 201


def test_a_success_keeps_its_three_aws_calls_r_ux_1(client: Any) -> None:
    body = with_code(client, 1)
    with aws_calls() as calls:
        assert post(client, "/v1/registration", body).status == 201
    assert len(calls) == 3 and "dynamodb:BatchGetItem" not in calls, calls


def test_an_expired_code_and_a_taken_id_are_named_together_r_ux_1(
    client: Any, clock: FakeClock
) -> None:
    assert register(client, 1).status == 201
    body = with_code(client, 2, user_id="juan.perez1")
    clock.advance(900)
    error = assert_error(post(client, "/v1/registration", body), 400, "SECURITY_CODE_EXPIRED")
    assert set(error["fields"]) == {"user_id", "security_code"}


def test_taken_id_is_409_in_any_case_and_writes_nothing(client: Any) -> None:
    assert register(client, 1).status == 201
    before = counts()
    body = with_code(client, 2, user_id="JUAN.Perez1")
    for _ in range(6):  # more refusals than the code has tries
        assert_error(post(client, "/v1/registration", body), 409, "USER_ID_TAKEN")
    assert counts() == before == {"users": 1, "claims": 3, "audit": 1}
    assert set(claims().values()) == {"juan.perez1"}
    # The code was not consumed, nor its tries spent: the person picks another ID and finishes.
    answer = post(client, "/v1/registration", {**body, "user_id": "juan.perez2"})
    assert answer.status == 201


def test_taken_document_is_409_and_writes_nothing(client: Any) -> None:
    assert register(client, 1).status == 201
    spaced = f"{cedula(1)[:3]} {cedula(1)[3:9]}-{cedula(1)[9]}"
    body = with_code(client, 2, document_number=spaced)
    assert_error(post(client, "/v1/registration", body), 409, "DOCUMENT_TAKEN")
    assert counts() == {"users": 1, "claims": 3, "audit": 1}
    assert set(claims().values()) == {"juan.perez1"}


def test_email_taken_meanwhile_is_409_and_writes_nothing(client: Any) -> None:
    """Someone else's account took the address after this person's code was mailed."""
    body = with_code(client, 1)
    ClaimModel("EMAIL#juan.perez1@example.com", owner="otro.usuario").save()
    assert_error(post(client, "/v1/registration", body), 409, "EMAIL_TAKEN")
    assert counts() == {"users": 0, "claims": 1, "audit": 0}


def test_id_conflict_is_reported_before_document_and_email(client: Any) -> None:
    assert register(client, 1).status == 201
    body = with_code(client, 2, user_id="juan.perez1", document_number=cedula(1))
    ClaimModel("EMAIL#juan.perez2@example.com", owner="otro.usuario").save()
    assert_error(post(client, "/v1/registration", body), 409, "USER_ID_TAKEN")


# One canonical address; throttles by mailbox (R-HARD-3) -------------------------------------------

NO_ACCOUNTS = {"users": 0, "claims": 0, "audit": 0}


def email_pair(address: str) -> dict[str, str]:
    return {"email": address, "email_confirmation": address}


@pytest.mark.parametrize(("first", "second", "key"), SAME_ADDRESS)
def test_a_second_spelling_of_a_registered_address_is_unavailable_r_hard_3(
    client: Any, first: str, second: str, key: str
) -> None:
    body = with_code(client, 1, **email_pair(first))
    assert post(client, "/v1/registration", body).status == 201
    assert claims()[f"EMAIL#{key}"] == "juan.perez1"
    answer = post(client, "/v1/registration/email-availability", email_pair(second))
    assert (answer.status, answer.body) == (200, {"available": False, "deliverable": True})
    assert_error(request_code(client, second), 409, "EMAIL_TAKEN")


@pytest.mark.parametrize(("first", "second", "key"), SAME_ADDRESS)
def test_a_second_spelling_registered_meanwhile_is_email_taken_r_hard_3(
    client: Any, first: str, second: str, key: str
) -> None:
    """The account of `first` committed after the code of `second` was mailed: the claim the
    registration writes is the same one."""
    body = with_code(client, 2, **email_pair(second))
    ClaimModel(f"EMAIL#{key}", owner="juan.perez1").save()
    assert_error(post(client, "/v1/registration", body), 409, "EMAIL_TAKEN")
    assert counts() == {"users": 0, "claims": 1, "audit": 0}


def test_the_stored_and_mailed_address_has_the_ascii_domain_ses_delivers_to_r_hard_3(
    client: Any,
) -> None:
    body = registration_body(1, **email_pair("Same@Exämple.com"))
    assert request_code(client, body["email"]).status == 202
    [mail] = outbox()
    assert mail.destinations["ToAddresses"] == ["Same@xn--exmple-cua.com"]
    body["security_code"] = last_code("Same@xn--exmple-cua.com")
    assert post(client, "/v1/registration", body).status == 201
    assert UserModel.get("juan.perez1").email == "Same@xn--exmple-cua.com"
    assert claims()["EMAIL#same@xn--exmple-cua.com"] == "juan.perez1"


@pytest.mark.parametrize(
    "address", ["jos\u00e9@example.com", "jose\u0301@example.com", "ａna@x.ec"]
)
def test_an_address_whose_local_part_is_not_ascii_is_refused_before_any_aws_call_r_hard_3(
    client: Any, address: str
) -> None:
    with aws_calls() as calls:
        answers = [
            post(client, "/v1/registration/email-availability", email_pair(address)),
            request_code(client, address),
            post(client, "/v1/registration", registration_body(1, **email_pair(address))),
        ]
    for answer in answers:
        error = assert_error(answer, 400, "VALIDATION_ERROR")
        assert error["fields"]["email"] == fields.NON_ASCII_LOCAL_PART
    # Only the registration's one refusal read of the other claims (R-UX-1); the address itself
    # is never a key.
    assert calls == ["dynamodb:BatchGetItem"]


def test_tagged_addresses_share_the_code_budget_of_their_mailbox_r_hard_3(
    client: Any, clock: FakeClock
) -> None:
    """`ana+0@` … `ana+4@` within a minute: one code; after that, five an hour between them."""
    answers = [request_code(client, f"ana+{n}@x.ec") for n in range(5)]
    assert [answer.status for answer in answers] == [202, 429, 429, 429, 429]
    assert all(a.error["code"] == "TOO_MANY_REQUESTS" for a in answers[1:])
    assert len(outbox()) == 1
    for n in range(1, 5):
        clock.advance(60)
        assert request_code(client, f"ana+{n}@x.ec").status == 202
    clock.advance(60)
    for address in ("ana+5@x.ec", "ana@x.ec", "ANA+0@X.EC"):
        answer = request_code(client, address)
        assert_error(answer, 429, "TOO_MANY_REQUESTS")
        assert answer.headers["Retry-After"] == str(3600 - 300)
    assert len(outbox()) == 5


def test_a_tagged_code_request_costs_one_read_one_put_and_one_mail_r_hard_3(client: Any) -> None:
    """The mailbox's budget and the address's claim come in the one BatchGetItem; the
    UpdateItem is the source address's counter (RATE_LIMITS_PER_IP)."""
    with aws_calls() as calls:
        assert request_code(client, "ana+1@x.ec").status == 202
    assert calls == [
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "ses:SendEmail",
    ]


def test_a_code_mailed_to_a_tagged_address_does_not_register_another_r_hard_3(
    client: Any,
) -> None:
    body = with_code(client, 1, **email_pair("ana+1@x.ec"))
    for other in ("ana@x.ec", "ana+2@x.ec"):
        answer = post(client, "/v1/registration", {**body, **email_pair(other)})
        assert_error(answer, 400, "SECURITY_CODE_NOT_REQUESTED")
    assert counts() == NO_ACCOUNTS
    [code_item] = list(CodeModel.scan())
    assert (code_item.attempts, code_item.used) == (0, False)
    assert post(client, "/v1/registration", body).status == 201


def test_a_request_for_a_tagged_address_replaces_the_code_of_its_mailbox_r_hard_3(
    client: Any, clock: FakeClock
) -> None:
    """A new request replaces the previous code (R-REG-11), and the mailbox has one."""
    plain = with_code(client, 1, **email_pair("ana@x.ec"))
    clock.advance(60)
    tagged = with_code(client, 1, **email_pair("ana+1@x.ec"))
    assert_error(post(client, "/v1/registration", plain), 400, "SECURITY_CODE_NOT_REQUESTED")
    assert post(client, "/v1/registration", tagged).status == 201


def test_uniqueness_stays_by_the_exact_address_with_its_tag_r_hard_3(
    client: Any, clock: FakeClock
) -> None:
    assert (
        post(client, "/v1/registration", with_code(client, 1, **email_pair("ana@x.ec"))).status
        == 201
    )
    clock.advance(60)
    tagged = with_code(client, 2, **email_pair("Ana+1@x.ec"))
    assert post(client, "/v1/registration", tagged).status == 201
    assert claims()["EMAIL#ana@x.ec"] == "juan.perez1"
    assert claims()["EMAIL#ana+1@x.ec"] == "juan.perez2"


# Malformed requests: 400 in the error shape, never a 500 (api.md "Statuses") ------------------


MALFORMED_BODIES = {
    "not json": "not json",
    "truncated json": '{"user_id": "juan',
    "json array": "[1, 2]",
    "json string": '"juan.perez"',
    "json number": "42",
    "json null": "null",
    "empty body": "",
    "invalid utf-8": b'{"user_id": "\xff\xfe"}',
    "deep nesting": "[" * 20_000 + "]" * 20_000,
    "nested object": '{"":' * 13_000 + "1" + "}" * 13_000,
    "lone surrogate": '{"user_id": "\\ud800juan", "email": "a\\udfff@example.com"}',
    "huge integer": '{"user_id": ' + "9" * 5000 + "}",
}


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize("name", list(MALFORMED_BODIES))
def test_malformed_body_is_400_in_the_error_shape(client: Any, path: str, name: str) -> None:
    answer = post(client, path, MALFORMED_BODIES[name])
    assert_error(answer, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("path", POST_ROUTES)
def test_body_over_64_kib_is_refused(client: Any, path: str) -> None:
    body = json.dumps({"user_id": "juan.perez", "address": "x" * (64 * 1024)})
    assert_error(post(client, path, body), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/x-www-form-urlencoded", "image/png"],
)
def test_wrong_content_type_is_refused_in_the_error_shape(
    client: Any, path: str, content_type: str
) -> None:
    answer = post(
        client, path, json.dumps({"user_id": "juan.perez"}), **{"Content-Type": content_type}
    )
    assert_error(answer, 400, "VALIDATION_ERROR")


def test_json_with_charset_is_accepted(client: Any) -> None:
    answer = post(
        client,
        "/v1/registration/user-id-availability",
        {"user_id": "juan.perez"},
        **{"Content-Type": "application/json; charset=utf-8"},
    )
    assert (answer.status, answer.body) == (200, {"available": True})


@pytest.mark.parametrize(
    "field", ["user_id", "document_number", "name", "email", "phone1", "province", "password"]
)
@pytest.mark.parametrize("value", [123, 1.5, True, ["x"], {"x": 1}])
def test_wrongly_typed_field_is_reported_for_that_field(
    client: Any, field: str, value: Any
) -> None:
    body = registration_body(1, **{field: value})
    error = assert_error(post(client, "/v1/registration", body), 400, "VALIDATION_ERROR")
    assert field in error["fields"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/registration/user-id-availability", {"user_id": 42}),
        ("/v1/registration/document-availability", {"document_type": [], "document_number": 1}),
        ("/v1/registration/email-availability", {"email": 1, "email_confirmation": None}),
        ("/v1/registration/security-code", {"email": {"a": "b"}}),
    ],
)
def test_wrongly_typed_availability_input_is_400(
    client: Any, path: str, body: dict[str, Any]
) -> None:
    assert_error(post(client, path, body), 400, "VALIDATION_ERROR")


def test_lone_surrogates_in_code_or_password_are_400_not_500(client: Any) -> None:
    """A JSON "\\ud800" escape passes every field rule but cannot be hashed."""
    body = with_code(client, 1)
    for fields_ in (
        {"security_code": "ABCD\\ud800EFG"},
        {"password": "Clave2026\\udc00x", "password_confirmation": "Clave2026\\udc00x"},
    ):
        raw = json.dumps({**body, **dict.fromkeys(fields_, "@@")})
        for value in fields_.values():
            raw = raw.replace('"@@"', f'"{value}"', 1)
        assert "@@" not in raw and "\\ud" in raw
        answer = post(client, "/v1/registration", raw)
        assert_error(answer, 400, "VALIDATION_ERROR")
    assert counts() == {"users": 0, "claims": 0, "audit": 0}
    assert post(client, "/v1/registration", body).status == 201


def test_control_characters_in_fields_are_refused(client: Any) -> None:
    body = registration_body(1, address="Av. 9 de\x00 Octubre", name="Juan\x07 Pérez")
    error = assert_error(post(client, "/v1/registration", body), 400, "VALIDATION_ERROR")
    assert {"address", "name"} <= set(error["fields"])


# Health and configuration -------------------------------------------------------------------------


def test_health_is_ok_when_the_tables_are_reachable(client: Any) -> None:
    answer = call(client, "GET", "/v1/health")
    assert (answer.status, answer.body) == (200, {"status": "ok"})


def test_health_is_503_when_a_table_is_missing(client: Any) -> None:
    boto3.client("dynamodb", region_name="us-east-1").delete_table(
        TableName=get_settings().claims_table
    )
    assert_error(call(client, "GET", "/v1/health"), 503, "SERVICE_UNAVAILABLE")


def test_missing_table_is_503_service_unavailable_not_500(client: Any) -> None:
    boto3.client("dynamodb", region_name="us-east-1").delete_table(
        TableName=get_settings().claims_table
    )
    answer = post(client, "/v1/registration/user-id-availability", {"user_id": "juan.perez"})
    assert_error(answer, 503, "SERVICE_UNAVAILABLE")


@pytest.fixture
def code_ttl_120(client: Any, clock: FakeClock) -> Iterator[None]:
    """SECURITY_CODE_TTL_SECONDS=120, read the way Lambda reads it: once, at the first use.

    Settings and the services are cached per process, so both caches are cleared around the
    test; the values are loaded here, outside any request, because chalice.test.Client exports
    the stage's own SECURITY_CODE_TTL_SECONDS while a request runs.
    """
    previous = os.environ.get("SECURITY_CODE_TTL_SECONDS")
    os.environ["SECURITY_CODE_TTL_SECONDS"] = "120"
    get_settings.cache_clear()
    services.cache_clear()
    services().clock = clock
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SECURITY_CODE_TTL_SECONDS", None)
        else:
            os.environ["SECURITY_CODE_TTL_SECONDS"] = previous
        get_settings.cache_clear()
        services.cache_clear()


def test_code_lifetime_follows_security_code_ttl_seconds(
    client: Any, clock: FakeClock, code_ttl_120: None
) -> None:
    body = registration_body(1)
    answer = request_code(client, body["email"])
    assert answer.body == {"expires_in_seconds": 120, "resend_after_seconds": 60}
    assert "2 minutos" in mails_to(body["email"])[-1].body
    body["security_code"] = last_code(body["email"])
    clock.advance(120)
    assert_error(post(client, "/v1/registration", body), 400, "SECURITY_CODE_EXPIRED")


def test_registration_audit_records_source_ip_and_user_agent_like_every_other_event(
    client: Any,
) -> None:
    """R-MOD-8: the REGISTERED item has the same shape as the account events' items."""
    body = registration_body(7)
    assert request_code(client, body["email"]).status == 202
    body["security_code"] = last_code(body["email"])
    answer = post(client, "/v1/registration", body, **{"User-Agent": "Navegador/1.0"})
    assert answer.status == 201
    [audit] = list(AuditModel.scan())
    assert audit.event == "REGISTERED"
    assert audit.user_agent == "Navegador/1.0"
    assert audit.source_ip
    assert audit.at_event.startswith(f"{audit.at}#REGISTERED#")
