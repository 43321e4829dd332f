"""User-account writes after registration: lock-out state, log-in, modification, deactivation.

Each method is one DynamoDB call (a conditional UpdateItem/PutItem or one TransactWriteItems),
so a save is all or nothing (R-MOD-7) and an e-mail change moves its claim atomically (R-MOD-6).
"""

from __future__ import annotations

import logging
from typing import Any

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition, size

from chalicelib.domain import errors
from chalicelib.domain.claims import document_claim, email_claim
from chalicelib.domain.clock import DAY
from chalicelib.domain.errors import CONFIRMED_MEANWHILE, GONE_MEANWHILE
from chalicelib.domain.fields import email_key
from chalicelib.domain.lockout import Counted, login_state
from chalicelib.domain.records import (
    STATUS_ACTIVE,
    STATUS_DEACTIVATED,
    AccountChange,
    AuditEvent,
    EmailChangeConfirmation,
    LoginState,
    Session,
    User,
)
from chalicelib.store.audit import audit_item
from chalicelib.store.batch import batch_get
from chalicelib.store.codes import code_consumption
from chalicelib.store.conditional import update_returning
from chalicelib.store.errors import dynamodb_unavailable, is_condition_failure
from chalicelib.store.models import LimitModel, SessionModel, UserModel
from chalicelib.store.sessions import to_model as session_model
from chalicelib.store.transactions import claim_release, labelled_write, move_claim
from chalicelib.store.undo import links_value, undo_model
from chalicelib.store.users import to_user

log = logging.getLogger(__name__)


def unknown_id_key(user_id: str) -> str:
    return f"LOGIN#{user_id}"


def _state_actions(after: LoginState) -> list[Any]:
    return [
        UserModel.failed_logins.set(list(after.failures)),
        UserModel.locked_until.set(after.locked_until),
    ]


# The two items that hold a lock-out state: an account's, and an unknown ID's (`LOGIN#<id>`).
LockOutModel = type[UserModel] | type[LimitModel]


def _locked_until_is(model: LockOutModel, value: int) -> Condition:
    if value:
        return model.locked_until == value
    unset: Condition = model.locked_until.does_not_exist() | (model.locked_until == 0)
    return unset


def _no_lock_since(before: LoginState) -> Condition:
    """No lock was set after `before` was read: a right password never outruns one (R-HARD-1)."""
    return _locked_until_is(UserModel, before.locked_until)


def _state_condition(model: LockOutModel, before: LoginState) -> Condition:
    """The stored lock-out state is still `before` (an empty state may also be absent)."""
    if before.failures:
        failures = model.failed_logins == list(before.failures)
    else:
        failures = model.failed_logins.does_not_exist() | (model.failed_logins == [])
    same: Condition = failures & _locked_until_is(model, before.locked_until)
    return same


def _attempt_condition(model: LockOutModel, now: int, max_attempts: int) -> Condition:
    """Not locked at `now`, and fewer than `max_attempts` attempts in the list (R-HARD-1)."""
    unlocked = model.locked_until.does_not_exist() | (model.locked_until <= now)
    room = model.failed_logins.does_not_exist() | (size(model.failed_logins) < max_attempts)
    allowed: Condition = unlocked & room
    return allowed


def _limit_state(item: LimitModel | None) -> LoginState:
    if item is None:
        return LoginState()
    return LoginState(tuple(int(t) for t in item.failed_logins or []), int(item.locked_until or 0))


class _StateMoved(Exception):
    """The lock-out state is no longer the one read: nothing was written (R-HARD-1)."""


def _state_moved(_: set[str]) -> Exception:
    return _StateMoved()


class DynamoAccountStore:
    def count_attempt(self, user_id: str, now: int, max_attempts: int) -> Counted:
        """One UpdateItem on the user item, which is also the read; for an ID with no account
        (no item to update), a second one on the ID's own state item."""
        counted, user_item = update_returning(
            UserModel,
            user_id,
            [UserModel.failed_logins.set((UserModel.failed_logins | []).append([now]))],
            UserModel.user_id.exists() & _attempt_condition(UserModel, now, max_attempts),
        )
        if user_item is not None:
            user = to_user(user_item)
            return Counted(user, login_state(user), counted)
        counted, limit_item = update_returning(
            LimitModel,
            unknown_id_key(user_id),
            [
                LimitModel.failed_logins.set((LimitModel.failed_logins | []).append([now])),
                LimitModel.expires_at.set(now + DAY),
            ],
            _attempt_condition(LimitModel, now, max_attempts),
        )
        return Counted(None, _limit_state(limit_item), counted)

    def load_for_login(self, user_id: str) -> tuple[User | None, LoginState]:
        user_item, unknown_item = batch_get(
            [(UserModel, user_id), (LimitModel, unknown_id_key(user_id))]
        )
        if user_item is not None:
            user = to_user(user_item)
            return user, login_state(user)
        return None, _limit_state(unknown_item)

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
        if not known:
            return self._save_unknown_id_state(user_id, before, after)
        item = UserModel(user_id)
        actions = _state_actions(after)
        if lock_notice_at is not None:
            actions.append(UserModel.lock_notice_at.set(lock_notice_at))
        condition = UserModel.user_id.exists() & _state_condition(UserModel, before)
        if audit is None:
            with dynamodb_unavailable():
                try:
                    item.update(actions=actions, condition=condition)
                except UpdateError as exc:
                    if is_condition_failure(exc):
                        return False
                    raise
            return True
        try:
            with labelled_write(_state_moved) as tx:
                tx.update("user", item, actions=actions, condition=condition)
                tx.save("audit", audit_item(audit))
        except _StateMoved:
            return False
        return True

    def _save_unknown_id_state(self, user_id: str, before: LoginState, after: LoginState) -> bool:
        item = LimitModel(
            unknown_id_key(user_id),
            failed_logins=list(after.failures),
            locked_until=after.locked_until,
            expires_at=max(after.locked_until, *after.failures, 0) + DAY,
        )
        with dynamodb_unavailable():
            try:
                item.save(condition=_state_condition(LimitModel, before))
            except PutError as exc:
                if is_condition_failure(exc):
                    return False
                raise
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
        """False when the lock-out state is no longer `before` (nothing was written)."""
        actions = _state_actions(after) if after != before else []
        condition = UserModel.user_id.exists() & _state_condition(UserModel, before)
        if rehash is not None:
            old_hash, new_hash = rehash
            actions.append(UserModel.password_hash.set(new_hash))
            condition = condition & (UserModel.password_hash == old_hash)
        user = UserModel(session.user_id)
        try:
            with labelled_write(_state_moved) as tx:
                tx.save("session", session_model(session))
                tx.save("audit", audit_item(audit))
                if actions:
                    tx.update("user", user, actions=actions, condition=condition)
                else:
                    tx.condition_check("user", UserModel, session.user_id, condition=condition)
        except _StateMoved:
            return False
        return True

    def change(self, change: AccountChange) -> None:
        user_actions: list[Any] = [
            UserModel.updated_at.set(change.updated_at),
            UserModel.version.set(change.version + 1),
        ]
        for name, value in change.values.items():
            attribute = getattr(UserModel, name)
            user_actions.append(attribute.remove() if value is None else attribute.set(value))
        for name, value in change.password_writes().items():
            user_actions.append(getattr(UserModel, name).set(value))
        condition = (UserModel.version == change.version) & (UserModel.status == STATUS_ACTIVE)
        if change.login is not None:
            condition = condition & _no_lock_since(change.login)
        if change.undo_links is not None:
            user_actions.append(UserModel.email_undo_links.set(links_value(change.undo_links)))
        with labelled_write(_change_refused) as tx:
            tx.update("user", UserModel(change.user_id), actions=user_actions, condition=condition)
            if change.keep_session is not None and change.session_epoch is not None:
                tx.update(
                    "session",
                    SessionModel(change.keep_session),
                    actions=[SessionModel.epoch.set(change.session_epoch)],
                    condition=SessionModel.token_hash.exists(),
                )
            if change.email is not None:
                move = change.email
                move_claim(
                    tx,
                    ("old_claim", "new_claim"),
                    change.user_id,
                    email_claim(move.old_key),
                    email_claim(move.new_key),
                )
                tx.update("code", *code_consumption(move.code))
            for event in change.audit:
                tx.save("audit", audit_item(event))
            if change.undo is not None:
                undo, undo_condition = undo_model(change.undo)
                tx.save("undo", undo, condition=undo_condition)

    def deactivate(
        self, user: User, *, reason: str, at: str, audit: AuditEvent, login: LoginState
    ) -> None:
        document, document_condition = claim_release(
            document_claim(user.document_type, user.document_number), user.user_id
        )
        email, email_condition = claim_release(email_claim(email_key(user.email)), user.user_id)
        with labelled_write(_deactivation_refused) as tx:
            tx.update(
                "user",
                UserModel(user.user_id),
                actions=[
                    UserModel.status.set(STATUS_DEACTIVATED),
                    UserModel.deactivation_reason.set(reason),
                    UserModel.deactivated_at.set(at),
                    # Its day, for the retention rule that anonymises it later (R-PRIV-4).
                    UserModel.deactivated_on.set(at[:10]),
                    UserModel.updated_at.set(at),
                    UserModel.version.add(1),
                    # Every session of the account ends with this (R-AUTH-4).
                    UserModel.session_epoch.add(1),
                ],
                # The version read too: the claims released are those of that read, so an
                # e-mail change committed meanwhile cannot leave its new claim held by a
                # deactivated account.
                condition=(UserModel.status == STATUS_ACTIVE)
                & (UserModel.version == user.version)
                & _no_lock_since(login),
            )
            # The USERID claim is kept: an ID is never reused (R-REG-1).
            tx.delete("document", document, condition=document_condition)
            tx.delete("email", email, condition=email_condition)
            tx.save("audit", audit_item(audit))

    def confirm_email_change(self, confirmation: EmailChangeConfirmation) -> None:
        """R-HARD-9: links of changes up to this version are void; none is pending any more.
        The version is not bumped (an open modify form stays valid), but conditioned on, so a
        save or an undo committed meanwhile is never overwritten."""
        with labelled_write(lambda _: errors.StaleUpdate(CONFIRMED_MEANWHILE)) as tx:
            tx.update(
                "user",
                UserModel(confirmation.user_id),
                actions=[
                    UserModel.email_undo_confirmed_through.set(confirmation.version),
                    UserModel.email_undo_links.set([]),
                ],
                condition=(UserModel.version == confirmation.version)
                & (UserModel.status == STATUS_ACTIVE),
            )
            tx.save("audit", audit_item(confirmation.audit))


def _deactivation_refused(failed: set[str]) -> errors.ApiError:
    if "user" in failed:
        return errors.StaleUpdate()
    log.error("deactivation found a claim held by another account")
    return errors.ServiceUnavailable()


def _change_refused(failed: set[str]) -> errors.ApiError:
    """Which part of the save lost, most telling first."""
    if "user" in failed or "old_claim" in failed:
        return errors.StaleUpdate()
    if "session" in failed:
        return errors.Unauthorized()
    if "new_claim" in failed:
        return errors.EmailTaken()
    return errors.SecurityCodeInvalid(GONE_MEANWHILE)
