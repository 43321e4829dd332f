"""Session items (R-AUTH-1): keyed by the token's keyed hash, expiring through the TTL attribute."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from chalicelib.domain.records import Session, User
from chalicelib.store.batch import batch_get
from chalicelib.store.errors import dynamodb_unavailable, is_condition_failure
from chalicelib.store.models import SessionModel, UserModel
from chalicelib.store.users import to_user


def to_model(session: Session) -> SessionModel:
    return SessionModel(
        session.token_hash,
        user_id=session.user_id,
        epoch=session.epoch,
        created_at=session.created_at,
        last_seen=session.last_seen,
        expires_at=session.expires_at,
    )


def to_session(item: SessionModel) -> Session:
    return Session(
        token_hash=item.token_hash,
        user_id=item.user_id,
        epoch=int(item.epoch),
        created_at=int(item.created_at),
        last_seen=int(item.last_seen),
        expires_at=int(item.expires_at),
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
