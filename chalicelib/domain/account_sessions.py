"""The signed-in person's open sessions: the list, ending one, ending all the others (R-SEC-1).

A session is shown by an `id` that is a keyed hash of its token's keyed hash: the token cannot be
recovered from it (nor from the stored hash), so an id read off a screen or a log grants nothing.
The id is computed, not stored, so sessions opened before the list existed have one too.

"Open" is decided here, not by the store: the item is the account's, carries the account's
current session epoch (a password change, a deactivation or "end the others" moves the epoch on,
R-AUTH-4) and has not passed its idle or absolute expiry (R-AUTH-1). The store lists every item of
the account, which DynamoDB's TTL removes only lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain import errors, tokens
from chalicelib.domain.clock import Clock, iso
from chalicelib.domain.devices import UNKNOWN_BROWSER
from chalicelib.domain.records import Caller, Session, SessionsEnding, User, audit
from chalicelib.domain.sessions import SessionPolicy, expiry

# Hex characters of the id: 128 bits, as unguessable as needed and short enough for a URL.
ID_CHARS = 32
# One transaction holds at most 100 items: the user, the kept session and the audit item leave
# this many deletes. Sessions past it end all the same (the epoch moves on); TTL removes them.
MAX_DELETES = 97

NOT_OPEN = (
    "Esa sesión ya no está abierta en su cuenta. Actualice la lista de sesiones para ver las "
    "que siguen abiertas."
)
CHANGED_MEANWHILE = (
    "Sus sesiones cambiaron en este mismo momento. Actualice la lista e intente nuevamente."
)


class SessionDirectory(Protocol):
    """What the session list needs from the store (chalicelib/store/sessions.py)."""

    def sessions_of(self, user_id: str) -> list[Session]:
        """Every stored session item of the account, open or not."""
        ...

    def end(self, ending: SessionsEnding) -> bool:
        """Writes `ending` in one transaction; False (nothing written) when a session to end is
        gone or not the account's, the epoch is no longer the one read, or `keep` is gone."""
        ...


@dataclass
class AccountSessionsDeps:
    store: SessionDirectory
    clock: Clock
    hash_key: bytes
    policy: SessionPolicy


@dataclass(frozen=True)
class SessionView:
    """One row of GET /v1/account/sessions (api.md "Sessions")."""

    id: str
    created_at: str
    last_seen_at: str
    source_ip: str | None
    device: str
    current: bool

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "last_seen_at": self.last_seen_at,
            "source_ip": self.source_ip,
            "device": self.device,
            "current": self.current,
        }


def session_id(key: bytes, token_hash: str) -> str:
    return tokens.keyed_hash(key, "session-id", token_hash)[:ID_CHARS]


def is_open(session: Session, user: User, now: float, policy: SessionPolicy) -> bool:
    return (
        session.user_id == user.user_id
        and session.epoch == user.session_epoch
        and now < expiry(session, policy)
    )


def open_sessions(deps: AccountSessionsDeps, user: User) -> list[Session]:
    """The account's open sessions, the last active first: for the list, the data export and
    the help desk alike."""
    now = deps.clock()
    found = [s for s in deps.store.sessions_of(user.user_id) if is_open(s, user, now, deps.policy)]
    return sorted(found, key=lambda s: (s.last_seen, s.created_at, s.token_hash), reverse=True)


def _with_caller(deps: AccountSessionsDeps, caller: Caller) -> list[Session]:
    """The open sessions with the caller's own as its session check read it: fresher than the
    index (which DynamoDB updates a moment after the table), and present even when the index
    does not show it yet."""
    others = [
        s for s in open_sessions(deps, caller.user) if s.token_hash != caller.session.token_hash
    ]
    return [caller.session, *others]


def view(deps: AccountSessionsDeps, session: Session, current: bool) -> SessionView:
    return SessionView(
        id=session_id(deps.hash_key, session.token_hash),
        created_at=iso(session.created_at),
        last_seen_at=iso(session.last_seen),
        source_ip=session.source_ip or None,
        device=session.device or UNKNOWN_BROWSER,
        current=current,
    )


def listing(deps: AccountSessionsDeps, caller: Caller) -> list[SessionView]:
    """This session first, then the others, the last active first (R-SEC-1)."""
    current, *others = _with_caller(deps, caller)
    return [view(deps, current, True), *(view(deps, s, False) for s in others)]


def end_one(deps: AccountSessionsDeps, caller: Caller, wanted: str) -> None:
    """Ends the open session of the caller's account whose id is `wanted` (this one included,
    as a log-out would); NOT_FOUND for any other id, another account's included."""
    found = [
        s for s in _with_caller(deps, caller) if session_id(deps.hash_key, s.token_hash) == wanted
    ]
    if not found:
        raise errors.NotFound(NOT_OPEN)
    (session,) = found
    event = audit(
        caller.user.user_id,
        "SESSION_ENDED",
        deps.clock(),
        caller.origin,
        detail=_described(session),
    )
    ending = SessionsEnding(caller.user.user_id, (session.token_hash,), event)
    if not deps.store.end(ending):
        # Logged out, or ended from another session, between the list and the delete.
        raise errors.NotFound(NOT_OPEN)


def end_others(deps: AccountSessionsDeps, caller: Caller) -> int:
    """Ends every session of the account but the caller's; how many open ones it ended.

    The epoch moves on in the same write, so a session the list did not show (opened a moment
    ago, not yet in the index) ends too; the listed ones are also deleted, so that they leave
    the list and the data export at once rather than when TTL removes them.
    """
    _, *others = _with_caller(deps, caller)
    event = audit(
        caller.user.user_id,
        "OTHER_SESSIONS_ENDED",
        deps.clock(),
        caller.origin,
        detail=f"sesiones cerradas: {len(others)}",
    )
    ending = SessionsEnding(
        caller.user.user_id,
        tuple(s.token_hash for s in others[:MAX_DELETES]),
        event,
        epoch=caller.user.session_epoch,
        keep=caller.session.token_hash,
    )
    if not deps.store.end(ending):
        raise errors.StaleUpdate(CHANGED_MEANWHILE)
    return len(others)


def _described(session: Session) -> str:
    where = session.source_ip or "dirección desconocida"
    return f"{session.device or UNKNOWN_BROWSER}, {where}"
