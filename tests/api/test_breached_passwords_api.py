"""The breached-password check at registration, password change and recovery, against a real
range server on loopback (R-ABUSE-2, api.md "Additions of the second wave")."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from chalicelib.domain import passwords
from chalicelib.domain.breached_passwords import BREACHED
from chalicelib.wiring import services
from tests.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    RECOVERED_PASSWORD,
    USER,
    assert_error,
    last_code,
    loopback_http,
    post,
    put,
    recovery_code,
    registration_body,
    request_code,
    request_recovery,
    reset,
    update_body,
    user_item,
)

RANGE_PATH = re.compile(r"/range/[0-9A-F]{5}")


def _split(password: str) -> tuple[str, str]:
    digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
    return digest[:5], digest[5:]


@dataclass
class RangeServer:
    """What the fake range API answers, and every request it got (path, headers)."""

    url: str = ""
    breached: set[str] = field(default_factory=set)
    status: int = 200
    delay: float = 0.0
    # Seconds between the pieces of a body sent a few bytes at a time (0: all at once).
    trickle: float = 0.0
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def body(self, prefix: str) -> str:
        lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:1"]
        for password in sorted(self.breached):
            p, suffix = _split(password)
            if p == prefix:
                lines.append(f"{suffix}:42")
        # Padding: a listed suffix with count 0 is no breach.
        lines.append(f"{_split(RECOVERED_PASSWORD)[1]}:0")
        return "\r\n".join(lines)


@pytest.fixture
def range_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RangeServer]:
    state = RangeServer()

    def answer(path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        state.requests.append((path, headers))
        time.sleep(state.delay)
        return state.status, state.body(path.rsplit("/", 1)[-1]).encode()

    with loopback_http(answer, pace=lambda: state.trickle) as state.url:
        on = replace(
            services().settings,
            breached_password_check=True,
            hibp_api_url=state.url,
            hibp_timeout_seconds=0.2,
        )
        monkeypatch.setattr(services(), "settings", on)
        yield state


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 hash computed from here on (the passwords hashed)."""
    seen: list[str] = []
    real = passwords.hash_password

    def counted(password: str) -> str:
        seen.append(password)
        return real(password)

    monkeypatch.setattr(passwords, "hash_password", counted)
    return seen


def _register(client: Any, password: str) -> Any:
    body = registration_body(1, password=password, password_confirmation=password)
    assert request_code(client, body["email"]).status == 202
    body["security_code"] = last_code(body["email"])
    return post(client, "/v1/registration", body)


def _unavailable(caplog: pytest.LogCaptureFixture) -> list[Any]:
    return [r for r in caplog.records if r.getMessage() == "breached_password_check_unavailable"]


def _assert_only_prefix_sent(server: RangeServer, password: str) -> None:
    prefix, _ = _split(password)
    assert server.requests, "no range request"
    for path, headers in server.requests:
        assert RANGE_PATH.fullmatch(path), path
        assert path == f"/range/{prefix}"
        assert headers.get("add-padding") == "true"


def test_a_breached_password_is_refused_at_registration_before_any_hash_r_abuse_2(
    client: Any, range_server: RangeServer, hashes: list[str]
) -> None:
    range_server.breached.add(PASSWORD)
    answer = _register(client, PASSWORD)
    error = assert_error(answer, 400, "VALIDATION_ERROR")
    assert error["fields"]["password"] == BREACHED
    assert hashes == []
    _assert_only_prefix_sent(range_server, PASSWORD)


def test_a_password_not_in_the_range_registers_normally_r_abuse_2(
    client: Any, range_server: RangeServer
) -> None:
    range_server.breached.add("otra-Clave-filtrada-99")
    assert _register(client, PASSWORD).status == 201
    _assert_only_prefix_sent(range_server, PASSWORD)


def test_a_padding_entry_is_no_breach_r_abuse_2(client: Any, range_server: RangeServer) -> None:
    # The server pads with RECOVERED_PASSWORD's suffix at count 0.
    assert _register(client, RECOVERED_PASSWORD).status == 201


def test_a_breached_new_password_is_refused_at_the_change_before_any_hash_r_abuse_2(
    client: Any, token: str, profile: dict[str, Any], range_server: RangeServer, hashes: list[str]
) -> None:
    range_server.breached.add(NEW_PASSWORD)
    before = user_item()["password_hash"]
    body = update_body(
        profile,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        new_password_confirmation=NEW_PASSWORD,
    )
    error = assert_error(put(client, token, body), 400, "VALIDATION_ERROR")
    assert error["fields"]["new_password"] == BREACHED
    assert hashes == []
    assert user_item()["password_hash"] == before
    _assert_only_prefix_sent(range_server, NEW_PASSWORD)


def test_a_breached_new_password_is_refused_at_recovery_before_any_hash_r_abuse_2(
    client: Any, token: str, range_server: RangeServer, hashes: list[str]
) -> None:
    breached = "Recuperada2026-filtrada"
    range_server.breached.add(breached)
    assert request_recovery(client, user_id=USER).status == 202
    before = user_item()["password_hash"]
    answer = reset(client, recovery_code(), password=breached)
    error = assert_error(answer, 400, "VALIDATION_ERROR")
    assert error["fields"]["new_password"] == BREACHED
    assert hashes == []
    assert user_item()["password_hash"] == before
    _assert_only_prefix_sent(range_server, breached)


def test_registration_goes_on_when_the_range_api_times_out_r_abuse_2(
    client: Any, range_server: RangeServer, caplog: pytest.LogCaptureFixture
) -> None:
    range_server.breached.add(PASSWORD)
    range_server.delay = 0.5  # over the 0.2 s timeout the fixture sets
    assert _register(client, PASSWORD).status == 201
    warnings = _unavailable(caplog)
    assert [r.reason for r in warnings] == ["TimeoutError"]
    assert all(_split(PASSWORD)[0] not in r.getMessage() + r.reason for r in warnings)


def test_an_answer_that_trickles_past_the_timeout_fails_open_r_abuse_2(
    client: Any, range_server: RangeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The timeout bounds the whole look-up, not each read: a body sent a piece every 0.1 s,
    each read well within the 0.2 s timeout, is abandoned once the look-up takes longer."""
    range_server.breached.add(PASSWORD)
    range_server.trickle = 0.1
    assert _register(client, PASSWORD).status == 201
    assert [r.reason for r in _unavailable(caplog)] == ["TimeoutError"]


def test_registration_goes_on_when_the_range_api_fails_r_abuse_2(
    client: Any, range_server: RangeServer, caplog: pytest.LogCaptureFixture
) -> None:
    range_server.breached.add(PASSWORD)
    range_server.status = 503
    assert _register(client, PASSWORD).status == 201
    assert [r.status for r in _unavailable(caplog)] == [503]
