"""Password recovery and the undo of an e-mail change: the reads that find an account
by ID or address, and the two transactions that change it."""

from __future__ import annotations

import logging

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain import errors
from chalicelib.domain.claims import email_claim
from chalicelib.domain.errors import (
    ACCOUNT_CHANGED_MEANWHILE,
    CODE_NO_LONGER_VALID,
    EMAIL_TAKEN_MEANWHILE,
    GONE_MEANWHILE,
)
from chalicelib.domain.records import (
    STATUS_ACTIVE,
    AuditEvent,
    EmailRestore,
    EmailUndo,
    PasswordReset,
    UndoVoid,
    User,
)
from chalicelib.store.audit import audit_item
from chalicelib.store.batch import batch_get
from chalicelib.store.codes import code_consumption
from chalicelib.store.errors import dynamodb_unavailable
from chalicelib.store.models import EmailUndoModel, UserModel
from chalicelib.store.transactions import labelled_write, move_claim
from chalicelib.store.undo import links_value, to_undo, undo_key, voids_of, voids_value
from chalicelib.store.users import new_password_actions, to_user

log = logging.getLogger(__name__)


def _user(user_id: str) -> User | None:
    (item,) = batch_get([(UserModel, user_id)])
    return to_user(item) if item is not None else None


class DynamoRecoveryStore:
    def user_by_id(self, user_id: str) -> User | None:
        return _user(user_id)

    def record(self, event: AuditEvent) -> None:
        with dynamodb_unavailable():
            audit_item(event).save()

    def reset_password(self, reset: PasswordReset) -> None:
        def refused(failed: set[str]) -> errors.ApiError:
            if "user" in failed:
                return self._reset_refused(reset.user_id)
            return errors.SecurityCodeInvalid(GONE_MEANWHILE)

        with labelled_write(refused) as tx:
            tx.update(
                "user",
                UserModel(reset.user_id),
                actions=[
                    *new_password_actions(reset.password_hash, UserModel.session_epoch.add(1)),
                    UserModel.must_recover_password.set(False),
                    UserModel.updated_at.set(reset.updated_at),
                    UserModel.version.add(1),
                ],
                # The code went to this address; the account must still have it.
                condition=(UserModel.status == STATUS_ACTIVE) & (UserModel.email == reset.email),
            )
            tx.update("code", *code_consumption(reset.code))
            tx.save("audit", audit_item(reset.audit))

    def _reset_refused(self, user_id: str) -> errors.ApiError:
        """Why the account refused the new password: read again only on this rare path."""
        user = _user(user_id)
        if user is None or user.status != STATUS_ACTIVE:
            return errors.AccountDeactivated()
        return errors.SecurityCodeInvalid(CODE_NO_LONGER_VALID)

    def load_undo(self, token_hash: str) -> tuple[EmailUndo | None, User | None, list[UndoVoid]]:
        with dynamodb_unavailable():
            try:
                item = EmailUndoModel.get(undo_key(token_hash), consistent_read=True)
            except DoesNotExist:
                return None, None, []
        undo = to_undo(item, token_hash)
        (user_item,) = batch_get([(UserModel, undo.user_id)])
        if user_item is None:
            return undo, None, []
        return undo, to_user(user_item), voids_of(user_item)

    def restore_email(self, restore: EmailRestore) -> None:
        with labelled_write(_restore_refused) as tx:
            tx.update(
                "user",
                UserModel(restore.user_id),
                actions=[
                    UserModel.email.set(restore.restored_email),
                    # Every session ends, the intruder's included; the next log-in needs a
                    # password recovered through the restored address.
                    UserModel.session_epoch.add(1),
                    UserModel.must_recover_password.set(True),
                    UserModel.email_undo_voids.set(voids_value(restore.voids)),
                    UserModel.email_undo_links.set(links_value(restore.undo_links)),
                    UserModel.updated_at.set(restore.updated_at),
                    UserModel.version.add(1),
                ],
                # The confirmation does not move the version: an owner's confirmation of this
                # link's change, committed since the read, refuses the undo (R-HARD-9).
                condition=(UserModel.version == restore.version)
                & (UserModel.status == STATUS_ACTIVE)
                & (
                    UserModel.email_undo_confirmed_through.does_not_exist()
                    | (UserModel.email_undo_confirmed_through < restore.link_version)
                ),
            )
            if restore.released_key is not None:
                move_claim(
                    tx,
                    ("released", "restored"),
                    restore.user_id,
                    email_claim(restore.released_key),
                    email_claim(restore.restored_key),
                )
            tx.update(
                "link",
                EmailUndoModel(undo_key(restore.token_hash)),
                actions=[EmailUndoModel.used.set(True)],
                condition=EmailUndoModel.key.exists() & (EmailUndoModel.used == False),  # noqa: E712
            )
            tx.save("audit", audit_item(restore.audit))


def _restore_refused(failed: set[str]) -> errors.ApiError:
    if "link" in failed:
        return errors.LinkUsed()
    if "restored" in failed:
        return errors.EmailTaken(EMAIL_TAKEN_MEANWHILE)
    if "user" in failed:
        return errors.StaleUpdate(ACCOUNT_CHANGED_MEANWHILE)
    log.error("e-mail undo found the current address claimed by another account")
    return errors.ServiceUnavailable()
