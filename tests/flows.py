"""Whole journeys through the API (api.md), for tests that watch what a journey touches: the AWS
calls it makes (IAM, tests/package/test_template.py) and the log lines it writes
(tests/api/test_logging.py).

Each journey returns the secrets it used, so that a test can look for them where they must not be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.records import CONTACT_FIELDS
from tests.helpers import (
    UNDO_LINK,
    bearer,
    call,
    last_code,
    mails_to,
    new_email_body,
    post,
    registration_body,
    request_code,
)


@dataclass
class Journey:
    user_id: str
    passwords: list[str]
    emails: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    requests: int = 0

    @property
    def password(self) -> str:
        return self.passwords[-1]

    def secrets(self) -> list[str]:
        """Everything that must never reach a log line (the e-mails in full)."""
        return [*self.passwords, *self.emails, *self.codes, *self.tokens]


def registration(client: Any, n: int) -> Journey:
    """Availability checks, a wrong code, the right one, and a sign-up that loses to itself."""
    body = registration_body(n)
    journey = Journey(body["user_id"], passwords=[body["password"]], emails=[body["email"]])
    checks = [
        ("/v1/registration/user-id-availability", {"user_id": body["user_id"]}),
        (
            "/v1/registration/document-availability",
            {"document_type": body["document_type"], "document_number": body["document_number"]},
        ),
        (
            "/v1/registration/email-availability",
            {"email": body["email"], "email_confirmation": body["email"]},
        ),
    ]
    for path, payload in checks:
        answer = post(client, path, payload)
        assert answer.status == 200, answer.body
        assert answer.body == {
            "available": True,
            **({"deliverable": True} if "email" in path else {}),
        }
    answer = request_code(client, body["email"])
    assert answer.status == 202, answer.body
    code = last_code(body["email"])
    wrong = "22222222" if code != "22222222" else "33333333"
    answer = post(client, "/v1/registration", {**body, "security_code": wrong})
    assert answer.status == 400, answer.body
    assert answer.error["code"] == "SECURITY_CODE_INVALID"
    answer = post(client, "/v1/registration", {**body, "security_code": code})
    assert answer.status == 201, answer.body
    answer = post(client, "/v1/registration", {**body, "security_code": code})
    assert answer.status in {400, 409}, answer.body
    answer = call(client, "GET", "/v1/health")
    assert answer.status == 200, answer.body
    journey.codes.append(code)
    journey.requests = len(checks) + 5
    return journey


def sign_up(client: Any, n: int) -> Journey:
    body = registration_body(n)
    answer = request_code(client, body["email"])
    assert answer.status == 202, answer.body
    body["security_code"] = last_code(body["email"])
    answer = post(client, "/v1/registration", body)
    assert answer.status == 201, answer.body
    return Journey(
        user_id=body["user_id"],
        passwords=[body["password"]],
        emails=[body["email"]],
        codes=[body["security_code"]],
        requests=2,
    )


def log_in(client: Any, journey: Journey, password: str) -> str:
    answer = post(client, "/v1/sessions", {"user_id": journey.user_id, "password": password})
    journey.requests += 1
    assert answer.status == 201, answer.body
    token = str(answer.body["token"])
    journey.tokens.append(token)
    return token


def email_change_code(client: Any, journey: Journey, token: str, new_email: str) -> str:
    """The code of an e-mail change to `new_email`, as mailed; kept with the journey's secrets."""
    answer = post(client, "/v1/account/security-code", {"email": new_email}, **bearer(token))
    journey.requests += 1
    assert answer.status == 202, answer.body
    code = last_code(new_email)
    journey.emails.append(new_email)
    journey.codes.append(code)
    return code


def account(client: Any, journey: Journey, new_email: str, new_password: str) -> None:
    """api.md "Sessions" and "Account": failed log-ins (unknown ID, wrong password) and a good
    one, then the profile, an e-mail change with its code and its confirmation, a password
    change, a password check,
    log-out, and deactivation."""
    for user_id, password in [
        (journey.user_id + "x", journey.password),
        (journey.user_id, journey.password + "x"),
    ]:
        answer = post(client, "/v1/sessions", {"user_id": user_id, "password": password})
        journey.requests += 1
        assert answer.status == 401, answer.body
        assert answer.error["code"] == "INVALID_CREDENTIALS"
    token = log_in(client, journey, journey.password)

    profile = call(client, "GET", "/v1/account", **bearer(token))
    journey.requests += 1
    assert profile.status == 200, profile.body
    answer = post(
        client,
        "/v1/account/email-availability",
        {"email": new_email, "email_confirmation": new_email},
        **bearer(token),
    )
    journey.requests += 1
    assert answer.status == 200, answer.body
    code = email_change_code(client, journey, token, new_email)

    changes = {name: profile.body.get(name) for name in CONTACT_FIELDS}
    answer = call(
        client,
        "PUT",
        "/v1/account",
        new_email_body(profile.body, new_email, code),
        **bearer(token),
    )
    journey.requests += 1
    assert answer.status == 200, answer.body
    saved = answer
    # The owner confirms the new address, voiding the old one's undo link (R-HARD-9).
    answer = post(
        client,
        "/v1/account/email-change/confirmation",
        {"password": journey.password},
        **bearer(token),
    )
    journey.requests += 1
    assert answer.status == 200 and answer.body == {"undo_links_voided": 1}, answer.body
    answer = saved
    answer = call(
        client,
        "PUT",
        "/v1/account",
        {
            **changes,
            "version": answer.body["version"],
            "keep_email": True,
            "current_password": journey.password,
            "new_password": new_password,
            "new_password_confirmation": new_password,
        },
        **bearer(token),
    )
    journey.requests += 1
    assert answer.status == 200, answer.body
    journey.passwords.append(new_password)

    token = log_in(client, journey, new_password)
    answer = post(
        client, "/v1/account/password-check", {"current_password": new_password}, **bearer(token)
    )
    journey.requests += 1
    assert answer.status == 200, answer.body
    answer = call(client, "DELETE", "/v1/sessions/current", **bearer(token))
    journey.requests += 1
    assert answer.status == 204, answer.body

    token = log_in(client, journey, new_password)
    answer = post(
        client,
        "/v1/account/deactivation",
        {"reason": "Ya no necesito esta cuenta de pruebas.", "password": new_password},
        **bearer(token),
    )
    journey.requests += 1
    assert answer.status == 200, answer.body


def recovery(client: Any, journey: Journey, new_email: str, new_password: str) -> None:
    """Issue 8: an e-mail change, its undo from the link mailed to the old address, log-in
    refused until a recovery, recovery codes asked by ID, by e-mail and for an unknown ID, a wrong
    code, the reset, and a log-in with the new password."""
    old_email = journey.emails[0]
    token = log_in(client, journey, journey.password)
    profile = call(client, "GET", "/v1/account", **bearer(token))
    journey.requests += 1
    code = email_change_code(client, journey, token, new_email)
    body = new_email_body(profile.body, new_email, code)
    answer = call(client, "PUT", "/v1/account", body, **bearer(token))
    journey.requests += 1
    assert answer.status == 200, answer.body

    (undo_token,) = [
        match.group(1) for m in mails_to(old_email) if (match := UNDO_LINK.search(m.body))
    ]
    journey.tokens.append(undo_token)
    answer = post(client, "/v1/account/email-change/undo", {"token": undo_token})
    journey.requests += 1
    assert answer.status == 200, answer.body
    answer = post(
        client, "/v1/sessions", {"user_id": journey.user_id, "password": journey.password}
    )
    journey.requests += 1
    assert answer.status == 403, answer.body

    recovery_code = "/v1/password-recovery/security-code"
    for identifier in ({"user_id": "nadie.registrado"}, {"email": old_email}):
        answer = post(client, recovery_code, identifier)
        journey.requests += 1
        assert answer.status == 202, answer.body
    code = last_code(old_email)
    journey.codes.append(code)
    wrong = "22222222" if code != "22222222" else "33333333"
    for given in (wrong, code):
        body = {
            "user_id": journey.user_id,
            "security_code": given,
            "new_password": new_password,
            "new_password_confirmation": new_password,
        }
        answer = post(client, "/v1/password-recovery", body)
        journey.requests += 1
    assert answer.status == 200, answer.body
    journey.passwords.append(new_password)
    log_in(client, journey, new_password)


def guesses(client: Any, user_id: str) -> None:
    """What a guesser does: wrong passwords for an ID nobody has until it locks (R-AUTH-2),
    a registration and a password recovery sent with an empty security code."""
    for _ in range(5):
        answer = post(client, "/v1/sessions", {"user_id": user_id, "password": "Adivina2026x"})
        assert answer.status in (401, 423), answer.body
    assert answer.status == 423, answer.body
    body = registration_body(90, security_code="")
    answer = post(client, "/v1/registration", body)
    assert answer.status == 400, answer.body
    recovery = {
        "user_id": user_id,
        "security_code": "",
        "new_password": "Recuperada2026x",
        "new_password_confirmation": "Recuperada2026x",
    }
    answer = post(client, "/v1/password-recovery", recovery)
    assert answer.status == 400, answer.body


def session_list(client: Any, journey: Journey) -> None:
    """R-SEC-1: three log-ins, the list, one session ended by its id, the others ended, and the
    ended tokens refused."""
    tokens = [log_in(client, journey, journey.password) for _ in range(3)]
    answer = call(client, "GET", "/v1/account/sessions", **bearer(tokens[0]))
    journey.requests += 1
    assert answer.status == 200 and len(answer.body["items"]) == 3, answer.body
    other = answer.body["items"][1]["id"]
    answer = call(client, "DELETE", f"/v1/account/sessions/{other}", **bearer(tokens[0]))
    journey.requests += 1
    assert answer.status == 204, answer.body
    answer = post(client, "/v1/account/sessions/end-others", **bearer(tokens[0]))
    journey.requests += 1
    assert answer.status == 200 and answer.body == {"ended": 1}, answer.body
    # R-PRIV-3: «Descargar mis datos» reads the audit trail (a Query) and the session index.
    answer = post(
        client, "/v1/account/data-export", {"password": journey.password}, **bearer(tokens[0])
    )
    journey.requests += 1
    assert answer.status == 200 and answer.body["account"]["user_id"] == journey.user_id
    for token in tokens[1:]:
        answer = call(client, "GET", "/v1/account", **bearer(token))
        journey.requests += 1
        assert answer.status == 401, answer.body


def ses_feedback(client: Any, journey: Journey) -> None:
    """SES's feedback through the SNS handler (R-MAIL-2): a transient bounce and the delivery
    that clears it, a redelivered notification, a complaint about an address no account has,
    then a permanent bounce of the journey's own address (mirrored onto its account)."""
    from devstack import simulator
    from tests.helpers import notify

    at = 1_790_000_000.0
    other = f"otra.{journey.user_id}@example.org"
    transient = simulator.bounce("fb-1", other, at, bounce_type="Transient", subtype="General")
    for message in (
        transient,
        transient,
        simulator.delivery("fb-2", other, at),
        simulator.complaint("fb-3", other, at),
        simulator.bounce("fb-4", journey.emails[0], at),
    ):
        notify(client, message)


def second_factor(client: Any, journey: Journey) -> None:
    """R-SEC-2: enrol, confirm, log in with a TOTP code, a wrong code, a recovery code, turn the
    factor off. The in-process API's clock moves between codes (one step each)."""
    from chalicelib.wiring import services
    from tests.helpers import TOTP_CONFIRM, TOTP_DEACTIVATE, TOTP_ENROL, totp_code

    clock = services().clock
    token = log_in(client, journey, journey.password)
    answer = post(client, TOTP_ENROL, {"password": journey.password}, **bearer(token))
    assert answer.status == 201, answer.body
    secret = str(answer.body["secret"])
    answer = post(client, TOTP_CONFIRM, {"code": totp_code(secret, clock())}, **bearer(token))
    assert answer.status == 200, answer.body
    recovery = list(answer.body["recovery_codes"])
    journey.codes.extend([secret, *recovery])
    journey.requests += 2

    def step(code: str) -> Any:
        login = {"user_id": journey.user_id, "password": journey.password}
        first = post(client, "/v1/sessions", login)
        assert first.status == 401 and first.body["error"]["code"] == "TOTP_REQUIRED"
        challenge = first.body["error"]["totp_challenge"]
        journey.tokens.append(challenge)
        journey.requests += 2
        answer = post(client, "/v1/sessions/totp", {"totp_challenge": challenge, "code": code})
        if answer.status == 201:
            journey.tokens.append(str(answer.body["token"]))
        return answer

    setattr(clock, "now", clock() + 30)  # noqa: B010  # the FakeClock the tests install
    assert step(totp_code(secret, clock())).status == 201
    assert step("000000" if totp_code(secret, clock()) != "000000" else "111111").status == 401
    assert step(recovery[0]).status == 201
    setattr(clock, "now", clock() + 30)  # noqa: B010
    body = {"password": journey.password, "code": totp_code(secret, clock())}
    answer = post(client, TOTP_DEACTIVATE, body, **bearer(token))
    journey.requests += 1
    assert answer.status == 200, answer.body


def retention(client: Any, journey: Journey, calls: list[Any] | None = None) -> None:
    """R-PRIV-4: the journey's account deactivated, another account's log-in later, then the
    stack's first run of the retention job once both are due: the one anonymised, the other's
    events stripped of address and browser. `calls` (a recorder) is emptied before the run."""
    from chalicelib.config import get_settings
    from chalicelib.domain.clock import DAY
    from chalicelib.wiring import services
    from tests.helpers import run_retention, signed_in

    clock = services().clock
    s = get_settings()
    token = log_in(client, journey, journey.password)
    answer = post(
        client,
        "/v1/account/deactivation",
        {"reason": "Ya no necesito esta cuenta.", "password": journey.password},
        **bearer(token),
    )
    assert answer.status == 200, answer.body
    # The first run handles the days then due: the deactivation's, and the log-in's.
    clock.advance((s.deactivated_retention_days - s.audit_detail_retention_days) * DAY)  # type: ignore[attr-defined]
    signed_in(client, 98)
    clock.advance((s.audit_detail_retention_days + 1) * DAY)  # type: ignore[attr-defined]
    if calls is not None:
        calls.clear()
    report = run_retention(client)
    assert report["accounts_anonymised"] == 1 and report["events_stripped"], report
