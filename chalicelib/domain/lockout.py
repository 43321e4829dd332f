"""Password checks and the lock-out they feed (R-AUTH-2, R-MOD-4, R-DEL-1).

Every place that asks for the password (log-in, the form's "verify" button, a password change,
deactivation) goes through `PasswordGate.check`, so every wrong password counts toward the same
lock-out: 5 failures inside 15 minutes lock the account for 15 minutes (all configurable).

An ID with no account is treated exactly like an account: the password is verified against a
dummy hash (same CPU time), the failure is written to a state item of its own (same DynamoDB
work), and it locks after the same number of tries, so neither the answers nor their timing tell
whether an ID exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chalicelib.domain import errors, passwords
from chalicelib.domain.notices import Notices
from chalicelib.domain.ports import AccountStore, AuditEvent, Clock, LoginState, Origin, User
from chalicelib.domain.registration import iso

# A conditional write lost to a concurrent attempt is re-read and retried this many times.
WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    window_seconds: int = 15 * 60
    lock_seconds: int = 15 * 60


def locked_error(seconds: int) -> errors.AccountLocked:
    seconds = max(1, seconds)
    minutes = math.ceil(seconds / 60)
    unit = "minuto" if minutes == 1 else "minutos"
    return errors.AccountLocked(
        "La cuenta está bloqueada temporalmente por varios intentos fallidos de contraseña. "
        f"Intente nuevamente en {minutes} {unit}.",
        retry_after=seconds,
    )


def after_failure(state: LoginState, now: int, policy: LockoutPolicy) -> LoginState:
    """The state once one more failure at `now` is counted; the lock starts a clean slate."""
    recent = tuple(t for t in state.failures if t > now - policy.window_seconds)
    failures = (*recent, now)
    if len(failures) >= policy.max_failures:
        return LoginState(failures=(), locked_until=now + policy.lock_seconds)
    return LoginState(failures=failures, locked_until=state.locked_until)


def login_state(user: User) -> LoginState:
    return LoginState(tuple(user.failed_logins), user.locked_until)


@dataclass
class PasswordGate:
    accounts: AccountStore
    clock: Clock
    policy: LockoutPolicy
    # Mails the owner when a lock starts (issue 8); None sends nothing (unit tests).
    notices: Notices | None = None

    def check(
        self,
        user_id: str,
        user: User | None,
        state: LoginState,
        password: str,
        origin: Origin,
    ) -> None:
        """Returns when `password` is the user's; raises AccountLocked or InvalidCredentials.

        The lock is checked before the password, so a locked account costs no hashing and
        gives a guesser nothing to learn.
        """
        now = int(self.clock())
        if state.locked_until > now:
            raise locked_error(state.locked_until - now)
        stored = user.password_hash if user is not None else passwords.dummy_hash()
        if passwords.verify_password(stored, password) and user is not None:
            return
        raise self._count_failure(user_id, user, state, now, origin)

    def clear(self, user: User) -> None:
        """A right password ends the run of failures (only written when there is one)."""
        state = login_state(user)
        if state != LoginState():
            self.accounts.save_login_state(
                user.user_id, known=True, before=state, after=LoginState()
            )

    def _count_failure(
        self, user_id: str, user: User | None, state: LoginState, now: int, origin: Origin
    ) -> errors.ApiError:
        known = user is not None
        for _ in range(WRITE_ATTEMPTS):
            after = after_failure(state, now, self.policy)
            locks = after.locked_until > now
            audit = None
            if locks and known:
                audit = AuditEvent(
                    user_id,
                    "ACCOUNT_LOCKED",
                    iso(now),
                    origin.source_ip,
                    detail=f"{self.policy.max_failures} contraseñas incorrectas",
                    user_agent=origin.user_agent,
                )
            saved = self.accounts.save_login_state(
                user_id, known=known, before=state, after=after, audit=audit
            )
            if saved:
                if locks and user is not None and self.notices is not None:
                    # Only the attempt whose write started the lock sends it: one mail a lock.
                    self.notices.account_locked(
                        user,
                        now,
                        origin,
                        failures=self.policy.max_failures,
                        lock_seconds=after.locked_until - now,
                    )
                return (
                    locked_error(after.locked_until - now) if locks else errors.InvalidCredentials()
                )
            # A concurrent attempt wrote first: count this one on top of what it wrote.
            _, state = self.accounts.load_for_login(user_id)
            if state.locked_until > now:
                return locked_error(state.locked_until - now)
        return errors.InvalidCredentials()
