"""Abuse (issue 6, point 3): throttles per address, per source address and per ID, all 429/423 with
`Retry-After` and all settings; e-mail header injection; oversized bodies; the headers every
answer carries; CORS limited to the stage's origin in prod; one request per thread in the app.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from typing import Any

import boto3
import pytest
from chalice.local import LambdaEventConverter

from chalicelib.config import get_settings
from chalicelib.domain import throttles
from chalicelib.wiring import services
from tests.helpers import (
    PASSWORD,
    ROOT,
    aws_calls,
    bearer,
    call,
    log_in,
    mails_to,
    post,
    python_in_a_fresh_process,
    register,
    registration_body,
    request_code,
    signed_in,
)

CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
DEPLOY_GUIDE = ROOT / "docs" / "deploy.md"
AVAILABILITY = {
    "/v1/registration/user-id-availability": {"user_id": "juan.perez1"},
    "/v1/registration/document-availability": {
        "document_type": "CEDULA",
        "document_number": "1710034065",
    },
    "/v1/registration/email-availability": {
        "email": "juan.perez1@example.com",
        "email_confirmation": "juan.perez1@example.com",
    },
}
HOUR, MINUTE = 3600, 60


def limits(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    monkeypatch.setattr(services(), "settings", replace(services().settings, **changes))


def from_address(monkeypatch: pytest.MonkeyPatch, source_ip: str) -> None:
    """Requests through chalice's local gateway now come from `source_ip`."""
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", source_ip)


def limit_items() -> list[dict[str, Any]]:
    table = get_settings().limits_table
    return boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table)["Items"]


# --- per source address ------------------------------------------------------------------------


def test_codes_requested_from_one_source_address_are_limited_per_hour_r_reg_11(
    client: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits(monkeypatch, code_max_per_hour_per_ip=3)
    token = signed_in(client)  # the first code request from this address
    assert (
        post(
            client, "/v1/account/security-code", {"email": "nuevo@example.org"}, **bearer(token)
        ).status
        == 202
    )
    assert request_code(client, "otra@example.com").status == 202

    # The fourth, to yet another mailbox and by either route, is refused and sends nothing.
    answer = request_code(client, "tercera@example.com")
    account = post(client, "/v1/account/security-code", {"email": "x@example.org"}, **bearer(token))

    now = int(clock())
    wait = (now // HOUR + 1) * HOUR - now
    for refused in (answer, account):
        assert refused.status == 429, refused.body
        assert refused.error["code"] == "TOO_MANY_REQUESTS"
        assert refused.headers["Retry-After"] == str(wait)
        assert "desde su conexión" in refused.error["message"]
    assert mails_to("tercera@example.com") == []
    assert mails_to("x@example.org") == []

    from_address(monkeypatch, "203.0.113.7")
    assert request_code(client, "tercera@example.com").status == 202
    from_address(monkeypatch, "127.0.0.1")
    clock.advance(wait)
    assert request_code(client, "cuarta@example.com").status == 202


def test_availability_checks_from_one_source_address_are_limited_per_minute(
    client: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits(monkeypatch, availability_max_per_minute_per_ip=4)
    token = signed_in(client)
    paths = [*AVAILABILITY.items(), *AVAILABILITY.items()]
    answers = [post(client, path, body) for path, body in paths[:3]]
    answers.append(
        post(
            client,
            "/v1/account/email-availability",
            {"email": "nueva@example.org", "email_confirmation": "nueva@example.org"},
            **bearer(token),
        )
    )
    assert [a.status for a in answers] == [200] * 4

    now = int(clock())
    wait = (now // MINUTE + 1) * MINUTE - now
    for path, body in paths[3:]:
        refused = post(client, path, body)
        assert refused.status == 429, refused.body
        assert refused.error["code"] == "TOO_MANY_REQUESTS"
        assert refused.headers["Retry-After"] == str(wait)
    clock.advance(wait)
    assert post(client, *paths[0]).status == 200


def test_a_source_address_check_costs_one_dynamodb_write_and_none_when_switched_off(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, body = next(iter(AVAILABILITY.items()))
    with aws_calls() as on:
        assert post(client, path, body).status == 200
    assert on == ["dynamodb:UpdateItem", "dynamodb:GetItem"]
    with aws_calls() as malformed:
        assert post(client, path, {"user_id": "x"}).status == 400
    assert malformed == [], "a malformed check must cost no DynamoDB write"

    limits(monkeypatch, rate_limits_per_ip=False)
    with aws_calls() as off:
        answers = [post(client, path, body).status for _ in range(70)]
    assert answers == [200] * 70
    assert set(off) == {"dynamodb:GetItem"}
    with aws_calls() as code_off:
        assert request_code(client, "juan@example.com").status == 202
    assert not [c for c in code_off if c == "dynamodb:UpdateItem"]


def test_per_address_and_per_id_limits_stay_when_source_limits_are_off_r_reg_11_r_auth_2(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits(monkeypatch, rate_limits_per_ip=False)
    assert request_code(client, "juan@example.com").status == 202
    again = request_code(client, "juan@example.com")
    assert again.status == 429
    assert again.headers["Retry-After"] == "60"

    assert register(client).status == 201
    answers = [log_in(client, "juan.perez1", "Incorrecta2026") for _ in range(5)]
    assert answers[-1].status == 423
    assert answers[-1].error["code"] == "ACCOUNT_LOCKED"
    assert answers[-1].headers["Retry-After"] == "900"
    assert log_in(client, "juan.perez1", PASSWORD).status == 423


def test_the_limits_table_keeps_no_source_address_and_forgets_with_the_window(
    client: Any, clock: Any
) -> None:
    for path, body in AVAILABILITY.items():
        assert post(client, path, body).status == 200
    assert request_code(client, "juan@example.com").status == 202

    items = limit_items()
    assert "127.0.0.1" not in json.dumps(items)
    now = int(clock())
    by_kind = {item["key"]["S"].split("#")[0]: item for item in items}
    assert set(by_kind) == {throttles.AVAILABILITY_CHECKS, throttles.CODE_REQUESTS}
    assert by_kind[throttles.AVAILABILITY_CHECKS]["count"] == {"N": "3"}
    minute_end = (now // MINUTE + 1) * MINUTE
    hour_end = (now // HOUR + 1) * HOUR
    assert by_kind[throttles.AVAILABILITY_CHECKS]["expires_at"] == {
        "N": str(minute_end + throttles.EXPIRY_MARGIN_SECONDS)
    }
    assert by_kind[throttles.CODE_REQUESTS]["expires_at"] == {
        "N": str(hour_end + throttles.EXPIRY_MARGIN_SECONDS)
    }


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", True),
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("203.0.113.7", "::ffff:203.0.113.7", True),
        ("203.0.113.7", "203.0.113.8", False),
    ],
)
def test_an_ipv6_client_is_limited_by_its_64_network_not_by_each_address(
    client: Any, monkeypatch: pytest.MonkeyPatch, first: str, second: str, shared: bool
) -> None:
    limits(monkeypatch, availability_max_per_minute_per_ip=1)
    path, body = next(iter(AVAILABILITY.items()))
    from_address(monkeypatch, first)
    assert post(client, path, body).status == 200
    from_address(monkeypatch, second)
    assert post(client, path, body).status == (429 if shared else 200)


# --- every limit is a setting, documented, and reaches `make run` ------------------------------

LIMIT_SETTINGS = {
    "SECURITY_CODE_MAX_ATTEMPTS": "security_code_max_attempts",
    "CODE_RESEND_SECONDS": "code_resend_seconds",
    "CODE_MAX_PER_HOUR": "code_max_per_hour",
    "CODE_MAX_PER_HOUR_PER_IP": "code_max_per_hour_per_ip",
    "AVAILABILITY_MAX_PER_MINUTE_PER_IP": "availability_max_per_minute_per_ip",
    "RATE_LIMITS_PER_IP": "rate_limits_per_ip",
    "LOGIN_MAX_FAILURES": "login_max_failures",
    "LOGIN_FAILURE_WINDOW_SECONDS": "login_failure_window_seconds",
    "LOGIN_LOCK_SECONDS": "login_lock_seconds",
    "MAX_BODY_BYTES": "max_body_bytes",
}


def fresh_settings() -> Any:
    return get_settings.__wrapped__()


def test_every_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for number, name in enumerate(LIMIT_SETTINGS, start=7):
        monkeypatch.setenv(name, "off" if name == "RATE_LIMITS_PER_IP" else str(number))
    settings = fresh_settings()
    for number, (name, attribute) in enumerate(LIMIT_SETTINGS.items(), start=7):
        expected = False if name == "RATE_LIMITS_PER_IP" else number
        assert getattr(settings, attribute) == expected, name
    for value, expected in [("on", True), ("true", True), ("0", False), ("", True)]:
        monkeypatch.setenv("RATE_LIMITS_PER_IP", value)
        assert fresh_settings().rate_limits_per_ip is expected, value


def documented_defaults() -> dict[str, str]:
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", DEPLOY_GUIDE.read_text(), re.M)
    return {name: value.strip().strip("`") for name, value in rows}


def test_every_limit_is_documented_with_its_real_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LIMIT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    defaults = fresh_settings()
    documented = documented_defaults()
    for name, attribute in LIMIT_SETTINGS.items():
        assert name in documented, f"{name} is missing from docs/deploy.md's configuration table"
        value = getattr(defaults, attribute)
        if isinstance(value, bool):
            assert documented[name] == ("on" if value else "off"), name
        else:
            assert documented[name] == str(value), name


def test_make_run_passes_the_limit_settings_to_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    from devstack.run import local_environment

    chosen = {
        "RATE_LIMITS_PER_IP": "off",
        "CODE_MAX_PER_HOUR_PER_IP": "7",
        "LOGIN_LOCK_SECONDS": "60",
    }
    for name, value in chosen.items():
        monkeypatch.setenv(name, value)
    env = local_environment("http://127.0.0.1:5000", "http://127.0.0.1:8080")
    assert {name: env[name] for name in chosen} == chosen
    # The local stage's own variables, which would win, set none of the limits.
    assert not set(CONFIG["stages"]["local"]["environment_variables"]) & set(LIMIT_SETTINGS)


# --- e-mail header injection --------------------------------------------------------------------

INJECTED_ADDRESSES = [
    "juan@example.com\r\nBcc: victima@example.org",
    "juan@example.com\nBcc: victima@example.org",
    "juan@example.com\rBcc: victima@example.org",
    "juan\r\n@example.com",
    "juan@example.com\u0085Bcc: victima@example.org",
    "juan@example.com\u2028Bcc: victima@example.org",
    "Juan <juan@example.com>",
    "juan@example.com, victima@example.org",
    "juan@example.com;victima@example.org",
    "juan@example.com\x00victima@example.org",
]


@pytest.mark.parametrize("address", INJECTED_ADDRESSES)
def test_an_address_carrying_headers_or_several_recipients_is_refused_before_any_mail(
    client: Any, address: str
) -> None:
    with aws_calls() as calls:
        code = request_code(client, address)
        pair = post(
            client,
            "/v1/registration/email-availability",
            {"email": address, "email_confirmation": address},
        )
        form = post(
            client,
            "/v1/registration",
            registration_body(1, email=address, email_confirmation=address, security_code="X"),
        )
    for answer in (code, pair, form):
        assert answer.status == 400, answer.body
        assert answer.error["code"] == "VALIDATION_ERROR"
        assert "email" in answer.error["fields"]
    # The registration's one refusal read names the other fields' taken claims (R-UX-1); the
    # address is read nowhere and no mail goes out.
    assert calls == ["dynamodb:BatchGetItem"], "a refused address reached DynamoDB or SES"


@pytest.mark.parametrize("address", INJECTED_ADDRESSES[:3])
def test_the_account_routes_refuse_injected_addresses_too(client: Any, address: str) -> None:
    token = signed_in(client)
    for path in ("/v1/account/security-code", "/v1/account/email-availability"):
        answer = post(
            client, path, {"email": address, "email_confirmation": address}, **bearer(token)
        )
        assert answer.status == 400, answer.body
        assert "email" in answer.error["fields"]


def test_a_line_break_never_reaches_a_stored_name_or_address(client: Any) -> None:
    refused = post(
        client,
        "/v1/registration",
        registration_body(1, name="Juan\r\nBcc: victima@example.org", security_code="X"),
    )
    assert refused.status == 400
    assert "name" in refused.error["fields"]
    answer = register(client, name="Juan\r\nPérez", address="Av. Amazonas\r\nN24 y Colón")
    assert answer.status == 201, answer.body
    token = log_in(client).body["token"]
    profile = call(client, "GET", "/v1/account", **bearer(token)).body
    assert profile["name"] == "Juan Pérez"
    assert profile["address"] == "Av. Amazonas N24 y Colón"


# --- body size, headers, CORS ------------------------------------------------------------------


def app_routes() -> list[tuple[str, str]]:
    from app import app

    return sorted((path, method) for path, entries in app.routes.items() for method in entries)


def concrete(path: str) -> str:
    return path.replace("{code}", "09")


@pytest.mark.parametrize(("path", "method"), [r for r in app_routes() if r[1] in {"POST", "PUT"}])
def test_a_body_over_64_kib_is_refused_with_400_and_no_work(
    client: Any, path: str, method: str
) -> None:
    token = signed_in(client, 90)
    oversized = json.dumps({"user_id": "a" * (64 * 1024)})
    with aws_calls() as calls:
        answer = call(client, method, path, oversized, **bearer(token))
    assert answer.status == 400, answer.body
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert "64 KiB" in answer.error["message"]
    # At most the session check of an authenticated route ran before the refusal.
    assert calls in ([], ["dynamodb:BatchGetItem"])


# api.md: the catalogues, the contract and the privacy notice (R-PRIV-1) are public and cacheable.
PUBLIC_CACHE = {"/v1/openapi.json", "/v1/catalogs", "/v1/privacy-notice"}


def test_every_answer_says_nosniff_and_only_public_data_may_be_cached(client: Any) -> None:
    token = signed_in(client, 91)
    for path, method in app_routes():
        for headers in ({}, bearer(token), bearer("juan.perez91." + "A" * 43)):
            body: dict[str, Any] | None = None if method in {"GET", "DELETE"} else {}
            answer = call(client, method, concrete(path), body, **headers)
            assert answer.headers.get("X-Content-Type-Options") == "nosniff", (path, method)
            cache = answer.headers.get("Cache-Control")
            if path.startswith(tuple(PUBLIC_CACHE)) and answer.status == 200:
                assert cache and cache.startswith("public"), (path, cache)
            else:
                assert cache == "no-store", (path, method, answer.status, cache)


def test_every_gateway_answer_says_nosniff_and_no_store() -> None:
    template = json.loads((ROOT / "infra" / "resources.json").read_text())
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    answers = body["x-amazon-apigateway-gateway-responses"]
    assert answers
    for kind, answer in answers.items():
        headers = answer["responseParameters"]
        assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'", kind
        assert headers["gatewayresponse.header.Cache-Control"] == "'no-store'", kind


def test_prod_allows_only_its_own_origin() -> None:
    origin = CONFIG["stages"]["prod"]["environment_variables"]["CORS_ORIGIN"]
    assert origin.startswith("https://") and "*" not in origin
    script = (
        "from chalice.test import Client\n"
        "from app import app\n"
        "with Client(app) as c:\n"
        "    r = c.http.get('/v1/catalogs/document-types', headers={'Origin': 'https://evil.example'})\n"
        "print(r.headers.get('Access-Control-Allow-Origin'))\n"
    )
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in CONFIG["stages"]["dev"]["environment_variables"]
        },
        **CONFIG["stages"]["prod"]["environment_variables"],
    }
    assert python_in_a_fresh_process(script, env) == origin


def test_every_test_security_md_cites_exists() -> None:
    """SECURITY.md names a proof for each control; a renamed or deleted test must not leave a
    claim without one."""
    cited = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", (ROOT / "SECURITY.md").read_text())
    assert len(cited) > 20
    for path, name in cited:
        source = (ROOT / path).read_text()
        assert not name or re.search(rf"^def {name}\(", source, re.M), f"{path}::{name}"
