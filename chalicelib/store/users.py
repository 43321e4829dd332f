"""User items: the mapping between the domain's User and the users table's item."""

from __future__ import annotations

import dataclasses
from typing import Any

from pynamodb.expressions.update import Action

from chalicelib.domain.records import User
from chalicelib.store.models import UserModel
from chalicelib.store.undo import confirmed_through, links_of

# What the user item keeps about undo links (R-HARD-9) is converted apart, and a new account has
# none of it.
_UNDO_FIELDS = ("email_undo_links", "email_undo_confirmed_through")
# Nor does it have a second factor (R-SEC-2): those attributes are written by its own store.
_TOTP_FIELDS = ("totp_secret", "totp_pending", "totp_last_step", "totp_recovery")
_USER_FIELDS = tuple(
    f.name for f in dataclasses.fields(User) if f.name not in (*_UNDO_FIELDS, *_TOTP_FIELDS)
)


def to_model(user: User) -> UserModel:
    return UserModel(**{name: getattr(user, name) for name in _USER_FIELDS})


def to_user(item: UserModel) -> User:
    values: dict[str, Any] = {name: getattr(item, name) for name in _USER_FIELDS}
    values["email_undo_links"] = links_of(item)
    values["email_undo_confirmed_through"] = confirmed_through(item)
    values["version"] = int(values["version"])
    values["session_epoch"] = int(values["session_epoch"])
    values["locked_until"] = int(values["locked_until"])
    values["lock_notice_at"] = int(values["lock_notice_at"] or 0)
    values["email_undeliverable_until"] = int(values["email_undeliverable_until"] or 0)
    values["failed_logins"] = [int(t) for t in values["failed_logins"] or []]
    values["totp_secret"] = item.totp_secret
    values["totp_pending"] = item.totp_pending
    values["totp_last_step"] = int(item.totp_last_step or 0)
    values["totp_recovery"] = tuple(sorted(item.totp_recovery or ()))
    return User(**values)


def new_password_actions(password_hash: str, session_epoch: Action) -> list[Action]:
    """A new password moves `session_epoch` on (every other session ends, R-AUTH-4) and clears
    the lock-out (R-HARD-1): a password change and a recovery alike."""
    return [
        UserModel.password_hash.set(password_hash),
        session_epoch,
        UserModel.failed_logins.set([]),
        UserModel.locked_until.set(0),
    ]
