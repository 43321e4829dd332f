"""The logged-in user's account: profile, modification, password and e-mail change, deactivation
(R-MOD-1 … R-MOD-8, R-DEL-1, R-DEL-2).

Every change is checked in full before anything is written, then written in one transaction
together with its audit items, conditional on the `version` the person read (R-MOD-7): a
refused save changes nothing. Mails go out after the commit; a failed notice is logged, never
turned into a failed save, because the change has already happened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.domain import errors, names, passwords, security_codes, tokens
from chalicelib.domain.account_forms import AccountUpdateForm, DeactivationForm
from chalicelib.domain.fields import email_key
from chalicelib.domain.lockout import PasswordGate, login_state
from chalicelib.domain.notices import Notices
from chalicelib.domain.ports import (
    CONTACT_FIELDS,
    PROFILE_FIELDS,
    PURPOSE_EMAIL_CHANGE,
    AccountChange,
    AccountStore,
    AuditEvent,
    ClaimStore,
    Clock,
    CodeStore,
    EmailMove,
    EmailUndo,
    Mailer,
    Origin,
    User,
)
from chalicelib.domain.registration import (
    address_code,
    code_and_holder,
    email_available,
    iso,
    issue_address_code,
)
from chalicelib.domain.sessions import Caller

log = logging.getLogger(__name__)

SAME_ADDRESS = (
    "Este es el correo electrónico que ya tiene registrado. Para conservarlo, elija «Sí» en "
    "«¿Desea mantener el mismo correo electrónico?»."
)


@dataclass
class AccountDeps:
    accounts: AccountStore
    claims: ClaimStore
    codes: CodeStore
    mailer: Mailer
    gate: PasswordGate
    clock: Clock
    hash_key: bytes
    code_policy: security_codes.CodePolicy
    # The security notices' links (issue 8): WEB_BASE_URL and the undo link's lifetime.
    web_base_url: str = ""
    undo_ttl_seconds: int = 7 * 24 * 3600

    @property
    def notices(self) -> Notices:
        return Notices(self.mailer, self.web_base_url)


def undo_token_hash(key: bytes, token: str) -> str:
    """The only form in which an undo link's token is stored (issue 8)."""
    return tokens.keyed_hash(key, "email-undo", token)


def profile(user: User) -> dict[str, Any]:
    """R-MOD-1: what api.md lists, and by construction nothing else (no hash, no code)."""
    return {name: getattr(user, name) for name in PROFILE_FIELDS}


def check_password(deps: AccountDeps, caller: Caller, password: str) -> None:
    """The form's "verify" button (R-MOD-4); a wrong password counts toward the lock-out."""
    user = caller.user
    deps.gate.check(user.user_id, user, login_state(user), password, caller.origin)
    deps.gate.clear(user)


def email_available_for(deps: AccountDeps, caller: Caller, email: str) -> bool:
    """The account's own address counts as available."""
    return email_available(deps.claims, email, owner=caller.user.user_id)


def request_email_change_code(
    deps: AccountDeps, caller: Caller, email: str
) -> security_codes.CodeIssued:
    """R-MOD-6: a code to the *new* address, under a purpose of its own (never usable to
    register), throttled per address like registration's (R-REG-11)."""
    user = caller.user
    if email_key(email) == email_key(user.email):
        raise errors.ValidationFailed(fields={"email": SAME_ADDRESS})
    previous, holder = code_and_holder(deps.codes, email, PURPOSE_EMAIL_CHANGE)
    if holder is not None and holder != user.user_id:
        raise errors.EmailTaken()
    return issue_address_code(deps, email, PURPOSE_EMAIL_CHANGE, previous)


def _changed_contact(user: User, form: AccountUpdateForm) -> dict[str, str | None]:
    contact = form.contact
    return {
        name: getattr(contact, name)
        for name in CONTACT_FIELDS
        if getattr(contact, name) != getattr(user, name)
    }


def update_account(deps: AccountDeps, caller: Caller, form: AccountUpdateForm) -> User:
    """PUT /v1/account. Order of refusals: stale data, name rule, current password, e-mail
    code; then one transaction that the store refuses as a whole (R-MOD-7)."""
    user, origin = caller.user, caller.origin
    if form.version != user.version:
        raise errors.StaleUpdate()
    values = _changed_contact(user, form)
    if "name" in values and not names.is_correction(user.name, form.contact.name):
        raise errors.NameChangeNotAllowed(
            fields={"name": errors.NameChangeNotAllowed.default_message}
        )
    if form.password is not None:
        deps.gate.check(user.user_id, user, login_state(user), form.password.current, origin)

    move: EmailMove | None = None
    if form.email is not None:
        new_key = email_key(form.email)
        record = address_code(deps.codes, form.email, PURPOSE_EMAIL_CHANGE)
        checked = security_codes.check_code_with(deps, record, form.security_code)
        move = EmailMove(old_key=email_key(user.email), new_key=new_key, code=checked)
        values["email"] = form.email

    if not values and form.password is None:
        # Nothing differs: no write, no new version, no audit item.
        return user

    now_epoch = deps.clock()
    now = iso(now_epoch)
    audit = _audit_items(user, values, form, now, origin)
    change = AccountChange(
        user_id=user.user_id,
        version=user.version,
        updated_at=now,
        values=values,
        audit=audit,
        email=move,
    )
    if form.password is not None:
        change = replace(
            change,
            password_hash=passwords.hash_password(form.password.new),
            session_epoch=user.session_epoch + 1,
            keep_session=caller.session.token_hash,
        )
    undo_token: str | None = None
    if move is not None:
        # The old address gets a one-time link that undoes this change (issue 8): 256 random
        # bits, of which only the keyed hash is stored, in the same transaction as the change.
        undo_token = tokens.new_token()
        change = replace(
            change,
            undo=EmailUndo(
                token_hash=undo_token_hash(deps.hash_key, undo_token),
                user_id=user.user_id,
                old_email=user.email,
                version=user.version + 1,
                expires_at=int(now_epoch) + deps.undo_ttl_seconds,
            ),
        )
    deps.accounts.change(change)

    updated = replace(user, **values, version=user.version + 1, updated_at=now)
    if change.password_hash is not None and change.session_epoch is not None:
        updated = replace(
            updated,
            password_hash=change.password_hash,
            session_epoch=change.session_epoch,
            failed_logins=[],
            locked_until=0,
        )
    _notify(deps, user, updated, now_epoch, origin, undo_token)
    return updated


def _audit_items(
    user: User, values: dict[str, str | None], form: AccountUpdateForm, now: str, origin: Origin
) -> tuple[AuditEvent, ...]:
    """R-MOD-8: names of the changed fields, never a secret's value."""

    def event(name: str, changed: tuple[str, ...], detail: str = "") -> AuditEvent:
        return AuditEvent(
            user.user_id,
            name,
            now,
            origin.source_ip,
            fields=changed,
            detail=detail,
            user_agent=origin.user_agent,
        )

    items = []
    contact = tuple(name for name in CONTACT_FIELDS if name in values)
    if contact:
        items.append(event("PROFILE_UPDATED", contact))
    if "email" in values:
        items.append(event("EMAIL_CHANGED", ("email",), f"{user.email} -> {values['email']}"))
    if form.password is not None:
        items.append(event("PASSWORD_CHANGED", ("password",)))
    return tuple(items)


def _notify(
    deps: AccountDeps,
    before: User,
    after: User,
    when: float,
    origin: Origin,
    undo_token: str | None,
) -> None:
    """Sent after the commit; a failed notice is logged, never a failed save."""
    notices = deps.notices
    if after.email != before.email:
        notices.email_replaced(
            before,
            after.email,
            when,
            origin,
            undo_token=undo_token,
            undo_ttl_seconds=deps.undo_ttl_seconds,
        )
    if after.password_hash != before.password_hash:
        notices.password_changed(after, when, origin)


def deactivate(deps: AccountDeps, caller: Caller, form: DeactivationForm) -> None:
    """R-DEL-1, R-DEL-2: status, released document and e-mail, ended sessions, audit: one
    transaction. The ID's claim stays, so the ID is never reused."""
    user, origin = caller.user, caller.origin
    deps.gate.check(user.user_id, user, login_state(user), form.password, origin)
    now_epoch = deps.clock()
    now = iso(now_epoch)
    audit = AuditEvent(
        user.user_id,
        "DEACTIVATED",
        now,
        origin.source_ip,
        fields=("status",),
        detail=form.reason,
        user_agent=origin.user_agent,
    )
    deps.accounts.deactivate(user, reason=form.reason, at=now, audit=audit)
    deps.notices.deactivated(user, now_epoch, origin)
