"""The app's own metrics (R-MAIL-5): CloudWatch embedded-metric-format lines on stdout, one per
count, with no AWS call."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import (
    USER,
    WRONG,
    FakeClock,
    aws_calls,
    bounce_of,
    log_in,
    notify,
    register,
    request_code,
)


def emitted(out: str) -> list[tuple[str, Any, dict[str, Any]]]:
    found = []
    for line in out.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        body = json.loads(line)
        (directive,) = body["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "Ecuapass"
        assert directive["Dimensions"] == [["service"]]
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count"
            found.append((metric["Name"], body[metric["Name"]], body))
    return found


def names(out: str) -> list[str]:
    return [name for name, _, _ in emitted(out)]


def test_codes_sent_and_registrations_are_counted_without_an_aws_call(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with aws_calls() as calls:
        assert request_code(client, "libre@example.org").status == 202
    assert not [c for c in calls if c.startswith(("cloudwatch:", "logs:"))]
    found = emitted(capsys.readouterr().out)
    assert [(name, value) for name, value, _ in found] == [("CodesSent", [1.0])]
    assert found[0][2]["service"] == "ecuapass-dev"
    assert register(client, 2).status == 201
    assert names(capsys.readouterr().out) == ["CodesSent", "Registrations"]


def test_bounces_complaints_refusals_and_throttles_are_counted(
    client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    address = "libre@example.org"
    assert request_code(client, address).status == 202
    assert request_code(client, address).status == 429
    bounce_of(client, address, clock())
    assert request_code(client, address).status == 400
    assert names(capsys.readouterr().out) == [
        "CodesSent",
        "ThrottledRequests",
        "Bounces",
        "MailsRefusedUndeliverable",
    ]


def test_the_breached_password_fail_open_is_counted(capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.breach_range import RangeClient

    assert RangeClient("http://127.0.0.1:9", 0.5)("ABCDE") is None
    assert names(capsys.readouterr().out) == ["BreachedPasswordCheckUnavailable"]


def test_counts_of_concurrent_requests_neither_break_nor_swallow_each_other(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`chalice local` serves requests in threads: a count must never flush another's metric set
    (a request answered 500 when one thread emptied the set the other was about to write)."""
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib import metrics

    def burst(_: int) -> None:
        for _ in range(200):
            metrics.count(metrics.REGISTRATIONS)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(burst, range(8)))
    found = emitted(capsys.readouterr().out)
    assert sum(value[0] for _, value, _ in found) == 8 * 200


def test_a_lock_out_is_counted_once_not_at_every_refusal_it_causes(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-MAIL-5: LockOuts counts locks started; the 423s refused while a lock lasts are not new
    lock-outs (a burst against one locked account would otherwise look like an attack on many)."""
    assert register(client).status == 201
    for _ in range(5):
        log_in(client, USER, WRONG)
    for _ in range(3):
        assert log_in(client, USER, WRONG).status == 423
    assert names(capsys.readouterr().out).count("LockOuts") == 1


def test_a_rejected_mail_is_counted_and_changes_no_address(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-MAIL-5: SES's Reject tells about one mail, not an address: a metric, never a state."""
    reject = {
        "eventType": "Reject",
        "mail": {"messageId": "rej-1", "destination": ["libre@example.org"]},
        "reject": {"reason": "Bad content"},
    }
    notify(client, json.dumps(reject))
    assert names(capsys.readouterr().out) == ["MailsRejected"]
    assert request_code(client, "libre@example.org").status == 202
