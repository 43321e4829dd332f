"""Session items (R-AUTH-1): keyed by the token's keyed hash, expiring through the TTL attribute;
an account's sessions listed through the `by-user` index and ended in one transaction (R-SEC-1)."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.records import STATUS_ACTIVE, Session, SessionsEnding, User
from chalicelib.store.audit import audit_item
from chalicelib.store.batch import batch_get
from chalicelib.store.errors import dynamodb_unavailable, is_condition_failure
from chalicelib.store.models import SessionModel, UserModel
from chalicelib.store.transactions import labelled_write
from chalicelib.store.users import to_user


def to_model(session: Session) -> SessionModel:
    return SessionModel(
        session.token_hash,
        user_id=session.user_id,
        epoch=session.epoch,
        created_at=session.created_at,
        last_seen=session.last_seen,
        expires_at=session.expires_at,
        source_ip=session.source_ip or None,
        device=session.device or None,
    )


def to_session(item: SessionModel) -> Session:
    return Session(
        token_hash=item.token_hash,
        user_id=item.user_id,
        epoch=int(item.epoch),
        created_at=int(item.created_at),
        last_seen=int(item.last_seen),
        expires_at=int(item.expires_at),
        source_ip=item.source_ip or "",
        device=item.device or "",
    )


class DynamoSessionStore:
    def load(self, token_hash: str, user_id: str) -> tuple[Session | None, User | None]:
        session_item, user_item = batch_get([(SessionModel, token_hash), (UserModel, user_id)])
        return (
            to_session(session_item) if session_item is not None else None,
            to_user(user_item) if user_item is not None else None,
        )

    def touch(self, session: Session) -> bool:
        item = SessionModel(session.token_hash)
        with dynamodb_unavailable():
            try:
                # The condition keeps a logged-out session from coming back as a partial item.
                item.update(
                    actions=[
                        SessionModel.last_seen.set(session.last_seen),
                        SessionModel.expires_at.set(session.expires_at),
                    ],
                    condition=SessionModel.token_hash.exists(),
                )
            except UpdateError as exc:
                if is_condition_failure(exc):
                    return False
                raise
        return True

    def delete(self, token_hash: str) -> None:
        with dynamodb_unavailable():
            SessionModel(token_hash).delete()

    # The session list (R-SEC-1); also for the data export and the help desk.

    def sessions_of(self, user_id: str) -> list[Session]:
        """Every session item of the account, open or not (the domain decides which are open):
        one Query of the `by-user` index per page of results."""
        with dynamodb_unavailable():
            return [to_session(item) for item in SessionModel.by_user.query(user_id)]

    def end(self, ending: SessionsEnding) -> bool:
        """One TransactWriteItems: the deletes, the epoch moved on with `keep` carried over,
        and the audit item. False (nothing written) when a condition failed."""
        moved = ending.epoch is not None
        try:
            with labelled_write(_ConditionFailed) as tx:
                for token_hash in ending.token_hashes:
                    tx.delete(
                        "session",
                        SessionModel(token_hash),
                        condition=_of_account(ending.user_id, gone_is_fine=moved),
                    )
                if ending.epoch is not None:
                    tx.update(
                        "user",
                        UserModel(ending.user_id),
                        actions=[UserModel.session_epoch.set(ending.epoch + 1)],
                        condition=(UserModel.session_epoch == ending.epoch)
                        & (UserModel.status == STATUS_ACTIVE),
                    )
                    if ending.keep is not None:
                        tx.update(
                            "keep",
                            SessionModel(ending.keep),
                            actions=[SessionModel.epoch.set(ending.epoch + 1)],
                            condition=_of_account(ending.user_id, gone_is_fine=False),
                        )
                tx.save("audit", audit_item(ending.audit))
        except _ConditionFailed:
            return False
        return True


def _of_account(user_id: str, *, gone_is_fine: bool) -> Condition:
    """The session item is the account's; with `gone_is_fine`, or already gone: ending every
    other session does not fail because one of them logged out meanwhile."""
    own: Condition = SessionModel.user_id == user_id
    if gone_is_fine:
        either: Condition = SessionModel.token_hash.does_not_exist() | own
        return either
    return own


class _ConditionFailed(Exception):
    def __init__(self, failed: set[str]) -> None:
        super().__init__(", ".join(sorted(failed)))
