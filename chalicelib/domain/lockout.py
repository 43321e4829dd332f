"""Password checks and the lock-out they feed (R-AUTH-2, R-MOD-4, R-DEL-1, R-HARD-1, R-HARD-8).

Every place that asks for the password (log-in, the form's "verify" button, a password change,
deactivation) goes through `PasswordGate.check`, so every wrong password counts toward the same
lock-out: 5 failures inside 15 minutes lock the account for 15 minutes (all configurable).

An attempt is counted *before* its password is verified (R-HARD-1): one conditional write adds
it to the ID's list of attempts unless the ID is locked or the list already holds the limit, and
returns the stored item, so that it is also the read. Parallel guesses therefore cannot all pass
a check made on a state read earlier: at most `max_failures` wrong passwords are verified in a
window, the one that completes the run locks the ID, and everything after is refused unverified.
A right password takes back its own attempt, and only that, in the write that succeeds,
conditional on the state it counted against: it never clears a lock set meanwhile, nor the
failures of the window (some may still be in flight), so a success in the middle of a burst
cannot open the door to more guesses.

An ID with no account is treated exactly like an account: the password is verified against a
dummy hash (same CPU time), the attempt is counted on a state item of its own, and it locks after
the same number of tries, so neither the answers nor their timing tell whether an ID exists
(the views also answer no sooner than a fixed floor, R-HARD-6).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain import errors, passwords
from chalicelib.domain.clock import HOUR, Clock, minutes_up
from chalicelib.domain.notices import Notices
from chalicelib.domain.records import AuditEvent, LoginState, Origin, User, audit

log = logging.getLogger(__name__)

# A conditional write lost to a concurrent attempt is re-read and retried this many times.
WRITE_ATTEMPTS = 3
# At most one lock-out notice per account in this long (R-HARD-8).
LOCK_NOTICE_EVERY_SECONDS = HOUR


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    window_seconds: int = 15 * 60
    lock_seconds: int = 15 * 60


@dataclass(frozen=True)
class Counted:
    """What `AttemptStore.count_attempt` answers: the account (None: no account has the ID),
    the stored lock-out state, and whether this attempt was added to it (False: refused, the
    state is as found)."""

    user: User | None
    state: LoginState
    counted: bool


class AttemptStore(Protocol):
    """Where the lock-out state of an ID lives (the user item, or an item of its own for an ID
    with no account)."""

    def count_attempt(self, user_id: str, now: int, max_attempts: int) -> Counted:
        """Add `now` to the ID's attempts in one conditional write, unless it is locked at
        `now` or already holds `max_attempts` attempts; the item after (or as found)."""
        ...

    def load_for_login(self, user_id: str) -> tuple[User | None, LoginState]:
        """The user and its lock-out state, in one read."""
        ...

    def save_login_state(
        self,
        user_id: str,
        *,
        known: bool,
        before: LoginState,
        after: LoginState,
        audit: AuditEvent | None = None,
        lock_notice_at: int | None = None,
    ) -> bool:
        """Write `after` if the stored state is still `before` (False: someone else wrote first)."""
        ...


@dataclass(frozen=True)
class Attempt:
    """A password attempt that was counted and verified right: `state` is the stored state
    with this attempt in it, which the write that succeeds takes back."""

    user: User
    at: int
    state: LoginState


def locked_error(seconds: int, *, started: bool = False) -> errors.AccountLocked:
    seconds = max(1, seconds)
    minutes = minutes_up(seconds)
    unit = "minuto" if minutes == 1 else "minutos"
    error = errors.AccountLocked(
        "La cuenta está bloqueada temporalmente por varios intentos fallidos de contraseña. "
        f"Intente nuevamente en {minutes} {unit}. Si no recuerda su contraseña, puede crear una "
        "nueva ahora con «¿Olvidó su contraseña?».",
        retry_after=seconds,
    )
    error.started = started
    return error


def invalid_credentials(state: LoginState, now: int, policy: LockoutPolicy) -> errors.ApiError:
    """The 401 of a wrong password already counted in `state`, with the tries left before the
    lock (R-UX-2): the same for an unknown ID, whose state item counts alike."""
    return errors.InvalidCredentials(
        attempts_left=policy.max_failures - len(recent(state, now, policy))
    )


def recent(state: LoginState, now: int, policy: LockoutPolicy) -> tuple[int, ...]:
    """The attempts still inside the window."""
    return tuple(t for t in state.failures if t > now - policy.window_seconds)


def after_counted_failure(state: LoginState, now: int, policy: LockoutPolicy) -> LoginState:
    """The state once a failure already counted in `state` (as an attempt at `now`) is judged:
    attempts outside the window are dropped, and the run that reaches the limit locks."""
    failures = recent(state, now, policy)
    if now not in failures:
        # A success wrote meanwhile and took the list with it: count this failure again.
        failures = (*failures, now)
    if len(failures) >= policy.max_failures:
        return LoginState(failures=(), locked_until=now + policy.lock_seconds)
    return LoginState(failures=failures, locked_until=state.locked_until)


def without_attempt(state: LoginState, at: int) -> LoginState:
    """`state` with one attempt made at `at` taken back (a right password); a lock that has
    ended is forgotten."""
    failures = list(state.failures)
    if at in failures:
        failures.remove(at)
    return LoginState(tuple(failures), state.locked_until if state.locked_until > at else 0)


def login_state(user: User) -> LoginState:
    return LoginState(tuple(user.failed_logins), user.locked_until)


# The write that ends a right attempt: (stored state it expects, state to store) -> written?
SuccessWrite = Callable[[LoginState, LoginState], bool]


@dataclass
class PasswordGate:
    accounts: AttemptStore
    clock: Clock
    policy: LockoutPolicy
    # Mails the owner when a lock starts; None sends nothing (unit tests).
    notices: Notices | None = None

    def check(self, user_id: str, password: str, origin: Origin) -> Attempt:
        """Counts the attempt, then verifies `password`; the Attempt of a right one, else
        AccountLocked or InvalidCredentials.

        A refused attempt costs no hashing and gives a guesser nothing to learn. The caller
        ends a right attempt with `succeed` (or a write of its own that clears the state).
        """

        def right_password(user: User | None) -> bool:
            stored = user.password_hash if user is not None else passwords.dummy_hash()
            return passwords.verify_password(stored, password) and user is not None

        return self.check_with(user_id, right_password, origin)

    def check_with(
        self, user_id: str, verify: Callable[[User | None], bool], origin: Origin
    ) -> Attempt:
        """As `check`, with `verify` judging the attempt on the account the count read (None:
        no account has the ID): a second-factor code counts toward the same lock-out as a
        password (R-SEC-2). A wrong one is refused with INVALID_CREDENTIALS (its tries left),
        which the caller may turn into its own refusal."""
        now = int(self.clock())
        found = self._count(user_id, now)
        user = found.user
        if verify(user) and user is not None:
            return Attempt(user=user, at=now, state=found.state)
        raise self._judge_failure(user_id, user, found.state, now, origin)

    def succeed(self, attempt: Attempt, write: SuccessWrite | None = None) -> None:
        """Ends a right attempt: it is taken back, conditional on the state it was counted
        against (read again after a concurrent write); if a lock was set meanwhile, the right
        password is refused too (R-HARD-1). `write` is the caller's own write (log-in stores
        its session with it)."""
        user_id = attempt.user.user_id
        save = write or (
            lambda before, after: self.accounts.save_login_state(
                user_id, known=True, before=before, after=after
            )
        )
        before = attempt.state
        after = without_attempt(before, attempt.at)
        for _ in range(WRITE_ATTEMPTS):
            if save(before, after):
                return
            user, before = self.accounts.load_for_login(user_id)
            if before.locked_until > attempt.at:
                raise locked_error(before.locked_until - attempt.at)
            if user is None or user.password_hash != attempt.user.password_hash:
                # The password changed meanwhile: the one verified is the old one.
                raise invalid_credentials(before, attempt.at, self.policy)
            after = without_attempt(before, attempt.at)
        raise errors.ServiceUnavailable()

    def release(self, attempt: Attempt) -> None:
        """Takes back a right attempt whose action was refused afterwards for another reason
        (a stale form, a wrong code): the password was right, so it must not count as a
        failure. A lock set meanwhile stays; the caller's own refusal is the answer whatever
        happens here, so a failure to take the attempt back is logged, not raised."""
        try:
            self.succeed(attempt)
        except errors.ApiError as error:
            log.warning(
                "right password attempt not taken back",
                extra={"user_id": attempt.user.user_id, "error_code": error.code},
            )

    def _count(self, user_id: str, now: int) -> Counted:
        """The attempt counted, or the refusal of an ID that is locked or whose attempts in the
        window already reach the limit (those still being verified will lock it if wrong)."""
        limit = self.policy.max_failures
        for _ in range(WRITE_ATTEMPTS):
            found = self.accounts.count_attempt(user_id, now, limit)
            if found.counted:
                return found
            state = found.state
            if state.locked_until > now:
                raise locked_error(state.locked_until - now)
            fresh = recent(state, now, self.policy)
            if len(fresh) >= limit:
                raise locked_error(self.policy.lock_seconds)
            # Old attempts outside the window fill the list: drop them and count again.
            self.accounts.save_login_state(
                user_id,
                known=found.user is not None,
                before=state,
                after=LoginState(fresh, state.locked_until),
            )
        raise locked_error(self.policy.lock_seconds)

    def _judge_failure(
        self, user_id: str, user: User | None, state: LoginState, now: int, origin: Origin
    ) -> errors.ApiError:
        """A wrong password, already counted in `state`: the 401, or the 423 of the attempt
        whose failure completes the run and starts the lock (it alone writes the lock)."""
        known = user is not None
        for _ in range(WRITE_ATTEMPTS):
            after = after_counted_failure(state, now, self.policy)
            locks = after.locked_until > now and after.locked_until != state.locked_until
            if after == state:
                return invalid_credentials(after, now, self.policy)
            notify = locks and user is not None and self._notice_due(user, now)
            event: AuditEvent | None = None
            if locks and known:
                event = audit(
                    user_id,
                    "ACCOUNT_LOCKED",
                    now,
                    origin,
                    detail=f"{self.policy.max_failures} contraseñas incorrectas",
                )
            saved = self.accounts.save_login_state(
                user_id,
                known=known,
                before=state,
                after=after,
                audit=event,
                lock_notice_at=now if notify else None,
            )
            if saved:
                if notify and user is not None and self.notices is not None:
                    self.notices.account_locked(
                        user,
                        now,
                        origin,
                        failures=self.policy.max_failures,
                        lock_seconds=after.locked_until - now,
                    )
                if locks:
                    return locked_error(after.locked_until - now, started=True)
                return invalid_credentials(after, now, self.policy)
            # A concurrent attempt wrote first: judge this one on what it wrote.
            _, state = self.accounts.load_for_login(user_id)
            if state.locked_until > now:
                return locked_error(state.locked_until - now)
        return invalid_credentials(state, now, self.policy)

    @staticmethod
    def _notice_due(user: User, now: int) -> bool:
        """One lock-out notice an hour at most: locks every 15 minutes would otherwise mail
        the owner 96 times a day (R-HARD-8)."""
        return now - user.lock_notice_at >= LOCK_NOTICE_EVERY_SECONDS
