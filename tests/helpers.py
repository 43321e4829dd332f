"""The shared helper layer of the tests (with tests/flows.py and tests/stack.py): paths, request
helpers, realistic test data, the stand-ins every kind of test uses, and readers of what the
in-process moto stored and mailed. Fixtures live in the conftest.py files, never here.

tests/conftest.py imports this module before it exports the `dev` stage's environment: so nothing
imported at the top of this module may read the environment or bind a table (the domain package
does neither; moto and the store are imported inside the functions that need them).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest.mock import patch

from stdnum.ec import ci

from chalicelib.config import DEFAULT_NOTICE_VERSION
from chalicelib.domain import passwords
from chalicelib.domain.records import CONTACT_FIELDS, User

ROOT = Path(__file__).resolve().parent.parent
STAGE = "dev"
STAGE_ENVIRONMENT: dict[str, str] = json.loads((ROOT / ".chalice" / "config.json").read_text())[
    "stages"
][STAGE]["environment_variables"]
DOCUMENT = ROOT / "chalicelib" / "openapi.json"
CODE_IN_MAIL = re.compile(r">([2-9A-HJ-NP-Z]{8})<")
USER = "juan.perez1"


class FakeClock:
    """Epoch seconds that only move when a test moves them."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- what in-process moto mailed ---------------------------------------------------------------


def outbox() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def mails_to(address: str) -> list[Any]:
    return [m for m in outbox() if address in m.destinations.get("ToAddresses", [])]


def last_code(address: str) -> str:
    match = CODE_IN_MAIL.search(mails_to(address)[-1].body)
    assert match, "no security code in the mail"
    return match.group(1)


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
        # R-PRIV-2: the checkbox «He leído el aviso de privacidad», ticked.
        "privacy_notice_version": DEFAULT_NOTICE_VERSION,
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

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    tables = [
        sorted(
            json.dumps(item, sort_keys=True)
            for item in dynamodb.scan(TableName=model.Meta.table_name)["Items"]
        )
        for model in ALL_MODELS
    ]
    return tables, len(outbox())


# --- what the tables hold, read around the app's clients ---------------------------------------


def dynamodb(endpoint_url: str | None = None) -> Any:
    import boto3

    return boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint_url)


def user_item(user_id: str = USER) -> dict[str, Any]:
    from chalicelib.config import get_settings

    return dynamodb().get_item(
        TableName=get_settings().users_table, Key={"user_id": {"S": user_id}}, ConsistentRead=True
    )["Item"]


def claim_owner(claim: str) -> str | None:
    from chalicelib.config import get_settings

    item = (
        dynamodb()
        .get_item(
            TableName=get_settings().claims_table, Key={"claim": {"S": claim}}, ConsistentRead=True
        )
        .get("Item")
    )
    return item["owner"]["S"] if item else None


def audit_events(
    event: str | None = None,
    *,
    user_id: str | None = USER,
    endpoint_url: str | None = None,
    table: str | None = None,
) -> list[dict[str, Any]]:
    """The audit items named `event` of `user_id` (None: any), oldest first. In-process moto by
    default; `endpoint_url` and `table` read a moto server's (the local stage names its tables
    apart)."""
    from chalicelib.config import get_settings

    pages = (
        dynamodb(endpoint_url)
        .get_paginator("scan")
        .paginate(TableName=table or get_settings().audit_table, ConsistentRead=True)
    )
    return sorted(
        (
            item
            for page in pages
            for item in page["Items"]
            if (user_id is None or item["user_id"]["S"] == user_id)
            and (event is None or item["event"]["S"] == event)
        ),
        key=lambda item: item["at_event"]["S"],
    )


# --- the account's own routes ------------------------------------------------------------------


def get_profile(client: Any, token: str) -> Answer:
    return call(client, "GET", "/v1/account", **bearer(token))


def update_body(profile: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """What the modify form sends back unchanged, keeping the e-mail, plus `changes`."""
    body = {name: profile[name] for name in ("version", *CONTACT_FIELDS)}
    body["keep_email"] = True
    body.update(changes)
    return body


def put(client: Any, token: str, body: Any) -> Answer:
    return call(client, "PUT", "/v1/account", body, **bearer(token))


def account_post(client: Any, token: str, path: str, body: Any) -> Answer:
    return post(client, f"/v1/account/{path}", body, **bearer(token))


UNDO_PATH = "/v1/account/email-change/undo"
UNDO_LINK = re.compile(r"undo-email\.html\?token=([A-Za-z0-9_-]{43})")


def undo_link(address: str, link: re.Pattern[str] = UNDO_LINK) -> str:
    """The token of the newest undo link (`link`) mailed to `address`."""
    for mail in reversed(mails_to(address)):
        if match := link.search(mail.body):
            return match.group(1)
    raise AssertionError(f"no undo link mailed to {address}")


def undo(client: Any, token: Any) -> Answer:
    return post(client, UNDO_PATH, {"token": token})


def email_change(client: Any, token: str, profile: dict[str, Any], address: str) -> Answer:
    """Request a code for `address`, read it from the mail, and save the change."""
    assert account_post(client, token, "security-code", {"email": address}).status == 202
    body = new_email_body(profile, address, last_code(address))
    return put(client, token, body)


# --- password recovery -------------------------------------------------------------------------

RECOVERY_SUBJECT = "RECUPERACIÓN DE CONTRASEÑA"
RECOVERED_PASSWORD = "Recuperada2026ok"


def request_recovery(client: Any, **identifier: str) -> Answer:
    return post(client, "/v1/password-recovery/security-code", identifier)


def recovery_mails(address: str = "juan.perez1@example.com") -> list[Any]:
    return [m for m in mails_to(address) if m.subject == RECOVERY_SUBJECT]


def recovery_code(address: str = "juan.perez1@example.com") -> str:
    (mail, *_) = reversed(recovery_mails(address))
    match = CODE_IN_MAIL.search(mail.body)
    assert match, "no code in the recovery mail"
    return match.group(1)


def reset(client: Any, code: str, password: str = RECOVERED_PASSWORD, **identifier: str) -> Answer:
    body = {
        **(identifier or {"user_id": USER}),
        "security_code": code,
        "new_password": password,
        "new_password_confirmation": password,
    }
    return post(client, "/v1/password-recovery", body)


# --- the OpenAPI document ----------------------------------------------------------------------


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def assert_conforms(document: dict[str, Any], path: str, method: str, answer: Answer) -> None:
    from openapi_schema_validator import OAS30Validator
    from openapi_schema_validator import validate as validate_schema

    operation = document["paths"][path][method.lower()]
    assert str(answer.status) in operation["responses"], (path, method, answer.status)
    response = resolve(document, operation["responses"][str(answer.status)])
    for name in response.get("headers", {}):
        assert name in answer.headers, (path, method, answer.status, name)
    if "content" not in response:
        assert answer.body is None
        return
    schema = {
        **response["content"]["application/json"]["schema"],
        "components": document["components"],
    }
    validate_schema(answer.body, schema, cls=OAS30Validator)


# --- domain records ----------------------------------------------------------------------------

_HASH: list[str] = []


def _hash() -> str:
    if not _HASH:
        _HASH.append(passwords.hash_password(PASSWORD))
    return _HASH[0]


def a_user(**changes: object) -> User:
    """A domain `User` (ana.torres, password PASSWORD) for the pure tests, with `changes`."""
    user = User(
        user_id="ana.torres",
        document_type="CEDULA",
        document_number="1710034065",
        name="Ana Torres",
        password_hash="" if "password_hash" in changes else _hash(),
        country="EC",
        province="17",
        city="1701",
        address="Av. Amazonas 100",
        phone1="022345678",
        phone2=None,
        mobile_operator=None,
        mobile=None,
        fax=None,
        email="ana@example.com",
        senae_email="ana.torres@correo.aduana.gob.ec",
    )
    return replace(user, **changes)  # type: ignore[arg-type]  # fields the test names


# --- the account's changes ---------------------------------------------------------------------

NEW_PASSWORD = "Nueva2026clave"
WRONG = "Otra2026clave"
NEW_EMAIL = "juan.nuevo@example.com"
REASON = "Necesito un nuevo ID de usuario"


def new_password(value: str, confirmation: str | None = None) -> dict[str, Any]:
    return {"new_password": value, "new_password_confirmation": confirmation or value}


def unverify_sender() -> None:
    """SES refuses every mail from now on (moto checks the sender identity)."""
    import boto3

    from chalicelib.config import get_settings

    boto3.client("ses", region_name="us-east-1").delete_identity(
        Identity=get_settings().mail_sender
    )


# --- registration ------------------------------------------------------------------------------

CODE_SUBJECT = "ACTIVACIÓN DE CORREO ELECTRÓNICO"


def assert_error(answer: Answer, status: int, code: str) -> dict[str, Any]:
    assert answer.status == status, answer.body
    assert set(answer.body) == {"error"}
    assert answer.error["code"] == code, answer.body
    assert isinstance(answer.error["message"], str) and answer.error["message"]
    assert set(answer.error) <= {
        "code",
        "message",
        "fields",
        "attempts_left",
        # TOTP_REQUIRED's (R-SEC-2).
        "totp_challenge",
        "expires_in_seconds",
    }
    return answer.error


def counts() -> dict[str, int]:
    from chalicelib.store.models import AuditModel, ClaimModel, UserModel

    return {
        "users": UserModel.count(),
        "claims": sum(1 for _ in ClaimModel.scan()),
        "audit": sum(1 for _ in AuditModel.scan()),
    }


def claims() -> dict[str, str]:
    from chalicelib.store.models import ClaimModel

    return {item.claim: item.owner for item in ClaimModel.scan()}


def wrong_code(right: str) -> str:
    return "22222222" if right != "22222222" else "33333333"


def with_code(client: Any, n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A registration body whose security code was requested and read from the mail."""
    from chalicelib.domain.fields import normalise_email

    body = registration_body(n, **overrides)
    assert request_code(client, body["email"]).status == 202
    # The mail goes to the normalised address (domain lower-cased).
    body["security_code"] = last_code(normalise_email(body["email"]))
    return body


def python_in_a_fresh_process(script: str, env: dict[str, str], timeout: float = 120) -> str:
    """What `python -c script` prints, run from the repo with `env` only (a fresh interpreter:
    nothing this process imported or configured); fails the test with its stderr otherwise."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def solve_challenge(challenge: Mapping[str, Any]) -> str:
    """The widget's `altcha` payload for `challenge` (GET /v1/challenge's), solved with the
    Python library as the widget would in the browser (R-ABUSE-1)."""
    import base64

    from altcha.v1 import solve_challenge

    solution = solve_challenge(
        challenge["challenge"],
        challenge["salt"],
        challenge["algorithm"],
        int(challenge["maxNumber"]),
    )
    assert solution is not None, "the challenge has no solution below its maxnumber"
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def solved(client: Any) -> str:
    """A fresh solution from the in-process API's GET /v1/challenge."""
    answer = call(client, "GET", "/v1/challenge")
    assert answer.status == 200 and answer.body["required"], answer.body
    return solve_challenge(answer.body["challenge"])


def solved_at(api_url: str) -> str:
    """A fresh solution from a running API's GET /v1/challenge (the local stack)."""
    import urllib.request

    with urllib.request.urlopen(f"{api_url}/v1/challenge", timeout=10) as r:
        body = json.loads(r.read())
    assert body["required"], body
    return solve_challenge(body["challenge"])


# --- a third party on loopback ----------------------------------------------------------------


@contextmanager
def loopback_http(
    answer: Callable[[str, dict[str, str]], tuple[int, bytes]],
    pace: Callable[[], float] = lambda: 0.0,
) -> Iterator[str]:
    """An HTTP server on 127.0.0.1, in a thread, answering each GET with `answer(path, headers)`
    (status, body; headers lower-cased); its base URL. Stands in for the breached-password
    range API (R-ABUSE-2) in its tests and in make bench, so nothing leaves the machine. With
    `pace()` > 0 the body goes in 8 pieces that many seconds apart (a slow server)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, payload = answer(self.path, {k.lower(): v for k, v in self.headers.items()})
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            delay = pace()
            if not delay:
                self.wfile.write(payload)
                return
            step = max(1, len(payload) // 8)
            for start in range(0, len(payload), step):
                self.wfile.write(payload[start : start + step])
                self.wfile.flush()
                time.sleep(delay)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- SES's feedback (R-MAIL-*) -----------------------------------------------------------------


def notify(client: Any, message: str) -> None:
    """One SES notification, published to SNS, invoking the handler as Lambda would."""
    client.lambda_.invoke("ses_events", client.events.generate_sns_event(message))


def bounce_of(client: Any, address: str, at: float, message_id: str = "msg-1", **kw: Any) -> None:
    """A permanent bounce (or, with `bounce_type`, another) of a mail to `address`."""
    from devstack import simulator

    notify(client, simulator.bounce(message_id, address, at, **kw))


def delivery_item(address: str) -> dict[str, Any] | None:
    from chalicelib.config import get_settings

    found = dynamodb().get_item(
        TableName=get_settings().limits_table,
        Key={"key": {"S": f"DELIVERY#{address}"}},
        ConsistentRead=True,
    )
    item: dict[str, Any] | None = found.get("Item")
    return item


# --- the second factor (R-SEC-2) ---------------------------------------------------------------

TOTP_ENROL = "/v1/account/totp"
TOTP_CONFIRM = "/v1/account/totp/confirmation"
TOTP_DEACTIVATE = "/v1/account/totp/deactivation"
TOTP_LOG_IN = "/v1/sessions/totp"


def totp_code(secret: str, at: float) -> str:
    """The code an authenticator app shows at epoch second `at`, computed by the library."""
    import pyotp

    return str(pyotp.TOTP(secret).at(int(at)))


def enrol_totp(client: Any, token: str, password: str = PASSWORD) -> str:
    """POST /v1/account/totp; the secret shown."""
    answer = post(client, TOTP_ENROL, {"password": password}, **bearer(token))
    assert answer.status == 201, answer.body
    return str(answer.body["secret"])


def enable_totp(client: Any, token: str, clock: FakeClock) -> tuple[str, list[str]]:
    """Enrol and confirm with the code of now; the secret and the 10 recovery codes. The clock
    then moves to the next step, so that the next code is not the (used) one of now."""
    secret = enrol_totp(client, token)
    answer = post(client, TOTP_CONFIRM, {"code": totp_code(secret, clock())}, **bearer(token))
    assert answer.status == 200, answer.body
    clock.advance(30)
    return secret, list(answer.body["recovery_codes"])


def totp_challenge(client: Any, user_id: str = USER, password: str = PASSWORD) -> str:
    """The log-in's first step on an account with a second factor: the challenge."""
    answer = log_in(client, user_id, password)
    assert answer.status == 401 and answer.error["code"] == "TOTP_REQUIRED", answer.body
    return str(answer.error["totp_challenge"])


def code_step(client: Any, challenge: str, code: str, **headers: str) -> Answer:
    return post(client, TOTP_LOG_IN, {"totp_challenge": challenge, "code": code}, **headers)


def run_retention(client: Any) -> dict[str, Any]:
    """The retention job (R-PRIV-4) as Lambda runs it: the scheduled function, invoked with the
    event EventBridge sends; its report."""
    event = client.events.generate_cw_event(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=["arn:aws:events:us-east-1:123456789012:rule/ecuapass-dev-retention"],
    )
    return dict(client.lambda_.invoke("retention", event).payload)


# --- the data export (R-PRIV-3): whoever makes it, the API or the help desk ---------------------

EXPORTED_SESSION_FIELDS = {"created_at", "last_seen_at", "source_ip", "device", "current"}


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in [str(key), *_strings(value)]]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [str(node)]


def assert_export_holds_no_secret(document: dict[str, Any], secrets: list[str]) -> None:
    """No password hash, token, code or key, and none of `secrets`, anywhere in an export."""
    text = json.dumps(document, ensure_ascii=False)
    for secret in secrets:
        assert secret not in text
    for value in _strings(document):
        assert not value.startswith("$argon2"), value
        assert "token" not in value.lower() or value == "token", value
    for session in document["sessions"]:
        assert set(session) == EXPORTED_SESSION_FIELDS
    assert "password_hash" not in text and "totp_secret" not in text


# --- the help desk's tool (R-ADM-1) --------------------------------------------------------------

# The ARN moto's STS gives the tests' credentials: the operator every audited change names.
OPERATOR = "arn:aws:sts::123456789012:user/moto"


def run_admin(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """`ecuapass-admin ARGV --stage dev` in this process: its exit status, stdout and stderr.
    What the API printed before (its metric lines, R-MAIL-5) is not the tool's output."""
    from admin.cli import main

    capsys.readouterr()
    status = main([*argv, "--stage", "dev"])
    out, err = capsys.readouterr()
    return status, out, err
