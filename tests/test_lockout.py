"""Lock-out and session rules as pure functions, with in-memory stores (R-AUTH-1 … R-AUTH-4)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from chalicelib.domain import errors, passwords, sessions
from chalicelib.domain.lockout import (
    LockoutPolicy,
    PasswordGate,
    after_failure,
    locked_error,
    login_state,
)
from chalicelib.domain.ports import AuditEvent, LoginState, Origin, Session, User
from chalicelib.domain.sessions import SessionDeps, SessionPolicy
from tests.conftest import FakeClock

POLICY = LockoutPolicy(max_failures=5, window_seconds=900, lock_seconds=900)
ORIGIN = Origin("203.0.113.7", "pytest")
PASSWORD = "Clave2026segura"


@dataclass
class MemoryAccounts:
    """An AccountStore in memory; each time in `rivals` makes one write lose to a concurrent
    failure at that time."""

    users: dict[str, User] = field(default_factory=dict)
    unknown: dict[str, LoginState] = field(default_factory=dict)
    rivals: list[int] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    sessions: dict[str, Session] = field(default_factory=dict)

    def load_for_login(self, user_id: str) -> tuple[User | None, LoginState]:
        user = self.users.get(user_id)
        if user is not None:
            return user, login_state(user)
        return None, self.unknown.get(user_id, LoginState())

    def _state(self, user_id: str, known: bool) -> LoginState:
        return self.load_for_login(user_id)[1] if known else self.unknown.get(user_id, LoginState())

    def save_login_state(
        self,
        user_id: str,
        *,
        known: bool,
        before: LoginState,
        after: LoginState,
        audit: AuditEvent | None = None,
    ) -> bool:
        if self.rivals:
            rival = after_failure(self._state(user_id, known), self.rivals.pop(0), POLICY)
            self._write(user_id, known, rival)
            return False
        if self._state(user_id, known) != before:
            return False
        self._write(user_id, known, after)
        if audit is not None:
            self.audit.append(audit)
        return True

    def _write(self, user_id: str, known: bool, state: LoginState) -> None:
        if known:
            self.users[user_id] = replace(
                self.users[user_id],
                failed_logins=list(state.failures),
                locked_until=state.locked_until,
            )
        else:
            self.unknown[user_id] = state

    def open_session(
        self,
        session: Session,
        audit: AuditEvent,
        *,
        reset_failures: bool,
        rehash: tuple[str, str] | None = None,
    ) -> None:
        self.sessions[session.token_hash] = session
        self.audit.append(audit)
        if reset_failures:
            self._write(session.user_id, True, LoginState())


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


def a_user(**changes: object) -> User:
    user = User(
        user_id="ana.torres",
        document_type="CEDULA",
        document_number="1710034065",
        name="Ana Torres",
        password_hash=_hash(),
        country="EC",
        province="17",
        city="1701",
        address="Av. Amazonas 100",
        phone1="022345678",
        phone2=None,
        mobile_operator=None,
        mobile=None,
        fax=None,
        email="ana@example.com",
        senae_email="ana.torres@correo.aduana.gob.ec",
    )
    return replace(user, **changes)  # type: ignore[arg-type]


_HASH: list[str] = []


def _hash() -> str:
    if not _HASH:
        _HASH.append(passwords.hash_password(PASSWORD))
    return _HASH[0]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def accounts() -> MemoryAccounts:
    return MemoryAccounts(users={"ana.torres": a_user()})


@pytest.fixture
def gate(accounts: MemoryAccounts, clock: FakeClock) -> PasswordGate:
    return PasswordGate(accounts, clock, POLICY)


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


def test_the_fifth_failure_inside_the_window_locks_and_clears_the_list() -> None:
    state = LoginState(failures=(100, 200, 300, 400))
    assert after_failure(state, 500, POLICY) == LoginState((), 1400)


def test_failures_outside_the_window_are_forgotten() -> None:
    state = LoginState(failures=(100, 200, 300, 400))
    assert after_failure(state, 1200, POLICY) == LoginState((400, 1200), 0)


def test_locked_error_says_minutes_and_carries_seconds() -> None:
    error = locked_error(61)
    assert error.retry_after == 61
    assert "2 minutos" in error.message
    assert "1 minuto." in locked_error(60).message
    assert locked_error(0).retry_after == 1


# The gate ------------------------------------------------------------------------------------


def test_the_right_password_passes_and_a_wrong_one_is_counted(
    gate: PasswordGate, accounts: MemoryAccounts
) -> None:
    user = accounts.users["ana.torres"]
    gate.check("ana.torres", user, LoginState(), PASSWORD, ORIGIN)
    with pytest.raises(errors.InvalidCredentials):
        gate.check("ana.torres", user, LoginState(), "Otra2026clave", ORIGIN)
    assert len(accounts.users["ana.torres"].failed_logins) == 1


def test_an_unknown_id_is_counted_on_its_own_state(
    gate: PasswordGate, accounts: MemoryAccounts
) -> None:
    for _ in range(4):
        state = accounts.load_for_login("nadie")[1]
        with pytest.raises(errors.InvalidCredentials):
            gate.check("nadie", None, state, PASSWORD, ORIGIN)
    with pytest.raises(errors.AccountLocked):
        gate.check("nadie", None, accounts.load_for_login("nadie")[1], PASSWORD, ORIGIN)
    assert accounts.audit == []  # no account, no audit item


def test_a_lock_writes_an_audit_item_without_the_password(
    gate: PasswordGate, accounts: MemoryAccounts
) -> None:
    for _ in range(5):
        user, state = accounts.load_for_login("ana.torres")
        with pytest.raises((errors.InvalidCredentials, errors.AccountLocked)):
            gate.check("ana.torres", user, state, "Otra2026clave", ORIGIN)
    (event,) = accounts.audit
    assert event.event == "ACCOUNT_LOCKED"
    assert "Otra2026clave" not in repr(event)


def test_a_failure_lost_to_a_concurrent_one_is_counted_on_top_of_it(
    gate: PasswordGate, accounts: MemoryAccounts, clock: FakeClock
) -> None:
    accounts.rivals = [int(clock())]
    user, state = accounts.load_for_login("ana.torres")
    with pytest.raises(errors.InvalidCredentials):
        gate.check("ana.torres", user, state, "Otra2026clave", ORIGIN)
    # The rival's failure and this one: both counted.
    assert len(accounts.users["ana.torres"].failed_logins) == 2


def test_a_locked_account_is_not_hashed_at_all(
    gate: PasswordGate, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_hashing(*_: object) -> bool:
        raise AssertionError("verified a password while locked")

    monkeypatch.setattr(passwords, "verify_password", no_hashing)
    locked = LoginState(locked_until=int(clock()) + 10)
    with pytest.raises(errors.AccountLocked) as raised:
        gate.check("ana.torres", a_user(), locked, PASSWORD, ORIGIN)
    assert raised.value.retry_after == 10


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

    store.load = load_then_log_out  # type: ignore[method-assign]
    with pytest.raises(errors.Unauthorized):
        sessions.authenticate(deps, token, ORIGIN)


def test_a_rival_failure_that_completes_the_run_locks(
    gate: PasswordGate, accounts: MemoryAccounts, clock: FakeClock
) -> None:
    now = int(clock())
    accounts.users["ana.torres"] = a_user(failed_logins=[now - 3, now - 2, now - 1])
    accounts.rivals = [now]
    user, state = accounts.load_for_login("ana.torres")
    with pytest.raises(errors.AccountLocked):
        gate.check("ana.torres", user, state, "Otra2026clave", ORIGIN)


def test_endless_conflicts_give_up_with_the_usual_answer(
    gate: PasswordGate, accounts: MemoryAccounts, clock: FakeClock
) -> None:
    accounts.rivals = [int(clock()) - 1000] * 10  # rivals outside the window never lock
    user, state = accounts.load_for_login("ana.torres")
    with pytest.raises(errors.InvalidCredentials):
        gate.check("ana.torres", user, state, "Otra2026clave", ORIGIN)
    assert len(accounts.rivals) == 7  # three attempts, then the answer
