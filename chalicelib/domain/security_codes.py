"""Security-code lifecycle (R-REG-11, R-HARD-1, R-HARD-4): issue, throttle, verify, expire, lock.

A code is 8 characters without look-alikes, mailed once, stored only as a keyed hash with its
expiry. A new request replaces the previous code. Requests per address are throttled (one a
minute, five an hour by default) from the send history kept on the same item, so the check and
the write are one conditional put and two racing requests cannot both pass.

A try is counted *before* the code is compared (R-HARD-1), by the conditional write that also
reads the code, so parallel guesses cannot all be compared against a count read earlier. Tries
are counted in two pools (R-HARD-4): the source address that requested the code (its holder)
has `max_attempts`; every other source together has as many more, so that strangers guessing
with the owner's address or ID cannot lock the owner's code, while the code still dies after
at most twice `max_attempts` wrong tries in all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

from chalicelib.domain import errors, fields, tokens
from chalicelib.domain.ports import Clock, CodeRecord, CodeStore, Mailer, Origin, StaleCode
from chalicelib.domain.throttles import source_of

HOUR = 3600
USED_MESSAGE = "Este código de seguridad ya fue utilizado. Solicite un nuevo código."
# A code that passed its check but was used, replaced or killed by wrong tries before the write
# that consumes it committed (a concurrent request won the transaction).
GONE_MEANWHILE = (
    "Este código de seguridad ya fue utilizado, reemplazado o bloqueado por intentos fallidos. "
    "Solicite un nuevo código."
)


@dataclass(frozen=True)
class CodePolicy:
    ttl_seconds: int = 900
    max_attempts: int = 5
    resend_seconds: int = 60
    max_per_hour: int = 5


@dataclass(frozen=True)
class CodeIssued:
    expires_in_seconds: int
    resend_after_seconds: int


# (to, code, lifetime in minutes) -> (subject, text, html)
CodeMail = Callable[[str, int], tuple[str, str, str]]


class Unread:
    """`issue_code(previous=UNREAD)`: the caller has not read the stored code; issue_code does."""


UNREAD = Unread()


def code_hash(key: bytes, record_email: str, purpose: str, code: str) -> str:
    return tokens.keyed_hash(key, "code", purpose, record_email, code.upper())


def requester_of(key: bytes, origin: Origin) -> str:
    """Who asked for a code, as it is stored: a keyed hash of the source (an IPv4 address or an
    IPv6 /64), so that a leaked table tells nobody's address (R-HARD-4)."""
    return tokens.keyed_hash(key, "code-requester", source_of(origin.source_ip))[:32]


def _throttle(previous: CodeRecord | None, now: int, policy: CodePolicy) -> list[int]:
    """The send history still inside the hour; raises TooManyRequests when over a limit."""
    sends = [t for t in (previous.sends if previous else []) if t > now - HOUR]
    if sends and now - sends[-1] < policy.resend_seconds:
        wait = policy.resend_seconds - (now - sends[-1])
        raise errors.TooManyRequests(
            f"Ya se envió un código hace poco. Podrá solicitar otro en {wait} segundos.",
            retry_after=wait,
        )
    if len(sends) >= policy.max_per_hour:
        wait = sends[0] + HOUR - now
        minutes = math.ceil(wait / 60)
        raise errors.TooManyRequests(
            "Se alcanzó el máximo de códigos por hora para este correo electrónico. "
            f"Intente nuevamente en {minutes} minutos.",
            retry_after=wait,
        )
    return sends


def issue_code(
    *,
    email: str,
    email_key: str,
    purpose: str,
    codes: CodeStore,
    mailer: Mailer,
    clock: Clock,
    key: bytes,
    policy: CodePolicy,
    render: CodeMail,
    requester: str = "",
    previous: CodeRecord | Unread | None = UNREAD,
    sent_to: str = "",
) -> CodeIssued:
    """Store a fresh code (replacing any previous one), then mail it.

    If the mail fails the stored item is put back without a usable code and without this send
    in its history, so nothing usable is left and an immediate retry is not throttled.
    `previous` is the stored code when the caller already read it (`CodeStore.get_with_owner`),
    so that it is not read twice. `sent_to` is the exact address key when `email_key` is its
    mailbox (R-HARD-3).
    """
    now = int(clock())
    if isinstance(previous, Unread):
        previous = codes.get(email_key, purpose)
    sends = _throttle(previous, now, policy)
    code = tokens.new_security_code()
    record = CodeRecord(
        email_key=email_key,
        purpose=purpose,
        code_hash=code_hash(key, email_key, purpose, code),
        expires_at=now + policy.ttl_seconds,
        attempts=0,
        sends=[*sends, now],
        used=False,
        revision=previous.revision if previous else 0,
        requester=requester,
        sent_to=sent_to,
    )
    try:
        stored = codes.put(record)
    except StaleCode:
        raise errors.TooManyRequests(
            "Ya se está enviando un código a este correo. Espere un momento.",
            retry_after=policy.resend_seconds,
        ) from None
    subject, text, html = render(code, math.ceil(policy.ttl_seconds / 60))
    try:
        mailer.send(email, subject, text, html)
    except errors.MailUnavailable:
        codes.put(replace(stored, code_hash=None, sends=sends))
        raise
    return CodeIssued(policy.ttl_seconds, policy.resend_seconds)


class CodeDeps(Protocol):
    """What issuing and checking a code take from a use case's dependencies (RegistrationDeps,
    AccountDeps, RecoveryDeps all have it). Read-only, as those frozen dataclasses are."""

    @property
    def codes(self) -> CodeStore: ...
    @property
    def mailer(self) -> Mailer: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def hash_key(self) -> bytes: ...
    @property
    def code_policy(self) -> CodePolicy: ...


def _refusal(
    record: CodeRecord | None, sent_to: str, holder: bool, now: float, policy: CodePolicy
) -> None:
    """The checks R-REG-11 lists, in the order the portal reports them, on a code as found.
    A code mailed to another address of the mailbox (`ana+1@`) was never requested for this
    one (R-HARD-3)."""
    if record is None or record.sent_to != sent_to:
        raise errors.SecurityCodeNotRequested()
    if record.used:
        raise errors.SecurityCodeInvalid(USED_MESSAGE)
    tries = record.attempts if holder else record.foreign_attempts
    if tries >= policy.max_attempts:
        raise errors.SecurityCodeLocked()
    if record.code_hash is None:
        # The last request's mail failed: no code was delivered.
        raise errors.SecurityCodeNotRequested()
    if now >= record.expires_at:
        raise errors.SecurityCodeExpired()


def check_code(
    *,
    email_key: str,
    sent_to: str,
    purpose: str,
    given: str,
    origin: Origin,
    codes: CodeStore,
    clock: Clock,
    key: bytes,
    policy: CodePolicy,
) -> CodeRecord:
    """The code of mailbox `email_key`, when it was mailed to `sent_to` and `given` is it;
    counts the try first (R-HARD-1, R-HARD-4)."""
    now = int(clock())
    if not given:
        record = codes.get(email_key, purpose)
        if record is None or record.sent_to != sent_to:
            raise errors.SecurityCodeNotRequested()
        raise errors.SecurityCodeRequired()
    source = requester_of(key, origin)
    tried = codes.count_try(email_key, sent_to, purpose, source, now, policy.max_attempts)
    record = tried.record
    holder = record is None or record.requester in ("", source)
    if not tried.counted:
        _refusal(record, sent_to, holder, now, policy)
        # Nothing above refused it, yet the write did: it changed meanwhile.
        raise errors.SecurityCodeInvalid(GONE_MEANWHILE)
    assert record is not None
    expected = code_hash(key, record.email_key, record.purpose, given)
    if tokens.same_hash(expected, record.code_hash or ""):
        return record
    tries = record.attempts if holder else record.foreign_attempts
    if tries >= policy.max_attempts:
        raise errors.SecurityCodeLocked()
    raise errors.SecurityCodeInvalid()


def check_code_with(
    deps: CodeDeps,
    email: str,
    purpose: str,
    given: str,
    origin: Origin,
    *,
    mailbox: str | None = None,
) -> CodeRecord:
    """`check_code` of the code mailed to `email` (kept under its mailbox, or under `mailbox`
    when the caller keys it otherwise), against the store, clock, key and policy of `deps`."""
    return check_code(
        email_key=mailbox if mailbox is not None else fields.mailbox_key(email),
        sent_to=fields.email_key(email) if "@" in email else email,
        purpose=purpose,
        given=given,
        origin=origin,
        codes=deps.codes,
        clock=deps.clock,
        key=deps.hash_key,
        policy=deps.code_policy,
    )


def is_holder(deps: CodeDeps, record: CodeRecord, origin: Origin) -> bool:
    return record.requester in ("", requester_of(deps.hash_key, origin))


@contextmanager
def refunded_on_refusal(deps: CodeDeps, record: CodeRecord, origin: Origin) -> Iterator[None]:
    """A right code whose action is then refused for another reason (the ID was taken, the
    account changed) gets its try back: the person fixes the form and sends the same code."""
    try:
        yield
    except errors.ApiError as error:
        if not isinstance(error, errors.SecurityCodeInvalid):
            deps.codes.refund(record, holder=is_holder(deps, record, origin))
        raise
