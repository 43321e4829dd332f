"""Retention (R-PRIV-4, LOPDP Art. 10 i and 15): personal data is kept only as long as needed.

Two rules, applied by a scheduled job (chalicelib/handlers/retention.py) that never scans:
- an audit event keeps its source address and browser for `audit_detail_days`, then loses them
  (what happened and when stay: the trail is the account's accountability);
- a deactivated account keeps its personal data for `deactivated_days`, then is anonymised: its
  name, document, address, phones, personal e-mail and password go, every audit event of it loses
  source address, browser and detail; the ID stays claimed (R-REG-1: an ID is never reused).

Both find their work through a day key kept only while there is work to do (a sparse index: the
day an event was recorded, the day an account was deactivated), and a cursor per rule: the last
day done. So a run costs one read per rule when nothing is due; a run cut short resumes where it
stopped, and a shorter period set by the agency is applied to every day it newly covers.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from chalicelib.domain import passwords
from chalicelib.domain.clock import DAY, Clock, iso

log = logging.getLogger(__name__)

# The cursors' names.
AUDIT_DETAIL = "audit-detail"
DEACTIVATED = "deactivated"

# Events whose detail names where a session was opened (its device and source address,
# chalicelib/domain/account_sessions.py): the detail goes with the address and the browser.
DETAIL_NAMES_ORIGIN = frozenset({"SESSION_ENDED"})

# What an anonymised account's personal fields become (R-PRIV-4): nothing that identifies the
# person. The user item keeps its ID, status, dates and notice acknowledgement.
ANONYMISED_NAME = "Cuenta anonimizada"
ANONYMISED_TEXT = ""


@dataclass(frozen=True)
class RetentionPolicy:
    deactivated_days: int
    audit_detail_days: int
    # Audit events and accounts handled per run at most: the next run goes on from there.
    batch: int


@dataclass(frozen=True)
class EventKey:
    """An audit event as the store addresses it, and its kind (what its detail holds)."""

    user_id: str
    at_event: str
    event: str


@dataclass(frozen=True)
class Stripping:
    """What to remove from one audit event: always the source address and the browser."""

    key: EventKey
    detail: bool


@dataclass(frozen=True)
class Anonymisation:
    """The personal fields of a deactivated account, replaced (R-PRIV-4). `password_hash` is the
    hash of a random secret nobody holds, so a log-in does the same work as for any account and
    can never succeed."""

    user_id: str
    at: str
    password_hash: str


class RetentionStore(Protocol):
    def cursor(self, rule: str) -> str | None:
        """The last day the rule finished, or None before its first run."""
        ...

    def advance(self, rule: str, day: str) -> None: ...

    def events_recorded_on(self, day: str, limit: int) -> list[EventKey]:
        """Audit events of that day (UTC) that still hold an address or a browser."""
        ...

    def accounts_deactivated_on(self, day: str, limit: int) -> list[str]:
        """IDs of the accounts deactivated that day (UTC) and not yet anonymised."""
        ...

    def trail_keys(self, user_id: str) -> list[EventKey]:
        """Every audit event of the account that still holds an address, a browser or a detail."""
        ...

    def strip(self, stripping: Stripping) -> None: ...

    def anonymise(self, anonymisation: Anonymisation) -> bool:
        """False when the account is not deactivated (nothing is written)."""
        ...


@dataclass
class RetentionDeps:
    store: RetentionStore
    policy: RetentionPolicy
    clock: Clock


@dataclass
class RetentionReport:
    events_stripped: int = 0
    accounts_anonymised: int = 0
    # The last day each rule finished after this run.
    done_through: dict[str, str] = field(default_factory=dict)
    # True when the batch ran out before the due days did: the next run goes on.
    more: bool = False


def day_of(epoch: float) -> str:
    """The UTC day of an instant, as the index keys hold it."""
    return datetime.fromtimestamp(epoch, UTC).date().isoformat()


def last_due_day(now: float, days: int) -> str:
    """The last day all of whose moments are at least `days` days old: every event recorded on
    it, or account deactivated on it, is due."""
    return day_of(now - days * DAY - DAY)


def days_after(done: str | None, through: str) -> list[str]:
    """The days after `done` up to `through`, oldest first. A rule without a cursor has never
    run: on a new stack nothing is older than its first run, which so starts with the day then
    due (scripts/backfill_retention.py sets the cursors of a stack that holds older data)."""
    end = date.fromisoformat(through)
    start = date.fromisoformat(done) + timedelta(days=1) if done else end
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def anonymise_account(store: RetentionStore, user_id: str, now: float) -> bool:
    """Anonymises one deactivated account now (R-PRIV-4): the retention job's and the help
    desk's `erase`. The trail first and the account last, so that an interrupted run leaves the
    account in the index and the next one finishes it. False when it is not deactivated."""
    for key in store.trail_keys(user_id):
        store.strip(Stripping(key, detail=True))
    nobody = passwords.hash_password(secrets.token_urlsafe(32))
    return store.anonymise(Anonymisation(user_id, iso(now), nobody))


def run(
    deps: RetentionDeps, *, rules: Iterable[str] = (DEACTIVATED, AUDIT_DETAIL)
) -> RetentionReport:
    """One run of the retention job: each rule's due days, oldest first, until the batch is
    spent. Idempotent: what is done leaves the index, and a day is marked done only whole."""
    report = RetentionReport()
    budget = deps.policy.batch
    now = deps.clock()
    for rule in rules:
        done = deps.store.cursor(rule)
        days = (
            deps.policy.deactivated_days if rule == DEACTIVATED else deps.policy.audit_detail_days
        )
        for day in days_after(done, last_due_day(now, days)):
            if budget <= 0:
                report.more = True
                break
            handled = _one_day(deps, rule, day, budget, report)
            budget -= handled
            if budget <= 0 and handled and _more_on(deps, rule, day):
                report.more = True
                break
            deps.store.advance(rule, day)
            done = day
        if done:
            report.done_through[rule] = done
    log.info(
        "retention run",
        extra={
            "events_stripped": report.events_stripped,
            "accounts_anonymised": report.accounts_anonymised,
            "more": report.more,
        },
    )
    return report


def _one_day(deps: RetentionDeps, rule: str, day: str, budget: int, report: RetentionReport) -> int:
    """Handles up to `budget` items of one day; how many."""
    if rule == DEACTIVATED:
        accounts = deps.store.accounts_deactivated_on(day, budget)
        for user_id in accounts:
            if anonymise_account(deps.store, user_id, deps.clock()):
                report.accounts_anonymised += 1
        return len(accounts)
    events = deps.store.events_recorded_on(day, budget)
    for key in events:
        deps.store.strip(Stripping(key, detail=key.event in DETAIL_NAMES_ORIGIN))
    report.events_stripped += len(events)
    return len(events)


def _more_on(deps: RetentionDeps, rule: str, day: str) -> bool:
    """Whether the day still has work after a batch that ended on it."""
    if rule == DEACTIVATED:
        return bool(deps.store.accounts_deactivated_on(day, 1))
    return bool(deps.store.events_recorded_on(day, 1))
