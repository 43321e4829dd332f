"""Log-in, the session check every authenticated route goes through, and log-out (R-AUTH-1 … 4).

A token is ``<user_id>.<256 random bits>``; only its keyed hash is stored. A password change or
a deactivation moves ``session_epoch`` on, which ends every older session at once (R-AUTH-4).
Design notes: docs/architecture-notes.md, "Sessions".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol

from chalicelib.domain import devices, errors, passwords, tokens, totp
from chalicelib.domain.clock import HOUR, MINUTE, Clock, iso
from chalicelib.domain.fields import check_user_id, normalise_user_id
from chalicelib.domain.lockout import Attempt, PasswordGate, recent
from chalicelib.domain.notices import Notices
from chalicelib.domain.records import (
    STATUS_ACTIVE,
    AuditEvent,
    Caller,
    FactorWrite,
    LoginState,
    Origin,
    Session,
    TotpChallenge,
    User,
    audit,
)

TOKEN_BYTES = 32
# The user-ID part follows R-REG-1's shape; the secret is token_urlsafe(32): 43 characters.
_TOKEN = re.compile(r"([a-z0-9][a-z0-9._-]{3,19})\.([A-Za-z0-9_-]{43})")

IDLE_MESSAGE = "Su sesión se cerró por inactividad. Ingrese nuevamente."
ABSOLUTE_MESSAGE = "Su sesión alcanzó el tiempo máximo permitido. Ingrese nuevamente."
CHALLENGE_OVER = (
    "El paso del código ya no es válido: venció, ya se usó, o la cuenta cambió. Ingrese "
    "nuevamente su ID de usuario y su contraseña."
)
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")


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
    # How long the second step of a log-in with a second factor waits for its code (R-SEC-2).
    challenge_seconds: int = 5 * MINUTE


@dataclass
class SessionDeps:
    accounts: SessionOpener
    sessions: SessionStore
    gate: PasswordGate
    clock: Clock
    hash_key: bytes
    policy: SessionPolicy
    # The second factor's store and the notice of a recovery code's use (R-SEC-2). None: an
    # account with a second factor cannot log in (the unit tests of the password path).
    factors: totp.FactorStore | None = None
    notices: Notices | None = None


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


def challenge_hash(key: bytes, challenge: str) -> str:
    return tokens.keyed_hash(key, "totp-challenge", challenge)


def _new_session(deps: SessionDeps, user: User, origin: Origin, now: int) -> tuple[str, Session]:
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
    return token, replace(session, expires_at=expiry(session, deps.policy))


def _opened(deps: SessionDeps, token: str, session: Session) -> NewSession:
    return NewSession(
        token=token,
        expires_at=iso(session.created_at + deps.policy.absolute_seconds),
        idle_timeout_seconds=deps.policy.idle_seconds,
    )


def _factors(deps: SessionDeps) -> totp.FactorStore:
    if deps.factors is None:
        raise errors.ServiceUnavailable()
    return deps.factors


def _challenge(deps: SessionDeps, attempt: Attempt) -> errors.TotpRequired:
    """The right password of an account with a second factor: its attempt is taken back in
    the write that stores a single-use challenge, and the log-in goes on at the code step.
    Still two DynamoDB calls (the gate's count, that write)."""
    factors = _factors(deps)
    user = attempt.user
    challenge = tokens.new_token(TOKEN_BYTES)
    stored = TotpChallenge(
        challenge_hash=challenge_hash(deps.hash_key, challenge),
        user_id=user.user_id,
        epoch=user.session_epoch,
        expires_at=attempt.at + deps.policy.challenge_seconds,
    )
    # Turned off meanwhile (the help desk): the write is refused; a new log-in will not ask.
    refusal = errors.Unauthorized(CHALLENGE_OVER)
    deps.gate.succeed(
        attempt,
        lambda before, after: totp.written(
            factors.open_challenge(stored, before=before, after=after), refusal
        ),
    )
    return errors.TotpRequired(challenge, deps.policy.challenge_seconds)


def log_in(deps: SessionDeps, user_id: str, password: str, origin: Origin) -> NewSession:
    """R-AUTH-1 … R-AUTH-3: two DynamoDB calls on success (one read, one write); with a second
    factor, the same two answer TOTP_REQUIRED with the challenge (R-SEC-2)."""
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
    if user.totp_enabled:
        raise _challenge(deps, attempt)
    now = int(deps.clock())
    token, session = _new_session(deps, user, origin, now)
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
    return _opened(deps, token, session)


def log_in_with_code(deps: SessionDeps, challenge: str, code: str, origin: Origin) -> NewSession:
    """POST /v1/sessions/totp (R-SEC-2): the challenge of a right password and a TOTP or
    recovery code open a session as POST /v1/sessions does. A wrong code counts toward the
    password's lock-out (the same gate). Three DynamoDB calls: the challenge, the gate's count
    (which reads the account), and one transaction that opens the session, uses the challenge,
    consumes the code and takes the attempt back."""
    factors = _factors(deps)
    digest = challenge_hash(deps.hash_key, challenge)
    stored = factors.load_challenge(digest) if _CHALLENGE.fullmatch(challenge) else None
    now = int(deps.clock())
    if stored is None or now >= stored.expires_at:
        raise errors.Unauthorized(CHALLENGE_OVER)
    found: list[tuple[User, totp.FactorUse]] = []
    void: list[bool] = []

    def right_code(current: User | None) -> bool:
        if (
            current is None
            or not current.totp_enabled
            or current.status != STATUS_ACTIVE
            or current.session_epoch != stored.epoch
        ):
            # The factor was removed, the password changed or the account ended since the
            # password was checked: the challenge is void, and no code is judged.
            void.append(True)
            return True
        use = totp.matching(deps.hash_key, current, code, now)
        if use is None:
            return False
        found.append((current, use))
        return True

    try:
        attempt = deps.gate.check_with(stored.user_id, right_code, origin)
    except errors.InvalidCredentials as refused:
        raise errors.TotpInvalid(attempts_left=refused.attempts_left) from None
    if void:
        deps.gate.release(attempt)
        raise errors.Unauthorized(CHALLENGE_OVER)
    ((user, use),) = found
    token, session = _new_session(deps, user, origin, now)
    event = audit(user.user_id, "LOGGED_IN", now, origin, detail=f"con {use.kind}")
    policy = deps.gate.policy

    def write(before: LoginState, after: LoginState) -> bool:
        outcome = factors.open_session(
            session, event, challenge_hash=digest, use=use, before=before, after=after
        )
        if outcome is FactorWrite.CHALLENGE_USED:
            raise errors.Unauthorized(CHALLENGE_OVER)
        # The code was used by a request that raced this one: it is a used code.
        left = policy.max_failures - len(recent(before, now, policy))
        return totp.written(outcome, errors.TotpInvalid(attempts_left=left))

    deps.gate.succeed(attempt, write)
    if use.recovery_hash is not None and deps.notices is not None:
        deps.notices.recovery_code_used(user, now, origin, left=len(user.totp_recovery) - 1)
    return _opened(deps, token, session)


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
