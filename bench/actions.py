"""One bench process: every api.md route, through `chalice.test.Client` against in-process moto,
and the app's two other functions (SES's feedback, `app.ses_events`; the retention job,
`app.retention`) invoked as Lambda invokes them.

    python -m bench.actions --rate-limits on --proof-of-work on --journeys 21 --out on.json

The process configures itself like a deployed `dev` stage (table names, the hash key read from
SSM once per container) but logs at INFO as prod does, to a sink, so that formatting every log
line is part of the measured work. The breached-password check (R-ABUSE-2) stays on, as in `dev`,
against a range API served on loopback by this process (padded answers of 800-1,000 lines as the
real one gives), so its GET and its CPU are measured and no prefix leaves the machine.

A journey is one person's life: catalogues, the privacy notice, availability checks, a code,
registration (each code request and registration with a fresh proof of work, solved here, outside
any measured time), log-in, reads, sessions, the notice's acknowledgement, profile save, e-mail
and password change, log-out, recovery, the second factor, the data export, deactivation, then the
failed log-ins an attacker would cause. After it, SES's notifications about one account's address
(delivery, transient bounce, complaint, a redelivery) and a code request to an undeliverable one;
then the proof of work's verification alone. After all the journeys, the retention job's runs
(one that anonymises an account and strips a day's events, a quiet hour, a new day).

The first journey's requests are counted (AWS calls and request units); the others are timed with
the counting handlers switched off, so the bench's own bookkeeping never lands in a measured
figure (the first request of the process, a container's first, is both). Writes JSON: one row
per invocation (label, route, kind, status, calls, units, times). The fake clock and the outbox
readers are the tests' own (tests/helpers.py), imported once the environment is set.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import random
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from bench import labels

if TYPE_CHECKING:
    from tests.helpers import FakeClock

ROOT = Path(__file__).resolve().parent.parent
STAGE = "dev"
UNDO_LINK = re.compile(r"undo-email\.html\?token=([A-Za-z0-9_%.~-]+)")
HASH_KEY_VALUE = "bench-only-hash-key-0123456789abcdef0123456789abcdef"
# Between two journeys: past every per-address and per-source-address throttle window that a
# journey's two codes and three availability checks could fill.
JOURNEY_GAP_SECONDS = 3 * 3600
DAY = 86400
# The retention job's scenario is repeated fewer times than the journeys: each repetition
# registers two accounts and moves the clock five years on.
RETENTION_REPEATS = 7
# An older notice version than the current one, as an account registered before it would hold.
OLDER_NOTICE = "2020-01-01"


def padded_range(prefix: str) -> str:
    """What the range API answers for `prefix` with `Add-Padding: true`: 800 to 1,000 lines of
    35-hex-digit suffixes, the padding ones with count 0 (none is a bench password's). Served
    on loopback in a thread of the bench's process, whose CPU is never a request's."""
    rng = random.Random(prefix)
    lines = [
        f"{rng.getrandbits(140):035X}:{rng.choice((0, rng.randint(1, 5000)))}"
        for _ in range(rng.randint(800, 1000))
    ]
    return "\r\n".join(lines)


def configure_environment(rate_limits: str, proof_of_work: str) -> None:
    stage = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][STAGE]
    os.environ.update(stage["environment_variables"])
    os.environ.update(
        {
            "LOG_LEVEL": "INFO",
            "RATE_LIMITS_PER_IP": rate_limits,
            "PROOF_OF_WORK": proof_of_work,
            "BREACHED_PASSWORD_CHECK": "on",
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

    @contextmanager
    def setup(self) -> Iterator[None]:
        """Requests made only to reach a state (an account to bounce, to anonymise): neither
        counted nor timed."""
        phase, self.phase = self.phase, "setup"
        try:
            yield
        finally:
            self.phase = phase

    def _row(self, label: str, route: str, kind: str, record: Any, **extra: Any) -> None:
        row = asdict(record)
        row.update(
            route=route,
            kind=kind,
            phase=self.phase,
            calls=dict(record.calls),
            project_wall=record.project_wall,
            project_cpu=record.project_cpu,
            **extra,
        )
        self.rows.append(row)

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
        request = getattr(self.client.http, method.lower())
        if self.phase == "setup":
            response, record = request(path, **kwargs), None
        else:
            with self.probe.invocation(label) as record:
                response = request(path, **kwargs)
        text = response.body.decode("utf-8") if response.body else ""
        answer = json.loads(text) if text else None
        expected = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in expected:
            raise SystemExit(f"{label}: expected {expected}, got {response.status_code}: {text}")
        if record is not None:
            self._row(label, route, "http", record)
        return answer

    def annotate(self, note: str) -> None:
        """A note on the row just recorded (what the answer held)."""
        if self.phase != "setup":
            self.rows[-1]["note"] = note

    def invoke(self, label: str, function: str, event: dict[str, Any]) -> Any:
        """One invocation of the app's function `function` (`ses_events`, `retention`), as
        Lambda makes it; its result."""
        with self.probe.invocation(label) as record:
            answer = self.client.lambda_.invoke(function, event).payload
        self._row(label, f"app.{function}", function, record, result=answer)
        return answer

    @contextmanager
    def measured(self, label: str, route: str) -> Iterator[None]:
        """A domain call measured alone, timed around the block."""
        with self.probe.measured(label) as record:
            yield
        self._row(label, route, "part", record)


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

    answer = j.call(labels.CHALLENGE, "/v1/challenge", "GET", "/v1/challenge")
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
            labels.LOG_IN_SECOND_FACTOR,
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


def request_code(j: Journey, email: str, label: str = "", expect: int = 202) -> Any:
    """A registration code for `email`, with a fresh proof of work."""
    route = "/v1/registration/security-code"
    body = {"email": email, **proof(j)}
    return j.call(label or f"POST {route}", route, "POST", route, body, expect=expect)


def register(j: Journey, body: dict[str, Any], label: str = "", expect: int = 201) -> Any:
    route = "/v1/registration"
    signed = {**body, **proof(j)}
    return j.call(label or f"POST {route}", route, "POST", route, signed, expect=expect)


def log_in(j: Journey, user_id: str, password: str, label: str = "") -> str:
    route = "/v1/sessions"
    login = {"user_id": user_id, "password": password}
    return str(j.call(label or f"POST {route}", route, "POST", route, login, expect=201)["token"])


def person(n: int, user_id: str) -> dict[str, Any]:
    """Registration form n, under `user_id` and the address `<user_id>@example.com`."""
    from tests.helpers import registration_body

    email = f"{user_id}@example.com"
    return registration_body(n, user_id=user_id, email=email, email_confirmation=email)


def new_account(j: Journey, n: int, user_id: str) -> tuple[dict[str, Any], str]:
    """An account registered and signed in, unmeasured (for the feedback and retention runs);
    its form and session token."""
    from tests.helpers import last_code

    body = person(n, user_id)
    with j.setup():
        request_code(j, body["email"])
        body["security_code"] = last_code(body["email"])
        register(j, body)
        return body, log_in(j, user_id, body["password"])


def journey(j: Journey, n: int) -> None:
    from chalicelib.domain.records import CONTACT_FIELDS
    from tests.helpers import last_code

    body = person(n, f"bench.user{n}")
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
    route = "/v1/privacy-notice"
    notice = j.call(f"GET {route}", route, "GET", route)["version"]

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
        # The e-mail's answer also says whether mail reaches the address (R-MAIL-3).
        assert answer["available"] is True and answer.get("deliverable", True) is True, answer

    request_code(j, email)
    wrong = {**body, "security_code": "22222222" if last_code(email) != "22222222" else "33333333"}
    register(j, wrong, "POST /v1/registration (wrong code)", expect=400)
    body["security_code"] = last_code(email)
    register(j, body)

    login = {"user_id": body["user_id"], "password": password}
    token = log_in(j, body["user_id"], password)
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

    # R-PRIV-2: acknowledging the version registration acknowledged writes nothing; a version
    # published since (here: the account made to hold an older one) is one transaction.
    route = "/v1/account/privacy-notice-acknowledgement"
    ack = {"version": notice}
    j.call(f"POST {route} (current already: no write)", route, post, route, ack, token=token)
    with j.setup():
        hold_notice_version(body["user_id"], OLDER_NOTICE)
    j.call(f"POST {route} (a new version)", route, post, route, ack, token=token)

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

    token = log_in(j, body["user_id"], recovered)
    # The owner confirms the address the account has now (R-HARD-9): the undo above used its
    # link, so none is pending and only the password gate's attempt is written.
    route = "/v1/account/email-change/confirmation"
    j.call(f"POST {route}", route, post, route, {"password": recovered}, token=token)
    second_factor(j, body["user_id"], recovered, token)
    # R-PRIV-3: everything kept about this account so far (one journey's trail).
    route = "/v1/account/data-export"
    exported = j.call(f"POST {route}", route, post, route, {"password": recovered}, token=token)
    j.annotate(f"{len(exported['audit'])} audit events, {len(exported['sessions'])} sessions")
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


def hold_notice_version(user_id: str, version: str) -> None:
    """The account holds `version` as its acknowledged notice (as if it registered before the
    current one was published)."""
    from chalicelib.store.models import UserModel

    UserModel(user_id).update(actions=[UserModel.privacy_notice_version.set(version)])


def feedback(j: Journey, n: int) -> None:
    """SES's notifications (R-MAIL-1, R-MAIL-2) about the address of a new account, as the
    configuration set's SNS topic invokes `app.ses_events`, in the order an address may live
    them; then a bounce of an address no account holds, and a code request to it (R-MAIL-3)."""
    from devstack import simulator

    body, _ = new_account(j, 1000 + n, f"bench.mail{n}")
    address, at = body["email"], j.clock()

    def notify(label: str, message: str) -> None:
        j.invoke(label, "ses_events", j.client.events.generate_sns_event(message))

    notify(labels.DELIVERY_NOTICE, simulator.delivery(f"m{n}a", address, at))
    transient = simulator.bounce(f"m{n}b", address, at, bounce_type="Transient")
    notify("ses_events: Bounce, Transient (counted)", transient)
    cleared = simulator.delivery(f"m{n}c", address, at)
    notify("ses_events: Delivery after a transient bounce (clears it)", cleared)
    complaint = simulator.complaint(f"m{n}d", address, at)
    notify("ses_events: Complaint (an account's address: its owner is shown it)", complaint)
    notify("ses_events: the same Complaint again (SNS redelivers: nothing changes)", complaint)
    stranger = f"bench.nadie{n}@example.com"
    bounced = simulator.bounce(f"m{n}e", stranger, at)
    notify("ses_events: Bounce, Permanent (an address no account holds)", bounced)
    route = "/v1/registration/email-availability"
    pair = {"email": stranger, "email_confirmation": stranger}
    answer = j.call(f"POST {route} (undeliverable address)", route, "POST", route, pair)
    assert answer == {"available": True, "deliverable": False}, answer
    request_code(j, stranger, f"{labels.CODE_REQUEST} (undeliverable address: 400)", expect=400)


def proof_of_work_parts(j: Journey, samples: int) -> None:
    """R-ABUSE-1's verification alone: `ProofOfWork.check` (CPU only: signature, answer, expiry)
    on one solution, and `require` (check, then the single-use conditional write) on fresh ones.
    The solving, the browser's work, is done here outside the measured blocks."""
    from chalicelib.wiring import services
    from tests.helpers import solve_challenge

    proof = services().proof_of_work()
    if proof is None:
        return
    for _ in range(samples):
        with j.measured(labels.POW_CHALLENGE, "proof_of_work"):
            challenge = proof.challenge()
    payload = solve_challenge(challenge)
    for _ in range(samples):
        with j.measured(labels.POW_CHECK, "proof_of_work"):
            proof.check(payload)
    for _ in range(samples):
        payload = solve_challenge(proof.challenge())
        with j.measured(labels.POW_REQUIRE, "proof_of_work"):
            proof.require(payload)


def retention(j: Journey, r: int) -> None:
    """R-PRIV-4: the retention job as EventBridge runs it, hourly. One account deactivated, one
    other signed in 1,460 days later (5 years less 1), then the stack's first run once both are
    due: the first anonymised with its whole trail, the other's day of events stripped of address
    and browser. Then a quiet hour (nothing new due: the cursors read), and the first run of the
    next day (each rule's day looked up, nothing found, its cursor moved)."""
    from chalicelib.config import get_settings
    from chalicelib.domain.retention import AUDIT_DETAIL, DEACTIVATED
    from chalicelib.store.models import RetentionCursorModel

    s = get_settings()
    event = j.client.events.generate_cw_event(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=["arn:aws:events:us-east-1:123456789012:rule/ecuapass-dev-retention"],
    )
    # Away from every day the journeys left events or deactivations on.
    j.clock.advance(2 * DAY)
    gone, token = new_account(j, 2000 + r, f"bench.gone{r}")
    with j.setup():
        route = "/v1/account/deactivation"
        leaving = {"reason": "Ya no necesito esta cuenta.", "password": gone["password"]}
        j.call(route, route, "POST", route, leaving, token=token)
    j.clock.advance((s.deactivated_retention_days - s.audit_detail_retention_days) * DAY)
    new_account(j, 3000 + r, f"bench.kept{r}")
    j.clock.advance((s.audit_detail_retention_days + 1) * DAY)
    with j.setup():
        # The stack's first run: no cursor yet, so each rule does the one day now due.
        for rule in (DEACTIVATED, AUDIT_DETAIL):
            RetentionCursorModel(f"RETENTION#{rule}").delete()
    report = j.invoke(labels.RETENTION_FIRST, "retention", event)
    assert report["accounts_anonymised"] == 1 and report["events_stripped"] > 0, report
    for _ in range(3):
        j.clock.advance(3600)
        report = j.invoke(labels.RETENTION_QUIET, "retention", event)
    assert report["accounts_anonymised"] == report["events_stripped"] == 0, report
    j.clock.advance(DAY)
    j.invoke(labels.RETENTION_DAY, "retention", event)


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
    """Keep every log line and embedded-metric line (R-MAIL-5, printed to stdout) formatted:
    that is real work in Lambda; but write them nowhere."""
    sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    sys.stdout = sink
    for logger in (logging.getLogger(), app.log):
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate-limits", choices=("on", "off"), default="on")
    parser.add_argument("--proof-of-work", choices=("on", "off"), default="on")
    parser.add_argument("--journeys", type=int, default=21)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    configure_environment(args.rate_limits, args.proof_of_work)
    sys.path.insert(0, str(ROOT))
    from tests.helpers import loopback_http

    def ranges(path: str, _headers: dict[str, str]) -> tuple[int, bytes]:
        return 200, padded_range(path.rsplit("/", 1)[-1]).encode()

    with loopback_http(ranges) as url:
        os.environ["HIBP_API_URL"] = url  # read by the settings when `measure` imports the app
        measure(args)


def measure(args: argparse.Namespace) -> None:
    from bench.probe import Probe

    probe = Probe(audit_table=os.environ["AUDIT_TABLE"])
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
        # The bench's own heap (moto, boto3, the set-up) out of the garbage collector's sight: a
        # full collection over it, which no Lambda container has, fell in the first request
        # (≈ 130 ms of it). bench/run.py measures a collection of the app's own heap instead.
        gc.freeze()
        with Client(application.app, stage_name=STAGE) as client:
            runner = Journey(client, probe, clock, rows)
            runner.phase = "first"
            # A fresh container's first request that reaches DynamoDB: the PynamoDB connection
            # and botocore clients made, the hash key read from SSM (once per container).
            route = "/v1/registration/user-id-availability"
            runner.call(f"POST {route}", route, "POST", route, {"user_id": "primera.visita"})
            runner.phase = "count"
            journey(runner, 1)
            feedback(runner, 1)
            proof_of_work_parts(runner, 1)
            probe.counting = False
            runner.phase = "time"
            for n in range(2, args.journeys + 2):
                clock.advance(JOURNEY_GAP_SECONDS)
                journey(runner, n)
                feedback(runner, n)
                proof_of_work_parts(runner, 3)
            # Last: each repetition moves the clock five years on.
            for r in range(1, RETENTION_REPEATS + 1):
                probe.counting = r == 1
                runner.phase = "count" if r == 1 else "time"
                retention(runner, r)

    result = {
        "rate_limits_per_ip": args.rate_limits,
        "proof_of_work": args.proof_of_work,
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
