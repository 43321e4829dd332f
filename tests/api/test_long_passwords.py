"""R-HARD-7: a password over 128 characters is refused on every route that takes one, as a field
problem (400 VALIDATION_ERROR), before any argon2 hashing or verification and so before the
lock-out gate: such a request costs no hashing work and tells nothing about the account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from chalicelib.domain import account_forms, errors, forms, passwords, recovery
from chalicelib.store.models import UserModel
from tests.helpers import (
    PASSWORD,
    bearer,
    call,
    last_code,
    log_in,
    post,
    register,
    registration_body,
    request_code,
    signed_in,
    stored_state,
)

TOO_LONG = "La contraseña no puede tener más de 128 caracteres."
LONG = "Clave2026" + "x" * 120  # 129 characters
LONGEST = "Clave2026" + "x" * 119  # 128: still a password (a wrong one here)
NEW_PASSWORD = "Nueva2026clave"
REASON = "Ya no necesito esta cuenta."


@pytest.fixture
def hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every argon2 hash or verification made while the test runs after `hashing.clear()`."""
    calls: list[str] = []

    def counted(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            calls.append(name)
            return original(*args)

        return wrapper

    for name in ("hash_password", "verify_password"):
        monkeypatch.setattr(passwords, name, counted(name, getattr(passwords, name)))
    yield calls


def _account(client: Any) -> dict[str, str]:
    return bearer(signed_in(client))


def _profile(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    profile = call(client, "GET", "/v1/account", **headers).body
    return {**profile, "keep_email": True}


def _recovery_code(client: Any) -> str:
    assert register(client).status == 201
    answer = post(client, "/v1/password-recovery/security-code", {"user_id": "juan.perez1"})
    assert answer.status == 202, answer.body
    return last_code("juan.perez1@example.com")


def _registration(client: Any) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    body = registration_body(2, password=LONG, password_confirmation=LONG)
    assert request_code(client, body["email"]).status == 202
    body["security_code"] = last_code(body["email"])
    return "POST", "/v1/registration", body, {}


def _log_in(client: Any) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    assert register(client).status == 201
    return "POST", "/v1/sessions", {"user_id": "juan.perez1", "password": LONG}, {}


def _log_in_unknown(client: Any) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    return "POST", "/v1/sessions", {"user_id": "nadie.registrado", "password": LONG}, {}


def _password_check(client: Any) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    return "POST", "/v1/account/password-check", {"current_password": LONG}, _account(client)


def _change_with_long_current(client: Any) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    headers = _account(client)
    body = {
        **_profile(client, headers),
        "current_password": LONG,
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }
    return "PUT", "/v1/account", body, headers


def _change_to_long_new(client: Any) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    headers = _account(client)
    body = {
        **_profile(client, headers),
        "current_password": PASSWORD,
        "new_password": LONG,
        "new_password_confirmation": LONG,
    }
    return "PUT", "/v1/account", body, headers


def _long_current_alone(client: Any) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    headers = _account(client)
    body = {**_profile(client, headers), "address": "Nueva 123", "current_password": LONG}
    return "PUT", "/v1/account", body, headers


def _deactivation(client: Any) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    body = {"reason": REASON, "password": LONG}
    return "POST", "/v1/account/deactivation", body, _account(client)


def _recovery(client: Any) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    body = {
        "user_id": "juan.perez1",
        "security_code": _recovery_code(client),
        "new_password": LONG,
        "new_password_confirmation": LONG,
    }
    return "POST", "/v1/password-recovery", body, {}


# (field refused, how to build the request)
CASES = {
    "registration": ("password", _registration),
    "log-in": ("password", _log_in),
    "log-in, unknown ID": ("password", _log_in_unknown),
    "password-check": ("current_password", _password_check),
    "change, current": ("current_password", _change_with_long_current),
    "change, new": ("new_password", _change_to_long_new),
    "change, current alone": ("current_password", _long_current_alone),
    "deactivation": ("password", _deactivation),
    "recovery": ("new_password", _recovery),
}


@pytest.mark.parametrize("case", CASES)
def test_a_password_over_128_characters_is_refused_before_any_hashing_r_hard_7(
    client: Any, hashing: list[str], case: str
) -> None:
    field, build = CASES[case]
    method, path, body, headers = build(client)
    before = stored_state()
    hashing.clear()
    answer = call(client, method, path, body, **headers)
    assert answer.status == 400, answer.body
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert answer.error["fields"][field] == TOO_LONG
    assert hashing == []
    # Nothing written: no failed log-in counted, no code try spent, no account, no mail.
    assert stored_state() == before


def test_a_password_of_128_characters_is_still_verified_r_hard_7(
    client: Any, hashing: list[str]
) -> None:
    """The limit is exactly 128, and the spy above sees a verification when there is one."""
    assert register(client).status == 201
    hashing.clear()
    answer = log_in(client, "juan.perez1", LONGEST)
    assert answer.status == 401, answer.body
    assert answer.error["code"] == "INVALID_CREDENTIALS"
    assert "verify_password" in hashing


def test_long_passwords_never_count_toward_the_lock_out_r_hard_7(client: Any) -> None:
    token = signed_in(client)
    for _ in range(6):  # more than the 5 failures that lock the account (R-AUTH-2)
        assert log_in(client, "juan.perez1", LONG).status == 400
        answer = post(
            client, "/v1/account/password-check", {"current_password": LONG}, **bearer(token)
        )
        assert answer.status == 400
        answer = post(
            client,
            "/v1/account/deactivation",
            {"reason": REASON, "password": LONG},
            **bearer(token),
        )
        assert answer.status == 400
    item = UserModel.get("juan.perez1", consistent_read=True)
    assert (item.failed_logins, item.locked_until) == ([], 0)
    answer = log_in(client)
    assert answer.status == 201, answer.body


# The readers themselves (no AWS): one shared reader of a password field -------------------------

READERS: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
    "log-in": ("password", account_forms.read_login),
    "password-check": (
        "current_password",
        lambda body: account_forms.read_password(body, "current_password"),
    ),
    "deactivation": ("password", account_forms.read_deactivation),
    "recovery": ("new_password", recovery.read_recovery),
    "registration": ("password", forms.read_registration),
}


@pytest.mark.parametrize("reader", READERS)
def test_every_password_reader_refuses_129_characters_and_reads_128_r_hard_7(reader: str) -> None:
    field, read = READERS[reader]
    with pytest.raises(errors.ValidationFailed) as refused:
        read({"user_id": "juan.perez1", field: LONG})
    assert refused.value.fields[field] == TOO_LONG
    try:
        read({"user_id": "juan.perez1", field: LONGEST})
    except errors.ValidationFailed as error:  # for the other fields, missing here
        assert (error.fields or {}).get(field) != TOO_LONG
