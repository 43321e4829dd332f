"""Structured logs (R-OPS-3): one JSON line per event with the request id, never a secret.

The journeys run at DEBUG, the `dev` stage's level, which is where a library would print a
DynamoDB item (and with it a password hash) if it were allowed to.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import logs
from chalicelib.store.models import SessionModel, UserModel
from tests import flows

ACCESS_FIELDS = {"timestamp", "level", "request_id", "route", "method", "status", "latency_ms"}


class Lines(logging.Handler):
    """Keeps every formatted line, formatted exactly as in Lambda (`logs.install`)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def access(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if r["logger"] == logs.__name__]


@pytest.fixture
def captured(client: Any) -> Iterator[Lines]:
    from app import app

    handler = logs.install(Lines())
    root = logging.getLogger()
    before = root.level
    logs.configure("DEBUG", app.log)
    for logger in (root, app.log):
        logger.addHandler(handler)
    yield handler
    for logger in (root, app.log):
        logger.removeHandler(handler)
    logs.configure(logging.getLevelName(before), app.log)


def stored_hashes(user_id: str) -> list[str]:
    """The password hash and session-token hashes the journey left in the tables."""
    found = [UserModel.get(user_id).password_hash]
    found += [s.token_hash for s in SessionModel.scan() if s.user_id == user_id]
    return found


def assert_no_secret(lines: list[str], secrets: list[str]) -> None:
    assert lines
    for secret in secrets:
        assert secret
        for line in lines:
            assert secret.lower() not in line.lower(), f"{secret!r} logged: {line}"


def assert_access_lines(handler: Lines, requests: int) -> None:
    access = handler.access()
    assert len(access) == requests
    assert len({line["request_id"] for line in access}) == requests
    for line in access:
        assert set(line) >= ACCESS_FIELDS, line
        assert line["route"].startswith("/v1/")
        assert isinstance(line["status"], int) and isinstance(line["latency_ms"], float)
    for raw in handler.lines:
        assert "\n" not in raw


def test_registration_logs_one_json_line_per_request_and_no_secret(client, captured):
    """R-OPS-3 over a registration: no password, code, hash or full e-mail in any line."""
    journey = flows.registration(client, 61)
    assert_access_lines(captured, journey.requests)
    assert_no_secret(captured.lines, journey.secrets() + stored_hashes(journey.user_id))
    statuses = [line["status"] for line in captured.access()]
    assert 201 in statuses and 400 in statuses


def test_log_in_and_account_changes_log_no_password_code_token_hash_or_e_mail(client, captured):
    """R-OPS-3 over log-in, e-mail change and password change (api.md "Sessions", "Account")."""
    journey = flows.sign_up(client, 62)
    flows.account(client, journey, "maria.nueva62@example.org", "Cambiada2026segura")
    assert_access_lines(captured, journey.requests)
    assert_no_secret(captured.lines, journey.secrets() + stored_hashes(journey.user_id))


def test_recovery_and_the_undo_log_no_code_link_token_password_hash_or_e_mail(client, captured):
    """R-OPS-3 over issue 8: the undo link's token, the recovery code and the new password."""
    journey = flows.sign_up(client, 63)
    flows.recovery(client, journey, "maria.nueva63@example.org", "Recuperada2026ok")
    assert_access_lines(captured, journey.requests)
    assert_no_secret(captured.lines, journey.secrets() + stored_hashes(journey.user_id))


def test_the_second_factor_logs_no_secret_code_challenge_or_token_r_sec_2(client, captured):
    """R-OPS-3 over R-SEC-2: the TOTP secret, its codes, the recovery codes and the challenges."""
    journey = flows.sign_up(client, 64)
    flows.second_factor(client, journey)
    assert_access_lines(captured, journey.requests)
    assert_no_secret(captured.lines, journey.secrets() + stored_hashes(journey.user_id))


def test_e_mail_addresses_are_masked_wherever_they_appear():
    assert logs.mask_email("juan.perez@example.com") == "j***@example.com"
    assert logs.mask_emails("from juan@x.ec to ana.b@correo.aduana.gob.ec") == (
        "from j***@x.ec to a***@correo.aduana.gob.ec"
    )


def test_secret_fields_are_redacted_whatever_their_spelling():
    handler = logs.install(Lines())
    log = logging.getLogger("tests.logging.secret-fields")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning(
            "mail to %s failed",
            "juan.perez@example.com",
            extra={
                "password": "Clave2026segura",
                "new_password": "Otra2026clave",
                "currentPassword": "Vieja2026clave",
                "security_code": "ABCD2345",
                "Authorization": "Bearer tok",
                "token": "tok",
                "code_hash": "c0ffee",
                "password_hash": "$argon2id$v=19$m=19456",
                "detail": {"token_hash": "beef", "email": "ana@example.org"},
                "user_id": "juan.perez",
            },
        )
    finally:
        log.removeHandler(handler)
    (line,) = handler.records()
    for name in ("password", "new_password", "currentPassword", "security_code"):
        assert line[name] == logs.REDACTED
    for name in ("Authorization", "token", "code_hash", "password_hash"):
        assert line[name] == logs.REDACTED
    assert line["detail"] == {"token_hash": logs.REDACTED, "email": "a***@example.org"}
    assert line["message"] == "mail to j***@example.com failed"
    assert line["user_id"] == "juan.perez"


def test_exceptions_are_one_line_with_e_mails_masked():
    handler = logs.install(Lines())
    log = logging.getLogger("tests.logging.exceptions")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise ValueError("bad address juan.perez@example.com")
        except ValueError:
            log.exception("unhandled error")
    finally:
        log.removeHandler(handler)
    (raw,) = handler.lines
    assert "\n" not in raw and "juan.perez@" not in raw
    line = json.loads(raw)
    assert line["error_type"] == "ValueError" and "j***@example.com" in line["traceback"]


def test_libraries_that_print_request_parameters_stay_quiet_at_debug():
    logs.configure("DEBUG")
    try:
        for name in logs.QUIET_LIBRARIES:
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        assert logging.getLogger("chalicelib").isEnabledFor(logging.DEBUG)
    finally:
        logs.configure("INFO")
