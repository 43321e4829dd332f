"""One bench process: every api.md route, through `chalice.test.Client` against in-process moto.

    python -m bench.actions --rate-limits on --journeys 21 --out build/bench/on.json

The process configures itself like a deployed `dev` stage (table names, the hash key read from
SSM once per container) but logs at INFO as prod does, to a sink, so that formatting every log
line is part of the measured work. A journey is one person's life: catalogues, availability
checks, a code, registration, log-in, reads, profile save, e-mail and password change, log-out,
log-in, deactivation, then the failed log-ins an attacker would cause. The first journey's
requests are counted (AWS calls and request units); the others are timed with the counting
handlers switched off, so the bench's own bookkeeping never lands in a measured figure.

Writes JSON: one row per request (label, route, status, calls, units, times). The fake clock and
the outbox readers are the tests' own (tests/helpers.py), imported once the environment is set.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from tests.helpers import FakeClock

ROOT = Path(__file__).resolve().parent.parent
STAGE = "dev"
UNDO_LINK = re.compile(r"undo-email\.html\?token=([A-Za-z0-9_%.~-]+)")
HASH_KEY_VALUE = "bench-only-hash-key-0123456789abcdef0123456789abcdef"
# Between two journeys: past every per-address and per-source-address throttle window that a
# journey's two codes and three availability checks could fill.
JOURNEY_GAP_SECONDS = 3 * 3600


def configure_environment(rate_limits: str) -> None:
    stage = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][STAGE]
    os.environ.update(stage["environment_variables"])
    os.environ.update(
        {
            "LOG_LEVEL": "INFO",
            "RATE_LIMITS_PER_IP": rate_limits,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_SESSION_TOKEN": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "HASH_KEY"):
        os.environ.pop(name, None)


class Journey:
    def __init__(self, client: Any, probe: Any, clock: FakeClock, rows: list[dict[str, Any]]):
        self.client = client
        self.probe = probe
        self.clock = clock
        self.rows = rows
        self.phase = "count"

    def call(
        self,
        label: str,
        route: str,
        method: str,
        path: str,
        body: Any = None,
        token: str = "",
        expect: int | tuple[int, ...] = 200,
    ) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        with self.probe.invocation(label) as record:
            response = getattr(self.client.http, method.lower())(path, **kwargs)
        text = response.body.decode("utf-8") if response.body else ""
        answer = json.loads(text) if text else None
        expected = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in expected:
            raise SystemExit(f"{label}: expected {expected}, got {response.status_code}: {text}")
        row = asdict(record)
        row.update(
            route=route,
            phase=self.phase,
            calls=dict(record.calls),
            project_wall=record.project_wall,
            project_cpu=record.project_cpu,
        )
        self.rows.append(row)
        return answer


def undo_token(address: str) -> str:
    """The token of the undo link in the last notice mailed to `address` (the old address)."""
    from tests.helpers import mails_to

    match = UNDO_LINK.search(mails_to(address)[-1].body)
    if not match:
        raise SystemExit(f"no undo link in the last mail to {address}")
    return unquote(match.group(1))


def proof(j: Journey) -> dict[str, str]:
    """A solved challenge for the next code request or registration (R-ABUSE-1): GET
    /v1/challenge is measured, the solving (the browser's work) is not."""
    from tests.helpers import solve_challenge

    answer = j.call("GET /v1/challenge", "/v1/challenge", "GET", "/v1/challenge")
    if not answer["required"]:
        return {}
    return {"altcha": solve_challenge(answer["challenge"])}


def second_factor(j: Journey, user_id: str, password: str, token: str) -> None:
    """R-SEC-2: enrol, confirm, the log-in with a second factor (its challenge, then a TOTP code
    and a recovery code), and turning it off. The clock moves a step between codes."""
    import pyotp

    route = "/v1/account/totp"
    enrolled = j.call(
        f"POST {route}", route, "POST", route, {"password": password}, token=token, expect=201
    )
    secret = enrolled["secret"]
    route = "/v1/account/totp/confirmation"
    code = pyotp.TOTP(secret).at(int(j.clock()))
    codes = j.call(f"POST {route}", route, "POST", route, {"code": code}, token=token)
    login = {"user_id": user_id, "password": password}
    for label, kind in (("TOTP code", "totp"), ("recovery code", "recovery")):
        j.clock.advance(30)
        refused = j.call(
            "POST /v1/sessions (second factor on)",
            "/v1/sessions",
            "POST",
            "/v1/sessions",
            login,
            expect=401,
        )
        challenge = refused["error"]["totp_challenge"]
        code = (
            pyotp.TOTP(secret).at(int(j.clock())) if kind == "totp" else codes["recovery_codes"][0]
        )
        route = "/v1/sessions/totp"
        j.call(
            f"POST {route} ({label})",
            route,
            "POST",
            route,
            {"totp_challenge": challenge, "code": code},
            expect=201,
        )
    j.clock.advance(30)
    route = "/v1/account/totp/deactivation"
    code = pyotp.TOTP(secret).at(int(j.clock()))
    j.call(f"POST {route}", route, "POST", route, {"password": password, "code": code}, token=token)


def journey(j: Journey, n: int) -> None:
    from chalicelib.domain.records import CONTACT_FIELDS
    from tests.helpers import last_code, registration_body

    body = registration_body(n, user_id=f"bench.user{n}", email=f"bench.user{n}@example.com")
    body["email_confirmation"] = body["email"]
    email, password = body["email"], body["password"]
    post = "POST"

    for path in (
        "/v1/catalogs/countries",
        "/v1/catalogs/provinces",
        "/v1/catalogs/provinces/09/cities",
        "/v1/catalogs/mobile-operators",
        "/v1/catalogs/document-types",
    ):
        route = path.replace("/09/", "/{code}/")
        j.call(f"GET {route}", route, "GET", path)
    j.call("GET /v1/health", "/v1/health", "GET", "/v1/health")
    j.call("GET /v1/openapi.json", "/v1/openapi.json", "GET", "/v1/openapi.json")

    for kind, payload in (
        ("user-id", {"user_id": body["user_id"]}),
        (
            "document",
            {"document_type": body["document_type"], "document_number": body["document_number"]},
        ),
        ("email", {"email": email, "email_confirmation": email}),
    ):
        route = f"/v1/registration/{kind}-availability"
        answer = j.call(f"POST {route}", route, post, route, payload)
        assert answer == {"available": True}, answer

    route = "/v1/registration/security-code"
    j.call(f"POST {route}", route, post, route, {"email": email, **proof(j)}, expect=202)
    wrong = {**body, "security_code": "22222222" if last_code(email) != "22222222" else "33333333"}
    j.call(
        "POST /v1/registration (wrong code)",
        "/v1/registration",
        post,
        "/v1/registration",
        {**wrong, **proof(j)},
        expect=400,
    )
    body["security_code"] = last_code(email)
    signed = {**body, **proof(j)}
    j.call(
        "POST /v1/registration", "/v1/registration", post, "/v1/registration", signed, expect=201
    )

    login = {"user_id": body["user_id"], "password": password}
    token = j.call("POST /v1/sessions", "/v1/sessions", post, "/v1/sessions", login, expect=201)[
        "token"
    ]
    profile = j.call("GET /v1/account", "/v1/account", "GET", "/v1/account", token=token)
    j.clock.advance(61)
    profile = j.call(
        "GET /v1/account (≥ 60 s after the last request: slides the session)",
        "/v1/account",
        "GET",
        "/v1/account",
        token=token,
    )
    # The session list (R-SEC-1): a second device signs in, is listed and ended by its id; a
    # third is ended with "the others".
    j.call(
        "POST /v1/sessions (another device)",
        "/v1/sessions",
        post,
        "/v1/sessions",
        login,
        expect=201,
    )
    route = "/v1/account/sessions"
    listed = j.call(f"GET {route}", route, "GET", route, token=token)["items"]
    other = next(item["id"] for item in listed if not item["current"])
    route = "/v1/account/sessions/{session_id}"
    j.call(
        f"DELETE {route}", route, "DELETE", f"/v1/account/sessions/{other}", token=token, expect=204
    )
    j.call(
        "POST /v1/sessions (another device)",
        "/v1/sessions",
        post,
        "/v1/sessions",
        login,
        expect=201,
    )
    route = "/v1/account/sessions/end-others"
    assert j.call(f"POST {route}", route, post, route, token=token) == {"ended": 1}

    route = "/v1/account/password-check"
    j.call(f"POST {route}", route, post, route, {"current_password": password}, token=token)

    new_email = f"bench.new{n}@example.com"
    route = "/v1/account/email-availability"
    j.call(
        f"POST {route}",
        route,
        post,
        route,
        {"email": new_email, "email_confirmation": new_email},
        token=token,
    )

    contact = {name: profile.get(name) for name in CONTACT_FIELDS}
    contact["address"] = f"Av. Amazonas N{n}-10 y Colón"
    saved = j.call(
        "PUT /v1/account (profile save)",
        "/v1/account",
        "PUT",
        "/v1/account",
        {**contact, "version": profile["version"], "keep_email": True},
        token=token,
    )

    new_password = password + "Nueva"
    saved = j.call(
        "PUT /v1/account (password change)",
        "/v1/account",
        "PUT",
        "/v1/account",
        {
            **contact,
            "version": saved["version"],
            "keep_email": True,
            "current_password": password,
            "new_password": new_password,
            "new_password_confirmation": new_password,
        },
        token=token,
    )
    route = "/v1/account/security-code"
    new = {"email": new_email, **proof(j)}
    j.call(f"POST {route}", route, post, route, new, token=token, expect=202)
    j.call(
        "PUT /v1/account (e-mail change with its code)",
        "/v1/account",
        "PUT",
        "/v1/account",
        {
            **contact,
            "version": saved["version"],
            "keep_email": False,
            "email": new_email,
            "email_confirmation": new_email,
            "security_code": last_code(new_email),
        },
        token=token,
    )
    route = "/v1/sessions/current"
    j.call(f"DELETE {route}", route, "DELETE", route, token=token, expect=204)

    # The old address's notice carries the undo link; undoing ends the sessions and asks for a
    # new password, which the forgotten-password routes give.
    route = "/v1/account/email-change/undo"
    j.call(f"POST {route}", route, post, route, {"token": undo_token(email)})
    route = "/v1/password-recovery/security-code"
    recovery = {"user_id": body["user_id"], **proof(j)}
    j.call(f"POST {route}", route, post, route, recovery, expect=202)
    recovered = password + "Recuperada"
    j.call(
        "POST /v1/password-recovery",
        "/v1/password-recovery",
        post,
        "/v1/password-recovery",
        {
            "user_id": body["user_id"],
            "security_code": last_code(email),
            "new_password": recovered,
            "new_password_confirmation": recovered,
        },
    )

    login = {"user_id": body["user_id"], "password": recovered}
    token = j.call("POST /v1/sessions", "/v1/sessions", post, "/v1/sessions", login, expect=201)[
        "token"
    ]
    # The owner confirms the address the account has now (R-HARD-9): the undo above used its
    # link, so none is pending and only the password gate's attempt is written.
    route = "/v1/account/email-change/confirmation"
    j.call(f"POST {route}", route, post, route, {"password": recovered}, token=token)
    second_factor(j, body["user_id"], recovered, token)
    route = "/v1/account/deactivation"
    j.call(
        f"POST {route}",
        route,
        post,
        route,
        {"reason": "Ya no necesito esta cuenta de pruebas.", "password": recovered},
        token=token,
    )

    # What an attacker's guesses cost: a wrong password, and an ID that does not exist.
    j.call(
        "POST /v1/sessions (wrong password)",
        "/v1/sessions",
        post,
        "/v1/sessions",
        {"user_id": body["user_id"], "password": "Equivocada2026"},
        expect=401,
    )
    j.call(
        "POST /v1/sessions (unknown ID)",
        "/v1/sessions",
        post,
        "/v1/sessions",
        {"user_id": f"nadie.{n}", "password": "Equivocada2026"},
        expect=401,
    )


def create_tables_apart(session: Any) -> None:
    """The tables, made through a boto3 session of their own, so that the app's PynamoDB
    connections and boto3 clients are still unmade when the first request comes, as in a fresh
    container."""
    from chalicelib.store.models import ALL_MODELS

    client = session.client("dynamodb", region_name="us-east-1")
    for model in ALL_MODELS:
        keys = [(model._hash_key_attribute(), "HASH")]
        if model._range_key_attribute() is not None:
            keys.append((model._range_key_attribute(), "RANGE"))
        schema = model._get_schema()
        indexes = [
            {
                "IndexName": index["index_name"],
                "KeySchema": index["key_schema"],
                "Projection": index["projection"],
            }
            for index in schema["global_secondary_indexes"]
        ]
        client.create_table(
            TableName=model.Meta.table_name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": a.attr_name, "KeyType": kind} for a, kind in keys],
            # With the keys of the indexes (the sessions' by-user index, R-SEC-1).
            AttributeDefinitions=schema["attribute_definitions"],
            **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        )


def silence_logs(app: Any) -> None:
    """Keep every log line formatted (that is real work in Lambda) but write it nowhere."""
    sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    for logger in (logging.getLogger(), app.log):
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate-limits", choices=("on", "off"), default="on")
    parser.add_argument("--journeys", type=int, default=21)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    configure_environment(args.rate_limits)
    sys.path.insert(0, str(ROOT))
    from bench.probe import Probe

    probe = Probe()
    probe.install()

    import boto3
    from chalice.test import Client
    from moto import mock_aws

    import app as application
    from chalicelib.config import get_settings
    from chalicelib.wiring import services
    from tests.helpers import FakeClock

    silence_logs(application.app)
    rows: list[dict[str, Any]] = []
    settings = get_settings()
    with mock_aws():
        setup = boto3.session.Session()
        create_tables_apart(setup)
        setup.client("ses", region_name="us-east-1").verify_email_identity(
            EmailAddress=settings.mail_sender
        )
        setup.client("ssm", region_name="us-east-1").put_parameter(
            Name=settings.hash_key_parameter, Value=HASH_KEY_VALUE, Type="SecureString"
        )
        clock = FakeClock()
        services().clock = clock
        with Client(application.app, stage_name=STAGE) as client:
            runner = Journey(client, probe, clock, rows)
            runner.phase = "first"
            # A fresh container's first request that reaches DynamoDB: the PynamoDB connection
            # and botocore clients made, the hash key read from SSM (once per container).
            route = "/v1/registration/user-id-availability"
            runner.call(f"POST {route}", route, "POST", route, {"user_id": "primera.visita"})
            runner.phase = "count"
            journey(runner, 1)
            probe.counting = False
            runner.phase = "time"
            for n in range(2, args.journeys + 2):
                clock.advance(JOURNEY_GAP_SECONDS)
                journey(runner, n)

    result = {
        "rate_limits_per_ip": args.rate_limits,
        "setting_exists": hasattr(settings, "rate_limits_per_ip"),
        "routes": sorted(
            f"{method} {path}"
            for path, entry in application.app.routes.items()
            for method in entry
            if method != "OPTIONS"
        ),
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
