"""The retention rule's days (R-PRIV-4): which days are due, and which a run walks."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.clock import DAY
from chalicelib.domain.retention import day_of, days_after, last_due_day


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_a_day_is_due_once_its_last_moment_is_the_period_old_r_priv_4() -> None:
    # An event at 23:59:59 on 1 December, kept 30 days, is 30 days old on 31 December 23:59:59.
    assert last_due_day(at("2026-12-31T23:59:58"), 30) == "2026-11-30"
    assert last_due_day(at("2026-12-31T23:59:59"), 30) == "2026-11-30"
    assert last_due_day(at("2027-01-01T00:00:00"), 30) == "2026-12-01"


def test_every_moment_of_a_due_day_is_at_least_the_period_old_r_priv_4() -> None:
    now = at("2026-12-07T10:30:00")
    due = last_due_day(now, 365)
    last_moment = at(f"{due}T23:59:59")
    assert now - last_moment >= 365 * DAY
    assert day_of(at(f"{due}T00:00:00") + DAY) > due


def test_a_run_walks_the_days_after_its_cursor_oldest_first_r_priv_4() -> None:
    assert days_after("2026-02-27", "2026-03-02") == [
        "2026-02-28",
        "2026-03-01",
        "2026-03-02",
    ]
    assert days_after("2026-03-02", "2026-03-02") == []
    # A longer period set later moves the due day back: nothing to do until it catches up.
    assert days_after("2026-03-02", "2026-01-01") == []


def test_a_first_run_starts_with_the_day_then_due_r_priv_4() -> None:
    assert days_after(None, "2026-03-02") == ["2026-03-02"]
