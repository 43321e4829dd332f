"""Security codes (R-REG-11, R-HARD-1, R-HARD-3, R-HARD-4): issue, throttle, verify, expire, lock.

A code is 8 characters without look-alikes, mailed once, stored only as a keyed hash with its
expiry; a new request replaces the previous one. A try is counted before the code is compared,
in the pool of the source that requested it (its holder) or of every other source together
(docs/architecture-notes.md, "Security codes").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

from chalicelib.domain import errors, fields, messages, tokens
from chalicelib.domain.claims import email_claim
from chalicelib.domain.clock import HOUR, Clock, minutes_up
from chalicelib.domain.delivery import DeliveryState, deliverable
from chalicelib.domain.notices import Mailer
from chalicelib.domain.records import CodeRecord, CodeTry, Origin
from chalicelib.domain.throttles import source_of

USED_MESSAGE = "Este código de seguridad ya fue utilizado. Solicite un nuevo código."


class StaleCode(Exception):
    """The stored code changed between read and write (a concurrent request won)."""


class CodeStore(Protocol):
    def get(self, email_key: str, purpose: str) -> CodeRecord | None: ...

    def get_with_owner(
        self, email_key: str, purpose: str, claim: str
    ) -> tuple[CodeRecord | None, str | None]:
        """`get`, and the owner of `claim` (None if free), in one read: a code request needs
        both."""
        ...

    def get_for_request(
        self, email_key: str, purpose: str, claim: str, address: str
    ) -> tuple[CodeRecord | None, str | None, DeliveryState | None]:
        """`get_with_owner`, and the delivery state of `address` (an address key), in the same
        one read: a code request refuses an undeliverable address at no call more (R-MAIL-3)."""
        ...

    def put(self, record: CodeRecord) -> CodeRecord:
        """Write `record` if the stored item is still at `record.revision`; else StaleCode."""
        ...

    def count_try(
        self,
        email_key: str,
        sent_to: str,
        purpose: str,
        requester: str,
        now: int,
        max_attempts: int,
    ) -> CodeTry:
        """In one conditional write that also reads the code: one more try in the pool of
        `requester` (the holder's if it requested the code, else everyone else's), unless the
        code was mailed to another address than `sent_to`, is used, gone, expired at `now`, or
        that pool already holds `max_attempts`."""
        ...

    def refund(self, record: CodeRecord, *, holder: bool) -> None:
        """Take back the try (in the holder's pool or the others') of a right code whose action
        was refused for another reason (a taken ID), if the code is still the one `record`
        holds."""
        ...


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


# (code, lifetime in words: messages.lifetime) -> (subject, text, html)
CodeMail = Callable[[str, str], tuple[str, str, str]]


class Unread:
    """`CodeService.issue(previous=UNREAD)`: the caller has not read the stored code; issue
    does."""


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
        minutes = minutes_up(wait)
        raise errors.TooManyRequests(
            "Se alcanzó el máximo de códigos por hora para este correo electrónico. "
            f"Intente nuevamente en {minutes} minutos.",
            retry_after=wait,
        )
    return sends


def _refusal(
    record: CodeRecord | None, sent_to: str, holder: bool, now: int, policy: CodePolicy
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


@dataclass(frozen=True)
class CodeService:
    """Issues and checks the codes of every purpose against one store, mailer, clock, key and
    policy: the one object a use case calls for a code."""

    store: CodeStore
    mailer: Mailer
    clock: Clock
    key: bytes
    policy: CodePolicy

    def previous_and_holder(
        self, email: str, purpose: str
    ) -> tuple[CodeRecord | None, str | None, bool]:
        """The mailbox's previous code for `purpose` and who holds the address's claim, in one
        read: a code request checks that the address is free (R-REG-10) and throttles on the
        code's send history (R-REG-11). The code item is the mailbox's, so `ana+1@` and `ana@`
        share one budget; the claim is the exact address's (R-HARD-3). The same read brings
        whether the address is deliverable (R-MAIL-3): the caller refuses an undeliverable one
        after its other refusals (a taken address), before any resend wait, sending nothing."""
        key = fields.email_key(email)
        previous, holder, state = self.store.get_for_request(
            fields.mailbox_key(email), purpose, email_claim(key), key
        )
        return previous, holder, deliverable(state, self.clock())

    def issue(
        self,
        email: str,
        purpose: str,
        origin: Origin,
        *,
        previous: CodeRecord | Unread | None = UNREAD,
        mailbox: str | None = None,
        sent_to: str | None = None,
        render: CodeMail = messages.security_code,
    ) -> CodeIssued:
        """Store a fresh code for `email` (replacing any previous one), then mail it; by default
        the «CÓDIGO DE SEGURIDAD» mail that proves an address is the person's (R-REG-10,
        R-MOD-6).

        The code is kept under `mailbox` (default: the address's mailbox) and records the exact
        address key it went to, `sent_to` (R-HARD-3). `previous` is the stored code when the
        caller already read it, so that it is not read twice. If the mail fails the item is put
        back without a usable code and without this send in its history, so nothing usable is
        left and an immediate retry is not throttled.
        """
        policy = self.policy
        email_key = mailbox if mailbox is not None else fields.mailbox_key(email)
        now = int(self.clock())
        if isinstance(previous, Unread):
            previous = self.store.get(email_key, purpose)
        sends = _throttle(previous, now, policy)
        code = tokens.new_security_code()
        record = CodeRecord(
            email_key=email_key,
            purpose=purpose,
            code_hash=code_hash(self.key, email_key, purpose, code),
            expires_at=now + policy.ttl_seconds,
            attempts=0,
            sends=[*sends, now],
            used=False,
            revision=previous.revision if previous else 0,
            requester=requester_of(self.key, origin),
            sent_to=sent_to if sent_to is not None else fields.email_key(email),
        )
        try:
            stored = self.store.put(record)
        except StaleCode:
            raise errors.TooManyRequests(
                "Ya se está enviando un código a este correo. Espere un momento.",
                retry_after=policy.resend_seconds,
            ) from None
        subject, text, html = render(code, messages.lifetime(policy.ttl_seconds))
        try:
            self.mailer.send(email, subject, text, html)
        except errors.MailUnavailable:
            self.store.put(replace(stored, code_hash=None, sends=sends))
            raise
        return CodeIssued(policy.ttl_seconds, policy.resend_seconds)

    def check(
        self,
        email: str,
        purpose: str,
        given: str,
        origin: Origin,
        *,
        mailbox: str | None = None,
    ) -> CodeRecord:
        """The code mailed to `email` (kept under its mailbox, or under `mailbox` when the
        caller keys it otherwise), when `given` is it; counts the try first (R-HARD-1,
        R-HARD-4)."""
        policy = self.policy
        email_key = mailbox if mailbox is not None else fields.mailbox_key(email)
        sent_to = fields.email_key(email) if "@" in email else email
        now = int(self.clock())
        if not given:
            found = self.store.get(email_key, purpose)
            if found is None or found.sent_to != sent_to:
                raise errors.SecurityCodeNotRequested()
            raise errors.SecurityCodeRequired()
        source = requester_of(self.key, origin)
        tried = self.store.count_try(email_key, sent_to, purpose, source, now, policy.max_attempts)
        record = tried.record
        holder = record is None or record.requester in ("", source)
        if not tried.counted:
            _refusal(record, sent_to, holder, now, policy)
            # Nothing above refused it, yet the write did: it changed meanwhile.
            raise errors.SecurityCodeInvalid(errors.GONE_MEANWHILE)
        assert record is not None
        expected = code_hash(self.key, record.email_key, record.purpose, given)
        if tokens.same_hash(expected, record.code_hash or ""):
            return record
        tries = record.attempts if holder else record.foreign_attempts
        if tries >= policy.max_attempts:
            raise errors.SecurityCodeLocked()
        # The tries of this code left in the pool this one was counted in (R-UX-2).
        raise errors.SecurityCodeInvalid(attempts_left=policy.max_attempts - tries)

    def is_holder(self, record: CodeRecord, origin: Origin) -> bool:
        return record.requester in ("", requester_of(self.key, origin))

    def refusal_without_try(
        self, record: CodeRecord | None, email: str, given: str, origin: Origin
    ) -> errors.ApiError | None:
        """What `check` would refuse `given` for, on the code as read, when that needs no try:
        never requested, empty, used, locked or expired (R-UX-1). None: only a try can tell."""
        sent_to = fields.email_key(email)
        if not given:
            if record is None or record.sent_to != sent_to:
                return errors.SecurityCodeNotRequested()
            return errors.SecurityCodeRequired()
        holder = record is None or self.is_holder(record, origin)
        try:
            _refusal(record, sent_to, holder, int(self.clock()), self.policy)
        except errors.ApiError as error:
            return error
        return None

    @contextmanager
    def refunded_on_refusal(self, record: CodeRecord, origin: Origin) -> Iterator[None]:
        """A right code whose action is then refused for another reason (the ID was taken, the
        account changed) gets its try back: the person fixes the form and sends the same code."""
        try:
            yield
        except errors.ApiError as error:
            if not isinstance(error, errors.SecurityCodeInvalid):
                self.store.refund(record, holder=self.is_holder(record, origin))
            raise
