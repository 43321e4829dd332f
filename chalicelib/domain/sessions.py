"""Log-in, the session check every authenticated route goes through, and log-out (R-AUTH-1 … 4).

A token is ``<user_id>.<256 random bits>``; only its keyed hash is stored. A password change or
a deactivation moves ``session_epoch`` on, which ends every older session at once (R-AUTH-4).
Design notes: docs/architecture-notes.md, "Sessions".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol

from chalicelib.domain import devices, errors, passwords, tokens
from chalicelib.domain.clock import HOUR, MINUTE, Clock, iso
from chalicelib.domain.fields import check_user_id, normalise_user_id
from chalicelib.domain.lockout import PasswordGate
from chalicelib.domain.records import (
    STATUS_ACTIVE,
    AuditEvent,
    Caller,
    LoginState,
    Origin,
    Session,
    User,
    audit,
)

TOKEN_BYTES = 32
# The user-ID part follows R-REG-1's shape; the secret is token_urlsafe(32): 43 characters.
_TOKEN = re.compile(r"([a-z0-9][a-z0-9._-]{3,19})\.([A-Za-z0-9_-]{43})")

IDLE_MESSAGE = "Su sesión se cerró por inactividad. Ingrese nuevamente."
ABSOLUTE_MESSAGE = "Su sesión alcanzó el tiempo máximo permitido. Ingrese nuevamente."


class SessionStore(Protocol):
    def load(self, token_hash: str, user_id: str) -> tuple[Session | None, User | None]:
        """The session and its user, in one read."""
        ...

    def touch(self, session: Session) -> bool:
        """Store the session's new last_seen/expires_at; False when it no longer exists."""
        ...

    def delete(self, token_hash: str) -> None: ...


class SessionOpener(Protocol):
    """What log-in writes (the account store has it)."""

    def open_session(
        self,
        session: Session,
        audit: AuditEvent,
        *,
        before: LoginState,
        after: LoginState,
        rehash: tuple[str, str] | None = None,
    ) -> bool:
        """Store the session and its audit item, replace the lock-out state `before` by `after`
        and the password hash (old, new) when asked, in one write; False (nothing written) when
        the stored state or hash is no longer the one read."""
        ...


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: int = 30 * MINUTE
    absolute_seconds: int = 8 * HOUR
    # last_seen is written at most this often, not on every request.
    touch_every_seconds: int = 60


@dataclass
class SessionDeps:
    accounts: SessionOpener
    sessions: SessionStore
    gate: PasswordGate
    clock: Clock
    hash_key: bytes
    policy: SessionPolicy


@dataclass(frozen=True)
class NewSession:
    token: str
    expires_at: str
    idle_timeout_seconds: int


def token_hash(key: bytes, token: str) -> str:
    return tokens.keyed_hash(key, "session", token)


def token_user_id(token: str) -> str | None:
    match = _TOKEN.fullmatch(token)
    return match.group(1) if match else None


def expiry(session: Session, policy: SessionPolicy) -> int:
    return min(
        session.last_seen + policy.idle_seconds, session.created_at + policy.absolute_seconds
    )


def log_in(deps: SessionDeps, user_id: str, password: str, origin: Origin) -> NewSession:
    """R-AUTH-1 … R-AUTH-3: two DynamoDB calls on success (one read, one write)."""
    user_id = normalise_user_id(user_id)
    if check_user_id(user_id) is not None:
        # No account can have this ID (R-REG-1), and a key of any length would make DynamoDB
        # refuse the read: answer as for any unknown ID, after the same hashing work.
        # No state is kept for it, so it says what a first wrong try says (R-UX-2).
        passwords.verify_password(passwords.dummy_hash(), password)
        raise errors.InvalidCredentials(attempts_left=deps.gate.policy.max_failures - 1)
    attempt = deps.gate.check(user_id, password, origin)
    user = attempt.user
    # Told only now, after the right password (R-AUTH-3); the attempt is taken back, so that
    # a right password never counts toward a lock-out.
    if user.status != STATUS_ACTIVE:
        deps.gate.succeed(attempt)
        raise errors.AccountDeactivated()
    # An undone e-mail change (R-HARD-9): the password may be the intruder's; also told only
    # after the right one.
    if user.must_recover_password:
        deps.gate.succeed(attempt)
        raise errors.PasswordRecoveryRequired()
    now = int(deps.clock())
    token = f"{user.user_id}.{tokens.new_token(TOKEN_BYTES)}"
    session = Session(
        token_hash=token_hash(deps.hash_key, token),
        user_id=user.user_id,
        epoch=user.session_epoch,
        created_at=now,
        last_seen=now,
        expires_at=0,
        # Shown in the session list (R-SEC-1); kept in the item the log-in writes anyway.
        source_ip=origin.source_ip,
        device=devices.describe(origin.user_agent),
    )
    session = replace(session, expires_at=expiry(session, deps.policy))
    rehash = None
    if passwords.needs_rehash(user.password_hash):
        rehash = (user.password_hash, passwords.hash_password(password))
    event = audit(user.user_id, "LOGGED_IN", now, origin)
    # One write: the session, its audit item and the attempt taken back (R-AUTH-1, R-HARD-1).
    deps.gate.succeed(
        attempt,
        lambda before, after: deps.accounts.open_session(
            session, event, before=before, after=after, rehash=rehash
        ),
    )
    return NewSession(
        token=token,
        expires_at=iso(session.created_at + deps.policy.absolute_seconds),
        idle_timeout_seconds=deps.policy.idle_seconds,
    )


def authenticate(deps: SessionDeps, token: str, origin: Origin) -> Caller:
    """The one session check of every authenticated route; UNAUTHORIZED when it fails."""
    user_id = token_user_id(token)
    if user_id is None:
        raise errors.Unauthorized()
    digest = token_hash(deps.hash_key, token)
    session, user = deps.sessions.load(digest, user_id)
    if session is None or user is None or session.user_id != user_id:
        raise errors.Unauthorized()
    now = int(deps.clock())
    if now >= session.created_at + deps.policy.absolute_seconds:
        raise errors.Unauthorized(ABSOLUTE_MESSAGE)
    if now >= session.last_seen + deps.policy.idle_seconds:
        raise errors.Unauthorized(IDLE_MESSAGE)
    # A password change or a deactivation moved the epoch on: every older session is over.
    if user.status != STATUS_ACTIVE or user.session_epoch != session.epoch:
        raise errors.Unauthorized()
    if now - session.last_seen >= deps.policy.touch_every_seconds:
        session = replace(session, last_seen=now)
        session = replace(session, expires_at=expiry(session, deps.policy))
        if not deps.sessions.touch(session):
            raise errors.Unauthorized()
    return Caller(user=user, session=session, origin=origin)


def log_out(deps: SessionDeps, caller: Caller) -> None:
    deps.sessions.delete(caller.session.token_hash)
