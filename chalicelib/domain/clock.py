"""Time as the domain sees it: a clock is a plain callable returning epoch seconds, so that tests
can move time (the 15-minute code expiry) without sleeping; stamps for the audit trail (UTC) and
for the mails (Ecuador's time)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

Clock = Callable[[], float]

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR

# Mainland Ecuador keeps UTC-5 all year (no daylight saving time).
ECUADOR = timezone(timedelta(hours=-5))


def iso(epoch: float) -> str:
    """The audit trail's and the API's stamp: ISO 8601 in UTC, to the second."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ecuador_time(epoch: float) -> str:
    """When, as a mail tells the person."""
    return datetime.fromtimestamp(epoch, ECUADOR).strftime("%d/%m/%Y %H:%M (hora de Ecuador)")


def minutes_up(seconds: float) -> int:
    """Whole minutes, rounded up: a wait told in minutes is never shorter than it is."""
    return math.ceil(seconds / MINUTE)
