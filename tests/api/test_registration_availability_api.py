"""The availability checks of registration through the API: user ID, document and e-mail, and the
reserved IDs (R-REG-1, R-REG-2, R-REG-10, R-HARD-2, api.md "Registration")."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain import (
    reserved_ids,
)
from chalicelib.store.models import CodeModel
from tests.helpers import (
    assert_error,
    aws_calls,
    bearer,
    call,
    cedula,
    counts,
    log_in,
    post,
    register,
    with_code,
    wrong_code,
)

# Availability checks (R-REG-1, R-REG-2, R-REG-10) ------------------------------------------------


def test_user_id_availability_is_true_for_a_free_id(client: Any) -> None:
    answer = post(client, "/v1/registration/user-id-availability", {"user_id": "maria.lopez"})
    assert (answer.status, answer.body) == (200, {"available": True})


def test_user_id_availability_is_false_once_taken_in_any_case(client: Any) -> None:
    assert register(client, 1).status == 201
    for spelling in ("juan.perez1", "JUAN.Perez1", "  Juan.Perez1 "):
        answer = post(client, "/v1/registration/user-id-availability", {"user_id": spelling})
        assert (answer.status, answer.body) == (200, {"available": False})


@pytest.mark.parametrize("user_id", ["abc", "juan perez", ".juan", "juan.", "a" * 21, None])
def test_user_id_availability_refuses_a_malformed_id(client: Any, user_id: Any) -> None:
    answer = post(client, "/v1/registration/user-id-availability", {"user_id": user_id})
    error = assert_error(answer, 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {"user_id"}


def test_document_availability_is_true_then_false_once_registered(client: Any) -> None:
    path = "/v1/registration/document-availability"
    document = {"document_type": "CEDULA", "document_number": cedula(1)}
    assert post(client, path, document).body == {"available": True}
    assert register(client, 1).status == 201
    assert post(client, path, document).body == {"available": False}
    spaced = {"document_type": "cedula", "document_number": f"{cedula(1)[:9]}-{cedula(1)[9]}"}
    assert post(client, path, spaced).body == {"available": False}
    # Another type with the same digits is another document.
    other = {"document_type": "PASAPORTE", "document_number": cedula(1)}
    assert post(client, path, other).body == {"available": True}


def test_passport_availability_ignores_letter_case(client: Any) -> None:
    path = "/v1/registration/document-availability"
    body = {"document_type": "PASAPORTE", "document_number": "ab123456"}
    assert register(client, 1, document_type="PASAPORTE", document_number="AB123456").status == 201
    assert post(client, path, body).body == {"available": False}


@pytest.mark.parametrize(
    ("document_type", "number"),
    [("CEDULA", "1710034066"), ("CEDULA", "2510034065"), ("RUC", "0973370026001")],
)
def test_document_availability_refuses_a_failing_cedula_or_ruc(
    client: Any, document_type: str, number: str
) -> None:
    answer = post(
        client,
        "/v1/registration/document-availability",
        {"document_type": document_type, "document_number": number},
    )
    error = assert_error(answer, 400, "INVALID_DOCUMENT")
    assert set(error["fields"]) == {"document_number"}


def test_document_availability_accepts_the_sri_company_ruc(client: Any) -> None:
    answer = post(
        client,
        "/v1/registration/document-availability",
        {"document_type": "RUC", "document_number": "0993370026001"},
    )
    assert (answer.status, answer.body) == (200, {"available": True})


@pytest.mark.parametrize(
    "body",
    [
        {"document_type": "DNI", "document_number": "1710034065"},
        {"document_type": "PASAPORTE", "document_number": "AB1"},
        {"document_type": "CEDULA"},
        {},
    ],
)
def test_document_availability_refuses_malformed_input(client: Any, body: dict[str, Any]) -> None:
    answer = post(client, "/v1/registration/document-availability", body)
    assert_error(answer, 400, "VALIDATION_ERROR")


def test_email_availability_is_true_then_false_in_any_case(client: Any) -> None:
    path = "/v1/registration/email-availability"
    pair = {"email": "juan.perez1@example.com", "email_confirmation": "juan.perez1@example.com"}
    assert post(client, path, pair).body == {"available": True, "deliverable": True}
    assert register(client, 1).status == 201
    shouted = {"email": "JUAN.PEREZ1@EXAMPLE.COM", "email_confirmation": "Juan.Perez1@Example.com"}
    answer = post(client, path, shouted)
    assert (answer.status, answer.body) == (200, {"available": False, "deliverable": True})


def test_email_availability_refuses_a_mismatched_confirmation(client: Any) -> None:
    answer = post(
        client,
        "/v1/registration/email-availability",
        {"email": "ana@example.com", "email_confirmation": "ana@example.org"},
    )
    error = assert_error(answer, 400, "VALIDATION_ERROR")
    assert set(error["fields"]) == {"email_confirmation"}


def test_email_availability_refuses_an_invalid_address(client: Any) -> None:
    answer = post(
        client,
        "/v1/registration/email-availability",
        {"email": "ana@", "email_confirmation": "ana@"},
    )
    assert "email" in assert_error(answer, 400, "VALIDATION_ERROR")["fields"]


# Reserved IDs (R-HARD-2) -------------------------------------------------------------------------

RESERVED_ANSWER = {"available": False, "reason": "RESERVED", "message": reserved_ids.MESSAGE}


@pytest.mark.parametrize(
    "user_id", ["admin", "Postmaster", "no.reply", "mailer_daemon", "senae", " Soporte ", "root1"]
)
def test_a_reserved_id_is_unavailable_with_its_reason_and_no_aws_call_r_hard_2(
    client: Any, user_id: str
) -> None:
    with aws_calls() as calls:
        answer = post(client, "/v1/registration/user-id-availability", {"user_id": user_id})
    assert (answer.status, answer.body) == (200, RESERVED_ANSWER)
    assert calls == []


def test_registration_with_a_reserved_id_is_409_user_id_taken_before_the_code_r_hard_2(
    client: Any,
) -> None:
    """Reported as the availability check reports it, before the code is tried: a wrong code
    spends no try, and the right one stays usable for another ID."""
    body = with_code(client, 1, user_id="Admin")
    for code in (wrong_code(body["security_code"]), body["security_code"]):
        error = assert_error(
            post(client, "/v1/registration", {**body, "security_code": code}),
            409,
            "USER_ID_TAKEN",
        )
        assert error["fields"] == {"user_id": reserved_ids.MESSAGE}
    assert counts() == {"users": 0, "claims": 0, "audit": 0}
    [code_item] = list(CodeModel.scan())
    assert (code_item.attempts, code_item.used) == (0, False)
    assert post(client, "/v1/registration", {**body, "user_id": "juan.perez1"}).status == 201


def test_log_in_with_a_reserved_id_answers_as_any_unknown_id_r_hard_2(client: Any) -> None:
    with aws_calls() as unknown_calls:
        unknown = log_in(client, "nadie.registrado", "Otra2026clave")
    with aws_calls() as reserved_calls:
        reserved = log_in(client, "admin", "Otra2026clave")
    assert (reserved.status, reserved.body) == (unknown.status, unknown.body)
    assert reserved.error["code"] == "INVALID_CREDENTIALS"
    assert [c.split(":")[1] for c in reserved_calls] == [c.split(":")[1] for c in unknown_calls]


def test_an_account_that_already_holds_a_reserved_id_keeps_working_r_hard_2(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ID registered before the list named it: the list only refuses new registrations."""
    with monkeypatch.context() as before_the_list:
        before_the_list.setattr(reserved_ids, "is_reserved", lambda user_id: False)
        assert register(client, 1, user_id="soporte").status == 201
    answer = log_in(client, "soporte")
    assert answer.status == 201, answer.body
    token = answer.body["token"]
    assert call(client, "GET", "/v1/account", **bearer(token)).body["user_id"] == "soporte"
    answer = post(client, "/v1/registration/user-id-availability", {"user_id": "soporte"})
    assert answer.body == RESERVED_ANSWER
