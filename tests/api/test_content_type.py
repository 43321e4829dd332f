"""R-HARD-7: a body not declared `Content-Type: application/json` is refused, on every route that
takes a body, before any work (api.md "Additions of the second wave").

A web page can make its visitors' browsers send a cross-site POST without a CORS preflight only
with no content type or one of the three CORS-safelisted ones (text/plain,
application/x-www-form-urlencoded, multipart/form-data). Refusing them all means another site
cannot spend codes, mail or lock-out tries in a visitor's name. The body routes are read from the
app's own routes, so a new one is covered, or this file fails until it has a sample.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.config import DEFAULT_NOTICE_VERSION, get_settings
from chalicelib.wiring import services
from tests.helpers import (
    PASSWORD,
    TOTP_CONFIRM,
    UNDO_LINK,
    USER,
    Answer,
    bearer,
    call,
    dynamodb,
    enable_totp,
    enrol_totp,
    last_code,
    log_in,
    mails_to,
    new_email_body,
    post,
    register,
    registration_body,
    request_code,
    signed_in,
    stored_state,
    totp_challenge,
    totp_code,
)

BODY_METHODS = {"POST", "PUT", "PATCH"}
JSON_ONLY = "Envíe los datos como JSON (Content-Type: application/json)."
NEW_PASSWORD = "Nueva2026clave"

# None: no Content-Type header at all.
NOT_JSON = [
    None,
    "",
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=----x",
]


def body_routes() -> list[tuple[str, str]]:
    from app import app

    return sorted(
        (path, method)
        for path, entries in app.routes.items()
        for method in entries
        if method in BODY_METHODS
    )


def send(
    client: Any, method: str, path: str, body: Any, content_type: str | None, **headers: str
) -> Answer:
    """A request exactly as given: with no Content-Type when `content_type` is None."""
    if content_type is not None:
        headers = {**headers, "Content-Type": content_type}
    response = client.http.request(method, path, headers=headers, body=json.dumps(body).encode())
    text = response.body.decode("utf-8") if response.body else ""
    return Answer(response.status_code, json.loads(text) if text else None, response.headers)


# Samples: for each body route, a body (and headers) that does its work when sent as JSON ------

Sample = tuple[dict[str, Any], dict[str, str]]


def _public(body: dict[str, Any]) -> Callable[[Any], Sample]:
    return lambda client: (body, {})


def _signed_in(make: Callable[[Any, str], dict[str, Any]]) -> Callable[[Any], Sample]:
    def sample(client: Any) -> Sample:
        token = signed_in(client)
        return make(client, token), bearer(token)

    return sample


def _registration(client: Any) -> Sample:
    body = registration_body(2)
    assert request_code(client, body["email"]).status == 202
    return {**body, "security_code": last_code(body["email"])}, {}


def _wrong_log_in(client: Any) -> Sample:
    assert register(client).status == 201
    return {"user_id": "juan.perez1", "password": "Otra2026clave"}, {}


def _profile_change(client: Any, token: str) -> dict[str, Any]:
    profile = call(client, "GET", "/v1/account", **bearer(token)).body
    return {**new_email_body(profile, profile["email"], None), "address": "Nueva 123"}


def _recovery(client: Any) -> Sample:
    assert register(client).status == 201
    answer = post(client, "/v1/password-recovery/security-code", {"user_id": "juan.perez1"})
    assert answer.status == 202, answer.body
    body = {
        "user_id": "juan.perez1",
        "security_code": last_code("juan.perez1@example.com"),
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }
    return body, {}


def _undo(client: Any) -> Sample:
    token = signed_in(client)
    profile = call(client, "GET", "/v1/account", **bearer(token)).body
    address = "juan.nuevo@example.com"
    answer = post(client, "/v1/account/security-code", {"email": address}, **bearer(token))
    assert answer.status == 202, answer.body
    body = new_email_body(profile, address, last_code(address))
    assert call(client, "PUT", "/v1/account", body, **bearer(token)).status == 200
    (link,) = [
        match.group(1)
        for mail in mails_to("juan.perez1@example.com")
        if (match := UNDO_LINK.search(mail.body))
    ]
    return {"token": link}, {}


def _now() -> float:
    """The client fixture's clock (tests/conftest.py), which the TOTP codes are computed at."""
    return float(services().clock())


def _totp_confirmation(client: Any, token: str) -> dict[str, Any]:
    secret = enrol_totp(client, token)
    return {"code": totp_code(secret, _now())}


def _totp_deactivation(client: Any, token: str) -> dict[str, Any]:
    secret, _ = enable_totp(client, token, services().clock)  # type: ignore[arg-type]
    return {"password": PASSWORD, "code": totp_code(secret, _now())}


def _totp_log_in(client: Any) -> Sample:
    secret, _ = enable_totp(client, signed_in(client), services().clock)  # type: ignore[arg-type]
    return {"totp_challenge": totp_challenge(client), "code": totp_code(secret, _now())}, {}


def _acknowledgement(client: Any, token: str) -> dict[str, Any]:
    # Acknowledging the version already acknowledged writes nothing: the account acknowledged an
    # older one.
    dynamodb().update_item(
        TableName=get_settings().users_table,
        Key={"user_id": {"S": USER}},
        UpdateExpression="SET privacy_notice_version = :old",
        ExpressionAttributeValues={":old": {"S": "2020-01-01"}},
    )
    return {"version": DEFAULT_NOTICE_VERSION}


SAMPLES: dict[tuple[str, str], Callable[[Any], Sample]] = {
    ("/v1/registration/user-id-availability", "POST"): _public({"user_id": "ana.torres"}),
    ("/v1/registration/document-availability", "POST"): _public(
        {"document_type": "CEDULA", "document_number": registration_body(5)["document_number"]}
    ),
    ("/v1/registration/email-availability", "POST"): _public(
        {"email": "ana@example.com", "email_confirmation": "ana@example.com"}
    ),
    ("/v1/registration/security-code", "POST"): _public({"email": "ana@example.com"}),
    ("/v1/registration", "POST"): _registration,
    ("/v1/sessions", "POST"): _wrong_log_in,
    ("/v1/account", "PUT"): _signed_in(_profile_change),
    ("/v1/account/password-check", "POST"): _signed_in(
        lambda client, token: {"current_password": "Otra2026clave"}
    ),
    ("/v1/account/email-availability", "POST"): _signed_in(
        lambda client, token: {"email": "ana@example.com", "email_confirmation": "ana@example.com"}
    ),
    ("/v1/account/security-code", "POST"): _signed_in(
        lambda client, token: {"email": "ana@example.com"}
    ),
    ("/v1/account/deactivation", "POST"): _signed_in(
        lambda client, token: {"reason": "Ya no necesito esta cuenta.", "password": PASSWORD}
    ),
    ("/v1/password-recovery/security-code", "POST"): _public({"user_id": "nadie.registrado"}),
    ("/v1/password-recovery", "POST"): _recovery,
    ("/v1/account/email-change/undo", "POST"): _undo,
    ("/v1/account/email-change/confirmation", "POST"): _signed_in(
        lambda client, token: {"password": "Otra2026clave"}
    ),
    # R-SEC-1: no body is needed, but one that is sent is held to the same rule.
    ("/v1/account/sessions/end-others", "POST"): _signed_in(lambda client, token: {}),
    # R-SEC-2: the second factor's routes.
    ("/v1/account/totp", "POST"): _signed_in(lambda client, token: {"password": PASSWORD}),
    (TOTP_CONFIRM, "POST"): _signed_in(_totp_confirmation),
    ("/v1/account/totp/deactivation", "POST"): _signed_in(_totp_deactivation),
    ("/v1/sessions/totp", "POST"): _totp_log_in,
    # R-PRIV-2, R-PRIV-3.
    ("/v1/account/privacy-notice-acknowledgement", "POST"): _signed_in(_acknowledgement),
    ("/v1/account/data-export", "POST"): _signed_in(lambda client, token: {"password": PASSWORD}),
}


def test_every_body_route_of_the_app_has_a_sample_r_hard_7() -> None:
    assert set(SAMPLES) == set(body_routes())


@pytest.mark.parametrize(("path", "method"), body_routes())
def test_a_body_not_declared_json_is_refused_and_changes_nothing_r_hard_7(
    client: Any, path: str, method: str
) -> None:
    body, headers = SAMPLES[(path, method)](client)
    before = stored_state()
    for content_type in NOT_JSON:
        answer = send(client, method, path, body, content_type, **headers)
        assert answer.status == 400, (content_type, answer.body)
        assert answer.body == {"error": {"code": "VALIDATION_ERROR", "message": JSON_ONLY}}
    # No code item, no mail, no lock-out try, no throttle count: nothing at all.
    assert stored_state() == before
    # The same request declared as JSON does its work: the refusals above were not vacuous.
    answer = send(client, method, path, body, "application/json", **headers)
    assert answer.body is None or answer.body.get("error", {}).get("message") != JSON_ONLY
    assert stored_state() != before, answer.body


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_with_or_without_parameters_is_accepted_r_hard_7(
    client: Any, content_type: str
) -> None:
    answer = send(
        client,
        "POST",
        "/v1/registration/user-id-availability",
        {"user_id": "ana.torres"},
        content_type,
    )
    assert (answer.status, answer.body) == (200, {"available": True})


def test_routes_without_a_body_need_no_content_type_r_hard_7(client: Any) -> None:
    token = signed_in(client)
    for path in ("/v1/health", "/v1/catalogs/provinces", "/v1/account"):
        response = client.http.get(path, headers=bearer(token))
        assert response.status_code == 200, (path, response.body)
    response = client.http.delete("/v1/sessions/current", headers=bearer(token))
    assert response.status_code == 204, response.body
    assert log_in(client).status == 201
