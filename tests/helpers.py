"""Request helpers and realistic test data shared by the API tests."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

from stdnum.ec import ci

from chalicelib.domain.records import CONTACT_FIELDS


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, Any]:
        return self.body["error"]


def call(client: Any, method: str, path: str, body: Any = None, **headers: str) -> Answer:
    kwargs: dict[str, Any] = {"headers": {"Content-Type": "application/json", **headers}}
    if body is not None:
        kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
    response = getattr(client.http, method.lower())(path, **kwargs)
    text = response.body.decode("utf-8") if response.body else ""
    return Answer(response.status_code, json.loads(text) if text else None, response.headers)


def post(client: Any, path: str, body: Any = None, **headers: str) -> Answer:
    return call(client, "POST", path, body, **headers)


def cedula(seed: int) -> str:
    """A cédula that passes the modulus-10 check, from Pichincha (17), unique per seed."""
    base = f"17{seed % 10_000_000:07d}"[:9]
    return next(base + str(d) for d in range(10) if ci.is_valid(base + str(d)))


def registration_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body = {
        "user_id": f"juan.perez{n}",
        "document_type": "CEDULA",
        "document_number": cedula(n),
        "name": "Juan Pérez",
        "password": "Clave2026segura",
        "password_confirmation": "Clave2026segura",
        "country": "EC",
        "province": "09",
        "city": "0901",
        "address": "Av. 9 de Octubre 100 y Malecón",
        "phone1": "042345678",
        "phone2": None,
        "mobile_operator": "CLARO",
        "mobile": "0991234567",
        "fax": None,
        "email": f"juan.perez{n}@example.com",
        "email_confirmation": f"juan.perez{n}@example.com",
        "security_code": "",
    }
    body.update(overrides)
    return body


# Two spellings of one address, each pair of which made two accounts before R-HARD-3, and the
# one key both have now: the domain in lower-case punycode, the local part lower-cased.
SAME_ADDRESS = [
    ("same@exämple.com", "same@xn--exmple-cua.com", "same@xn--exmple-cua.com"),
    ("same@exämple.com", "same@exa\u0308mple.com", "same@xn--exmple-cua.com"),  # NFC, NFD
    ("Same@EXÄMPLE.com", "same@xn--exmple-cua.com", "same@xn--exmple-cua.com"),
    ("same@ｅxample.com", "same@example.com", "same@example.com"),  # a full-width letter
    ("same@example。com", "same@example.com", "same@example.com"),  # ideographic full stop
    ("same@ＥＸＡＭＰＬＥ．ＣＯＭ", "Same@example.com", "same@example.com"),
]


def request_code(client: Any, email: str) -> Answer:
    return post(client, "/v1/registration/security-code", {"email": email})


def new_email_body(
    profile: Mapping[str, Any], address: str, code: str | None, /, **changes: Any
) -> dict[str, Any]:
    """PUT /v1/account as the modify form sends it to move the account to `address` (R-MOD-6):
    the contact fields and version as GET /v1/account gave them, the address twice, its code;
    then `changes` (by field name, so positional parameters: "address" is a field too)."""
    return {
        **{name: profile[name] for name in CONTACT_FIELDS},
        "version": profile["version"],
        "keep_email": False,
        "email": address,
        "email_confirmation": address,
        "security_code": code,
        **changes,
    }


def register(client: Any, n: int = 1, **overrides: Any) -> Answer:
    """Request a code for the body's address, read it from the outbox, and register."""
    from tests.conftest import last_code

    body = registration_body(n, **overrides)
    answer = request_code(client, body["email"])
    assert answer.status == 202, answer.body
    body["security_code"] = last_code(body["email"])
    return post(client, "/v1/registration", body)


PASSWORD = "Clave2026segura"


def log_in(client: Any, user_id: str = "juan.perez1", password: str = PASSWORD) -> Answer:
    return post(client, "/v1/sessions", {"user_id": user_id, "password": password})


def bearer(token: str) -> dict[str, str]:
    """Headers for an authenticated call: `call(client, "GET", path, **bearer(token))`."""
    return {"Authorization": f"Bearer {token}"}


def signed_in(client: Any, n: int = 1, **overrides: Any) -> str:
    """Register user n and log in; the session's token."""
    assert register(client, n, **overrides).status == 201
    body = registration_body(n, **overrides)
    answer = log_in(client, body["user_id"], body["password"])
    assert answer.status == 201, answer.body
    return str(answer.body["token"])


@contextmanager
def aws_calls() -> Iterator[list[str]]:
    """Every AWS API call made inside the block, as "service:Operation" (budgets, not speed)."""
    from botocore.client import BaseClient

    calls: list[str] = []
    original = BaseClient._make_api_call

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        calls.append(f"{self.meta.service_model.service_name}:{operation_name}")
        return original(self, operation_name, api_params)

    with patch.object(BaseClient, "_make_api_call", counting):
        yield calls


def stored_state() -> tuple[list[list[str]], int]:
    """Every item of every table and the number of mails sent: all a request could change (for
    tests that prove a refused request did nothing)."""
    import boto3

    from chalicelib.store.models import ALL_MODELS
    from tests.conftest import outbox

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    tables = [
        sorted(
            json.dumps(item, sort_keys=True)
            for item in dynamodb.scan(TableName=model.Meta.table_name)["Items"]
        )
        for model in ALL_MODELS
    ]
    return tables, len(outbox())
