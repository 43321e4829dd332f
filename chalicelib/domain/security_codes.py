"""Security-code lifecycle (R-REG-11): issue, throttle, verify, expire, lock.

A code is 8 characters without look-alikes, mailed once, stored only as a keyed hash with its
expiry. A new request replaces the previous code. Requests per address are throttled (one a
minute, five an hour by default) from the send history kept on the same item, so the check and
the write are one conditional put and two racing requests cannot both pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from chalicelib.domain import errors, tokens
from chalicelib.domain.ports import Clock, CodeRecord, CodeStore, Mailer, StaleCode

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
    AccountDeps, RecoveryDeps all have it)."""

    codes: CodeStore
    mailer: Mailer
    clock: Clock
    hash_key: bytes
    code_policy: CodePolicy


def check_code(
    *,
    record: CodeRecord | None,
    given: str,
    codes: CodeStore,
    clock: Clock,
    key: bytes,
    policy: CodePolicy,
) -> CodeRecord:
    """The checks R-REG-11 lists, in the order the portal reports them; counts a wrong try."""
    if record is None:
        raise errors.SecurityCodeNotRequested()
    if not given:
        raise errors.SecurityCodeRequired()
    if record.used:
        raise errors.SecurityCodeInvalid(USED_MESSAGE)
    if record.attempts >= policy.max_attempts:
        raise errors.SecurityCodeLocked()
    if record.code_hash is None:
        # The last request's mail failed: no code was delivered.
        raise errors.SecurityCodeNotRequested()
    if clock() >= record.expires_at:
        raise errors.SecurityCodeExpired()
    expected = code_hash(key, record.email_key, record.purpose, given)
    if not tokens.same_hash(expected, record.code_hash):
        codes.count_failure(record)
        if record.attempts + 1 >= policy.max_attempts:
            raise errors.SecurityCodeLocked()
        raise errors.SecurityCodeInvalid()
    return record


def check_code_with(deps: CodeDeps, record: CodeRecord | None, given: str) -> CodeRecord:
    """`check_code` against the store, clock, key and policy of `deps`."""
    return check_code(
        record=record,
        given=given,
        codes=deps.codes,
        clock=deps.clock,
        key=deps.hash_key,
        policy=deps.code_policy,
    )
