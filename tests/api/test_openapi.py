"""The published OpenAPI document and the app agree (api.md: "its tests check that the
implementation and that document agree"; issue 2, point 8)."""

from __future__ import annotations

import inspect
import json
from typing import Any

from openapi_spec_validator import validate as validate_spec

from chalicelib.domain import errors
from tests.helpers import (
    DOCUMENT,
    PASSWORD,
    assert_conforms,
    bearer,
    call,
    post,
    register,
    registration_body,
    request_code,
    resolve,
    signed_in,
)

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

# Routes that need `Authorization: Bearer` (api.md "Account (authenticated)" and log-out). The
# undo link works without a session: its token is the credential (issue 8).
AUTHENTICATED = {
    ("/v1/sessions/current", "DELETE"),
    ("/v1/account", "GET"),
    ("/v1/account", "PUT"),
    ("/v1/account/password-check", "POST"),
    ("/v1/account/email-availability", "POST"),
    ("/v1/account/security-code", "POST"),
    ("/v1/account/deactivation", "POST"),
    ("/v1/account/email-change/confirmation", "POST"),
    # R-SEC-1: the session list.
    ("/v1/account/sessions", "GET"),
    ("/v1/account/sessions/{session_id}", "DELETE"),
    ("/v1/account/sessions/end-others", "POST"),
    # R-SEC-2: the second factor (its log-in step has no session yet).
    ("/v1/account/totp", "POST"),
    ("/v1/account/totp/confirmation", "POST"),
    ("/v1/account/totp/deactivation", "POST"),
    # R-PRIV-2: the privacy notice's acknowledgement.
    ("/v1/account/privacy-notice-acknowledgement", "POST"),
    ("/v1/account/data-export", "POST"),
}


def documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def implemented_routes() -> set[tuple[str, str]]:
    from app import app

    return {
        (path, method)
        for path, methods in app.routes.items()
        for method in methods
        if method != "OPTIONS"
    }


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method.upper(), operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_openapi_document_is_valid_openapi_3(document: dict[str, Any]) -> None:
    validate_spec(document)
    assert document["openapi"].startswith("3.")


def test_every_route_of_the_app_is_documented(document: dict[str, Any]) -> None:
    undocumented = implemented_routes() - documented_routes(document)
    assert undocumented == set()


def test_every_documented_route_exists(document: dict[str, Any]) -> None:
    assert documented_routes(document) - implemented_routes() == set()


def test_document_describes_every_route_of_api_md(document: dict[str, Any]) -> None:
    expected = {
        ("/v1/catalogs/countries", "GET"),
        ("/v1/catalogs/provinces", "GET"),
        ("/v1/catalogs/provinces/{code}/cities", "GET"),
        ("/v1/catalogs/mobile-operators", "GET"),
        ("/v1/catalogs/document-types", "GET"),
        ("/v1/registration/user-id-availability", "POST"),
        ("/v1/registration/document-availability", "POST"),
        ("/v1/registration/email-availability", "POST"),
        ("/v1/registration/security-code", "POST"),
        ("/v1/registration", "POST"),
        ("/v1/health", "GET"),
        ("/v1/openapi.json", "GET"),
        ("/v1/sessions", "POST"),
        ("/v1/sessions/current", "DELETE"),
        ("/v1/account", "GET"),
        ("/v1/account", "PUT"),
        ("/v1/account/password-check", "POST"),
        ("/v1/account/email-availability", "POST"),
        ("/v1/account/security-code", "POST"),
        ("/v1/account/deactivation", "POST"),
        # The project's additions (issue 8): recovery and the undo of an e-mail change.
        ("/v1/password-recovery/security-code", "POST"),
        ("/v1/password-recovery", "POST"),
        ("/v1/account/email-change/undo", "POST"),
        # R-HARD-9: the owner confirms the change, voiding the pending undo links.
        ("/v1/account/email-change/confirmation", "POST"),
        # R-SEC-1: the session list, ending one and ending the others.
        ("/v1/account/sessions", "GET"),
        ("/v1/account/sessions/{session_id}", "DELETE"),
        ("/v1/account/sessions/end-others", "POST"),
        # R-ABUSE-1: the proof-of-work challenge.
        ("/v1/challenge", "GET"),
        # R-SEC-2: the second factor and the log-in's code step.
        ("/v1/account/totp", "POST"),
        ("/v1/account/totp/confirmation", "POST"),
        ("/v1/account/totp/deactivation", "POST"),
        ("/v1/sessions/totp", "POST"),
        # R-PRIV-1, R-PRIV-2: the privacy notice and its acknowledgement.
        ("/v1/privacy-notice", "GET"),
        ("/v1/account/privacy-notice-acknowledgement", "POST"),
        # R-PRIV-3: «Descargar mis datos».
        ("/v1/account/data-export", "POST"),
    }
    assert documented_routes(document) == expected


def test_every_error_code_of_the_domain_is_documented(document: dict[str, Any]) -> None:
    """One exception type per API error code; a client must find each one in the document.

    Only this direction is enforced: a code may be documented in the same change that adds its
    route, before the exception type lands.
    """
    defined = {
        cls.code
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.ApiError) and cls is not errors.ApiError
    }
    documented = document["components"]["schemas"]["ErrorCode"]["enum"]
    assert len(documented) == len(set(documented))
    assert defined - set(documented) == set()


def test_every_error_answer_has_the_error_shape(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            schema = resolve(document, response)["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)


def test_throttled_and_locked_answers_carry_retry_after(document: dict[str, Any]) -> None:
    seen = set()
    for path, method, operation in operations(document):
        for status in ("423", "429"):
            if status in operation["responses"]:
                response = resolve(document, operation["responses"][status])
                header = resolve(document, response["headers"]["Retry-After"])
                assert header["schema"]["type"] == "integer", (path, method, status)
                seen.add(status)
    assert seen == {"423", "429"}


def test_only_account_routes_and_log_out_require_a_bearer_token(
    document: dict[str, Any],
) -> None:
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    secured = {
        (path, method)
        for path, method, operation in operations(document)
        if operation.get("security", document.get("security")) == [{"bearerAuth": []}]
    }
    assert secured == AUTHENTICATED


def test_every_post_documents_a_json_request_body(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if method in {"POST", "PUT"}:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert resolve(document, schema)["type"] == "object", path


def test_catalogues_document_cache_control(document: dict[str, Any]) -> None:
    for path, _, operation in operations(document):
        if path.startswith("/v1/catalogs/"):
            assert "Cache-Control" in operation["responses"]["200"]["headers"], path


def test_openapi_route_serves_the_document_from_the_repo(client: Any) -> None:
    answer = call(client, "GET", "/v1/openapi.json")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.body == json.loads(DOCUMENT.read_text(encoding="utf-8"))


# The implementation's answers conform to what the document promises -----------------------


def test_catalogue_answers_conform_to_the_document(client: Any, document: dict[str, Any]) -> None:
    for path in (
        "/v1/catalogs/countries",
        "/v1/catalogs/provinces",
        "/v1/catalogs/mobile-operators",
        "/v1/catalogs/document-types",
    ):
        assert_conforms(document, path, "GET", call(client, "GET", path))
    cities = "/v1/catalogs/provinces/{code}/cities"
    assert_conforms(
        document, cities, "GET", call(client, "GET", "/v1/catalogs/provinces/09/cities")
    )
    missing = call(client, "GET", "/v1/catalogs/provinces/99/cities")
    assert missing.status == 404
    assert_conforms(document, cities, "GET", missing)
    assert_conforms(document, "/v1/health", "GET", call(client, "GET", "/v1/health"))


def test_registration_answers_conform_to_the_document(
    client: Any, document: dict[str, Any]
) -> None:
    checks = [
        ("/v1/registration/user-id-availability", {"user_id": "maria.lopez"}),
        ("/v1/registration/user-id-availability", {"user_id": "x"}),
        ("/v1/registration/user-id-availability", {"user_id": "admin"}),
        (
            "/v1/registration/document-availability",
            {"document_type": "CEDULA", "document_number": "1710034065"},
        ),
        (
            "/v1/registration/document-availability",
            {"document_type": "CEDULA", "document_number": "1710034066"},
        ),
        (
            "/v1/registration/email-availability",
            {"email": "a@b.ec", "email_confirmation": "a@b.ec"},
        ),
        (
            "/v1/registration/email-availability",
            {"email": "a@b.ec", "email_confirmation": "c@b.ec"},
        ),
        ("/v1/registration", "not json"),
        ("/v1/registration", registration_body(9, security_code="ABCDEFGH")),
    ]
    for path, body in checks:
        assert_conforms(document, path, "POST", post(client, path, body))

    code_path = "/v1/registration/security-code"
    assert_conforms(document, code_path, "POST", request_code(client, "ana@example.com"))
    again = request_code(client, "ana@example.com")
    assert again.status == 429
    assert_conforms(document, code_path, "POST", again)

    created = register(client, 1)
    assert created.status == 201
    assert_conforms(document, "/v1/registration", "POST", created)
    taken = register(client, 2, user_id="juan.perez1")
    assert taken.status == 409
    assert_conforms(document, "/v1/registration", "POST", taken)
    email_taken = request_code(client, "juan.perez1@example.com")
    assert email_taken.status == 409
    assert_conforms(document, code_path, "POST", email_taken)


def test_user_id_availability_documents_the_reserved_refusal_r_hard_2(
    document: dict[str, Any],
) -> None:
    """api.md "Richer refusals": `reason` RESERVED and a `message`, and nothing else."""
    operation = document["paths"]["/v1/registration/user-id-availability"]["post"]
    content = resolve(document, operation["responses"]["200"])["content"]
    schema = resolve(document, content["application/json"]["schema"])
    assert schema["required"] == ["available"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"available", "reason", "message"}
    assert schema["properties"]["reason"]["enum"] == ["RESERVED"]
    assert schema["properties"]["message"]["type"] == "string"


def test_session_and_account_answers_conform_to_the_document(
    client: Any, document: dict[str, Any]
) -> None:
    token = signed_in(client, 1)
    auth = bearer(token)
    sessions, current = "/v1/sessions", "/v1/sessions/current"
    for body in (
        {"user_id": "juan.perez1", "password": PASSWORD},
        {"user_id": "juan.perez1", "password": "Otra2026clave"},
        "not json",
    ):
        assert_conforms(document, sessions, "POST", post(client, sessions, body))

    profile = call(client, "GET", "/v1/account", **auth)
    assert_conforms(document, "/v1/account", "GET", profile)
    assert_conforms(document, "/v1/account", "GET", call(client, "GET", "/v1/account"))
    for path, body in (
        ("/v1/account/password-check", {"current_password": PASSWORD}),
        ("/v1/account/password-check", {"current_password": "Otra2026clave"}),
        ("/v1/account/email-availability", {"email": "n@example.com", "email_confirmation": "x"}),
        (
            "/v1/account/email-availability",
            {"email": "n@example.com", "email_confirmation": "n@example.com"},
        ),
        ("/v1/account/security-code", {"email": "n@example.com"}),
        ("/v1/account/deactivation", {"reason": "Ya no uso la cuenta.", "password": "Otra2026x"}),
        ("/v1/account/email-change/confirmation", {"password": "Otra2026x"}),
        ("/v1/account/email-change/confirmation", {"password": ""}),
        ("/v1/account/email-change/confirmation", {"password": PASSWORD}),
    ):
        assert_conforms(document, path, "POST", post(client, path, body, **auth))
    editable = ("name", "country", "province", "city", "address", "phone1", "phone2")
    update = {name: profile.body[name] for name in (*editable, "version")}
    for body in ({**update, "keep_email": True}, {**update, "keep_email": True, "user_id": "otro"}):
        assert_conforms(
            document, "/v1/account", "PUT", call(client, "PUT", "/v1/account", body, **auth)
        )
    for _ in range(2):
        assert_conforms(document, current, "DELETE", call(client, "DELETE", current, **auth))
