"""Lock-out and session rules as pure functions, with in-memory stores (R-AUTH-1 … R-AUTH-4,
R-HARD-1, R-HARD-8)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest

from chalicelib.domain import errors, passwords, sessions
from chalicelib.domain.lockout import (
    Counted,
    LockoutPolicy,
    PasswordGate,
    after_counted_failure,
    locked_error,
    login_state,
)
from chalicelib.domain.records import AuditEvent, LoginState, Origin, Session, User
from chalicelib.domain.sessions import SessionDeps, SessionPolicy
from tests.helpers import FakeClock, a_user

POLICY = LockoutPolicy(max_failures=5, window_seconds=900, lock_seconds=900)
ORIGIN = Origin("203.0.113.7", "pytest")
PASSWORD = "Clave2026segura"
WRONG = "Otra2026clave"


@dataclass
class MemoryAccounts:
    """The AttemptStore and SessionOpener ports in memory, with DynamoDB's conditional writes.

    `meanwhile` runs between the verification of a password and the write that follows it: a
    concurrent request's work, as a parallel burst interleaves it.
    """

    users: dict[str, User] = field(default_factory=dict)
    unknown: dict[str, LoginState] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    sessions: dict[str, Session] = field(default_factory=dict)
    lock_notices: list[int] = field(default_factory=list)
    meanwhile: list[Callable[[], object]] = field(default_factory=list)

    def _state(self, user_id: str) -> LoginState:
        user = self.users.get(user_id)
        return login_state(user) if user else self.unknown.get(user_id, LoginState())

    def _write(self, user_id: str, state: LoginState) -> None:
        if user_id in self.users:
            self.users[user_id] = replace(
                self.users[user_id],
                failed_logins=list(state.failures),
                locked_until=state.locked_until,
            )
        else:
            self.unknown[user_id] = state

    def _interleave(self) -> None:
        while self.meanwhile:
            self.meanwhile.pop(0)()

    def count_attempt(self, user_id: str, now: int, max_attempts: int) -> Counted:
        state = self._state(user_id)
        user = self.users.get(user_id)
        if state.locked_until > now or len(state.failures) >= max_attempts:
            return Counted(user, state, False)
        after = LoginState((*state.failures, now), state.locked_until)
        self._write(user_id, after)
        return Counted(self.users.get(user_id), after, True)

    def load_for_login(self, user_id: str) -> tuple[User | None, LoginState]:
        return self.users.get(user_id), self._state(user_id)

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
        self._interleave()
        if self._state(user_id) != before:
            return False
        self._write(user_id, after)
        if audit is not None:
            self.audit.append(audit)
        if lock_notice_at is not None:
            self.users[user_id] = replace(self.users[user_id], lock_notice_at=lock_notice_at)
        return True

    def open_session(
        self,
        session: Session,
        audit: AuditEvent,
        *,
        before: LoginState,
        after: LoginState,
        rehash: tuple[str, str] | None = None,
    ) -> bool:
        self._interleave()
        if self._state(session.user_id) != before:
            return False
        self.sessions[session.token_hash] = session
        self.audit.append(audit)
        self._write(session.user_id, after)
        return True


@dataclass
class CountingNotices:
    """The lock-out notice, counted instead of mailed."""

    sent: list[int] = field(default_factory=list)

    def account_locked(self, user: User, when: float, origin: Origin, **_: object) -> None:
        self.sent.append(int(when))


@dataclass
class MemorySessions:
    accounts: MemoryAccounts
    touches: int = 0

    def load(self, token_hash: str, user_id: str) -> tuple[Session | None, User | None]:
        return self.accounts.sessions.get(token_hash), self.accounts.users.get(user_id)

    def touch(self, session: Session) -> bool:
        self.touches += 1
        if session.token_hash not in self.accounts.sessions:
            return False
        self.accounts.sessions[session.token_hash] = session
        return True

    def delete(self, token_hash: str) -> None:
        self.accounts.sessions.pop(token_hash, None)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def accounts() -> MemoryAccounts:
    return MemoryAccounts(users={"ana.torres": a_user()})


@pytest.fixture
def notices() -> CountingNotices:
    return CountingNotices()


@pytest.fixture
def gate(accounts: MemoryAccounts, clock: FakeClock, notices: CountingNotices) -> PasswordGate:
    return PasswordGate(accounts, clock, POLICY, notices=notices)  # type: ignore[arg-type]  # a fake


@pytest.fixture
def deps(accounts: MemoryAccounts, gate: PasswordGate, clock: FakeClock) -> SessionDeps:
    return SessionDeps(
        accounts=accounts,
        sessions=MemorySessions(accounts),
        gate=gate,
        clock=clock,
        hash_key=b"unit-test-key",
        policy=SessionPolicy(),
    )


# The failure window --------------------------------------------------------------------------


def test_the_failure_that_completes_the_run_locks_and_clears_the_list() -> None:
    state = LoginState(failures=(100, 200, 300, 400, 500))
    assert after_counted_failure(state, 500, POLICY) == LoginState((), 1400)


def test_failures_outside_the_window_are_forgotten() -> None:
    state = LoginState(failures=(100, 200, 300, 400, 1200))
    assert after_counted_failure(state, 1200, POLICY) == LoginState((400, 1200), 0)


def test_a_failure_whose_attempt_a_success_took_away_is_counted_again() -> None:
    assert after_counted_failure(LoginState(), 1200, POLICY) == LoginState((1200,), 0)


def test_locked_error_says_minutes_and_carries_seconds() -> None:
    error = locked_error(61)
    assert error.retry_after == 61
    assert "2 minutos" in error.message
    assert "1 minuto." in locked_error(60).message
    assert locked_error(0).retry_after == 1


# The gate (R-AUTH-2, R-HARD-1) -----------------------------------------------------------------


def state_of(accounts: MemoryAccounts, user_id: str = "ana.torres") -> LoginState:
    return accounts.load_for_login(user_id)[1]


def test_a_right_password_is_counted_first_and_taken_back_on_success(
    gate: PasswordGate, accounts: MemoryAccounts
) -> None:
    attempt = gate.check("ana.torres", PASSWORD, ORIGIN)
    assert state_of(accounts).failures == (attempt.at,)
    gate.succeed(attempt)
    assert state_of(accounts) == LoginState()


def test_a_wrong_password_stays_counted(gate: PasswordGate, accounts: MemoryAccounts) -> None:
    with pytest.raises(errors.InvalidCredentials):
        gate.check("ana.torres", WRONG, ORIGIN)
    assert len(state_of(accounts).failures) == 1


def test_an_unknown_id_is_counted_on_its_own_state(
    gate: PasswordGate, accounts: MemoryAccounts
) -> None:
    for _ in range(4):
        with pytest.raises(errors.InvalidCredentials):
            gate.check("nadie", PASSWORD, ORIGIN)
    with pytest.raises(errors.AccountLocked):
        gate.check("nadie", PASSWORD, ORIGIN)
    assert accounts.audit == []  # no account, no audit item


def test_a_lock_writes_an_audit_item_without_the_password(
    gate: PasswordGate, accounts: MemoryAccounts
) -> None:
    for _ in range(5):
        with pytest.raises((errors.InvalidCredentials, errors.AccountLocked)):
            gate.check("ana.torres", WRONG, ORIGIN)
    (event,) = accounts.audit
    assert event.event == "ACCOUNT_LOCKED"
    assert WRONG not in repr(event)


def test_a_locked_account_is_not_hashed_at_all(
    gate: PasswordGate,
    accounts: MemoryAccounts,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_hashing(*_: object) -> bool:
        raise AssertionError("verified a password while locked")

    accounts.users["ana.torres"] = a_user(locked_until=int(clock()) + 10)
    monkeypatch.setattr(passwords, "verify_password", no_hashing)
    with pytest.raises(errors.AccountLocked) as raised:
        gate.check("ana.torres", PASSWORD, ORIGIN)
    assert raised.value.retry_after == 10


def test_attempts_still_being_verified_fill_the_budget_and_the_next_is_not_hashed_r_hard_1(
    gate: PasswordGate,
    accounts: MemoryAccounts,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = int(clock())
    # Five parallel attempts counted and not yet judged: a sixth must not reach argon2.
    accounts.users["ana.torres"] = a_user(failed_logins=[now] * 5)
    monkeypatch.setattr(passwords, "verify_password", lambda *_: pytest.fail("verified"))
    with pytest.raises(errors.AccountLocked) as raised:
        gate.check("ana.torres", PASSWORD, ORIGIN)
    assert raised.value.retry_after == POLICY.lock_seconds


def test_attempts_outside_the_window_do_not_fill_the_budget(
    gate: PasswordGate, accounts: MemoryAccounts, clock: FakeClock
) -> None:
    old = int(clock()) - POLICY.window_seconds - 1
    accounts.users["ana.torres"] = a_user(failed_logins=[old] * 5)
    attempt = gate.check("ana.torres", PASSWORD, ORIGIN)
    assert state_of(accounts).failures == (attempt.at,)


def test_a_success_never_clears_a_lock_set_meanwhile_r_hard_1(
    gate: PasswordGate, accounts: MemoryAccounts, clock: FakeClock
) -> None:
    attempt = gate.check("ana.torres", PASSWORD, ORIGIN)
    lock = LoginState((), int(clock()) + 900)
    accounts.meanwhile.append(lambda: accounts._write("ana.torres", lock))
    with pytest.raises(errors.AccountLocked):
        gate.succeed(attempt)
    assert state_of(accounts) == lock


def test_a_success_takes_back_only_its_own_attempt_when_others_were_counted_meanwhile(
    gate: PasswordGate, accounts: MemoryAccounts, clock: FakeClock
) -> None:
    attempt = gate.check("ana.torres", PASSWORD, ORIGIN)
    rival = int(clock()) - 1
    accounts.meanwhile.append(
        lambda: accounts._write("ana.torres", LoginState((*attempt.state.failures, rival)))
    )
    gate.succeed(attempt)
    assert state_of(accounts).failures == (rival,)


def test_the_failure_that_completes_a_run_counted_in_parallel_locks_r_hard_1(
    gate: PasswordGate, accounts: MemoryAccounts, clock: FakeClock, notices: CountingNotices
) -> None:
    now = int(clock())
    accounts.users["ana.torres"] = a_user(failed_logins=[now - 3, now - 2, now - 1, now])
    with pytest.raises(errors.AccountLocked):
        gate.check("ana.torres", WRONG, ORIGIN)
    assert state_of(accounts).locked_until == now + POLICY.lock_seconds
    assert notices.sent == [now]


def test_a_lock_notice_goes_out_at_most_once_an_hour_r_hard_8(
    gate: PasswordGate, accounts: MemoryAccounts, clock: FakeClock, notices: CountingNotices
) -> None:
    locks = 0
    for _ in range(8):  # two hours of locks, one every 15 minutes
        for _ in range(5):
            with pytest.raises((errors.InvalidCredentials, errors.AccountLocked)):
                gate.check("ana.torres", WRONG, ORIGIN)
        locks += 1
        clock.advance(POLICY.lock_seconds)
    assert locks == 8
    assert len(notices.sent) == 2
    assert notices.sent[1] - notices.sent[0] == 3600


def test_a_failure_judged_after_a_concurrent_write_is_judged_on_that_write(
    gate: PasswordGate, accounts: MemoryAccounts, clock: FakeClock
) -> None:
    now = int(clock())
    accounts.users["ana.torres"] = a_user(failed_logins=[now - 1000] * 3)
    # The stale attempts make this failure's judgement a write; a rival's failure lands first.
    accounts.meanwhile.append(
        lambda: accounts._write("ana.torres", LoginState((now - 1000,) * 3 + (now, now)))
    )
    with pytest.raises(errors.InvalidCredentials):
        gate.check("ana.torres", WRONG, ORIGIN)
    assert state_of(accounts).failures == (now, now)


# Sessions ------------------------------------------------------------------------------------


def test_log_in_and_authenticate_round_trip(deps: SessionDeps) -> None:
    created = sessions.log_in(deps, " ANA.Torres ", PASSWORD, ORIGIN)
    assert sessions.token_user_id(created.token) == "ana.torres"
    caller = sessions.authenticate(deps, created.token, ORIGIN)
    assert caller.user.user_id == "ana.torres"


@pytest.mark.parametrize(
    "token",
    ["", "ana.torres", "ana.torres.", "ana.torres." + "A" * 42, "AN.torres." + "A" * 43, "a" * 300],
)
def test_malformed_tokens_are_refused_without_a_read(deps: SessionDeps, token: str) -> None:
    assert sessions.token_user_id(token) is None
    with pytest.raises(errors.Unauthorized):
        sessions.authenticate(deps, token, ORIGIN)


def test_a_session_of_an_older_epoch_is_over(deps: SessionDeps, accounts: MemoryAccounts) -> None:
    token = sessions.log_in(deps, "ana.torres", PASSWORD, ORIGIN).token
    accounts.users["ana.torres"] = replace(accounts.users["ana.torres"], session_epoch=1)
    with pytest.raises(errors.Unauthorized):
        sessions.authenticate(deps, token, ORIGIN)


def test_the_idle_limit_never_passes_the_absolute_one() -> None:
    policy = SessionPolicy(idle_seconds=1800, absolute_seconds=28800)
    early = Session("h", "ana.torres", 0, created_at=0, last_seen=600, expires_at=0)
    late = replace(early, last_seen=28000)
    assert sessions.expiry(early, policy) == 2400
    assert sessions.expiry(late, policy) == 28800


def test_last_seen_moves_only_after_a_minute(deps: SessionDeps, clock: FakeClock) -> None:
    token = sessions.log_in(deps, "ana.torres", PASSWORD, ORIGIN).token
    store = deps.sessions
    assert isinstance(store, MemorySessions)
    clock.advance(59)
    sessions.authenticate(deps, token, ORIGIN)
    assert store.touches == 0
    clock.advance(1)
    caller = sessions.authenticate(deps, token, ORIGIN)
    assert store.touches == 1
    assert caller.session.last_seen == int(clock())


def test_a_session_logged_out_meanwhile_is_not_revived(deps: SessionDeps, clock: FakeClock) -> None:
    token = sessions.log_in(deps, "ana.torres", PASSWORD, ORIGIN).token
    caller = sessions.authenticate(deps, token, ORIGIN)
    store = deps.sessions
    assert isinstance(store, MemorySessions)
    clock.advance(60)
    real_load = store.load

    def load_then_log_out(token_hash: str, user_id: str) -> tuple[Session | None, User | None]:
        found = real_load(token_hash, user_id)
        sessions.log_out(deps, caller)
        return found

    store.load = load_then_log_out  # type: ignore[method-assign]  # a race, on this store only
    with pytest.raises(errors.Unauthorized):
        sessions.authenticate(deps, token, ORIGIN)
