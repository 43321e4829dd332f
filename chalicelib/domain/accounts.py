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
from typing import Any, Protocol

from chalicelib.domain import delivery, errors, fields, names, passwords, tokens
from chalicelib.domain.account_forms import AccountUpdateForm, DeactivationForm
from chalicelib.domain.claims import ClaimStore, email_claim
from chalicelib.domain.clock import HOUR, iso
from chalicelib.domain.fields import email_key
from chalicelib.domain.forms import Problems
from chalicelib.domain.lockout import PasswordGate
from chalicelib.domain.notices import Notices
from chalicelib.domain.records import (
    CONTACT_FIELDS,
    PROFILE_FIELDS,
    PURPOSE_EMAIL_CHANGE,
    AccountChange,
    AuditEvent,
    Caller,
    EmailChangeConfirmation,
    EmailMove,
    EmailUndo,
    LoginState,
    Origin,
    UndoLink,
    User,
    audit,
    pending_links,
)
from chalicelib.domain.security_codes import CodeIssued, CodeService

log = logging.getLogger(__name__)

SAME_ADDRESS = (
    "Este es el correo electrónico que ya tiene registrado. Para conservarlo, elija «Sí» en "
    "«¿Desea mantener el mismo correo electrónico?»."
)

# The pending undo links the user item lists (R-HARD-9), newest kept: the count the
# confirmation answers is of these, while the links it voids are all those issued before it.
MAX_PENDING_LINKS = 50


class AccountStore(Protocol):
    """What the account's use cases write (DynamoAccountStore, which also opens sessions)."""

    def change(self, change: AccountChange) -> None:
        """One transaction; StaleUpdate, EmailTaken or SecurityCodeInvalid when refused."""
        ...

    def deactivate(
        self, user: User, *, reason: str, at: str, audit: AuditEvent, login: LoginState
    ) -> None:
        """Status, claims, sessions and audit in one transaction; StaleUpdate if the account
        is no longer active, changed since it was read, or was locked since `login`."""
        ...

    def confirm_email_change(self, confirmation: EmailChangeConfirmation) -> None:
        """Void every undo link issued up to `confirmation.version` and audit it, in one write;
        StaleUpdate if the account changed since it was read (R-HARD-9)."""
        ...


@dataclass
class AccountDeps:
    accounts: AccountStore
    claims: ClaimStore
    codes: CodeService
    gate: PasswordGate
    # The security notices, with their links to WEB_BASE_URL; the undo link's lifetime
    # (EMAIL_UNDO_TTL_SECONDS, R-HARD-9).
    notices: Notices
    web_base_url: str = ""
    undo_ttl_seconds: int = 72 * HOUR


def profile(user: User, now: float) -> dict[str, Any]:
    """R-MOD-1: what api.md lists, and by construction nothing else (no hash, no code); with
    whether the address receives mail, from the user item itself (R-MAIL-3), and whether the
    account has a second factor, never its secret (R-SEC-2)."""
    shown = {name: getattr(user, name) for name in PROFILE_FIELDS}
    shown["email_deliverable"] = user.email_deliverable(now)
    shown["totp_enabled"] = user.totp_enabled
    return shown


def check_password(deps: AccountDeps, caller: Caller, password: str) -> None:
    """The form's "verify" button (R-MOD-4), and every account route that asks for the password
    alone (R-HARD-9): a wrong one counts toward the lock-out (R-HARD-1)."""
    attempt = deps.gate.check(caller.user.user_id, password, caller.origin)
    deps.gate.succeed(attempt)


def email_available_for(deps: AccountDeps, caller: Caller, email: str) -> dict[str, bool]:
    """The account's own address counts as available; `deliverable` as in registration
    (R-MAIL-3)."""
    key = email_key(email)
    holder, state = deps.claims.email_state(email_claim(key), key)
    return {
        "available": holder is None or holder == caller.user.user_id,
        "deliverable": delivery.deliverable(state, deps.codes.clock()),
    }


def request_email_change_code(deps: AccountDeps, caller: Caller, email: str) -> CodeIssued:
    """R-MOD-6: a code to the *new* address, under a purpose of its own (never usable to
    register), throttled per address like registration's (R-REG-11)."""
    user = caller.user
    if email_key(email) == email_key(user.email):
        raise errors.ValidationFailed(fields={"email": SAME_ADDRESS})
    previous, holder, deliverable = deps.codes.previous_and_holder(email, PURPOSE_EMAIL_CHANGE)
    if holder is not None and holder != user.user_id:
        raise errors.EmailTaken()
    if not deliverable:
        raise errors.EmailUndeliverable()
    return deps.codes.issue(email, PURPOSE_EMAIL_CHANGE, caller.origin, previous=previous)


def _changed_contact(user: User, form: AccountUpdateForm) -> dict[str, str | None]:
    contact = form.contact
    return {
        name: getattr(contact, name)
        for name in CONTACT_FIELDS
        if getattr(contact, name) != getattr(user, name)
    }


def name_baseline(user: User) -> str:
    """The name a new name must also correct (R-HARD-5): the one given at registration.

    An account registered before that name was kept has none; its name at the first save that
    changes it stands in, and update_account writes it then, so the baseline is frozen from that
    save on. (What such an account went through before cannot be undone from here.)
    """
    return user.registered_name if user.registered_name is not None else user.name


def refused_save(
    deps: AccountDeps, caller: Caller, form: AccountUpdateForm, problems: Problems
) -> errors.ApiError:
    """The one answer of a save refused for its fields (R-UX-1): with them, a new address that
    another account holds and the state of its code, read in one BatchGetItem with no try
    counted (nothing is read when the address stays or is malformed)."""
    more: dict[str, str] = {}
    if form.email is not None and "email" not in problems:
        claim = email_claim(email_key(form.email))
        mailbox = (fields.mailbox_key(form.email), PURPOSE_EMAIL_CHANGE)
        owners, record = deps.claims.owners([claim], mailbox)
        if owners.get(claim) not in (None, caller.user.user_id):
            more["email"] = errors.EmailTaken.default_message
        code_problem = deps.codes.refusal_without_try(
            record, form.email, form.security_code, caller.origin
        )
        if code_problem is not None:
            more["security_code"] = code_problem.message
    return problems.error(more)


def _with_taken_address(
    deps: AccountDeps, caller: Caller, email: str, refused: errors.ApiError
) -> errors.ApiError:
    """A refused code, and the new address too if another account holds it, in one read more
    (R-UX-1)."""
    holder = deps.claims.owner(email_claim(email_key(email)))
    refused.fields = {"security_code": refused.message}
    if holder not in (None, caller.user.user_id):
        refused.fields["email"] = errors.EmailTaken.default_message
    return refused


def update_account(deps: AccountDeps, caller: Caller, form: AccountUpdateForm) -> User:
    """PUT /v1/account. Order of refusals: stale data, name rule (R-MOD-3, R-HARD-5), current
    password, e-mail code; then one transaction that the store refuses as a whole (R-MOD-7)."""
    user, origin = caller.user, caller.origin
    if form.version != user.version:
        raise errors.StaleUpdate()
    values = _changed_contact(user, form)
    if "name" in values:
        baseline = name_baseline(user)
        if not names.is_allowed_change(baseline, user.name, form.contact.name):
            raise errors.NameChangeNotAllowed(
                fields={"name": errors.NameChangeNotAllowed.default_message}
            )
        if user.registered_name is None:
            # Frozen in this save's own transaction: from now on it never moves (R-HARD-5).
            values["registered_name"] = baseline
    if form.password is None:
        return _save(deps, caller, form, values, None)
    attempt = deps.gate.check(user.user_id, form.password.current, origin)
    try:
        return _save(deps, caller, form, values, attempt.state)
    except errors.ApiError:
        deps.gate.release(attempt)
        raise


def _save(
    deps: AccountDeps,
    caller: Caller,
    form: AccountUpdateForm,
    values: dict[str, str | None],
    login: LoginState | None,
) -> User:
    """The rest of a save once the password, if any, is right. With a password change the
    save itself clears the run of failures, this attempt's included (R-HARD-1)."""
    user, origin = caller.user, caller.origin
    move: EmailMove | None = None
    if form.email is not None:
        new_key = email_key(form.email)
        try:
            checked = deps.codes.check(form.email, PURPOSE_EMAIL_CHANGE, form.security_code, origin)
        except errors.CODE_REFUSALS as refused:
            raise _with_taken_address(deps, caller, form.email, refused) from None
        move = EmailMove(old_key=email_key(user.email), new_key=new_key, code=checked)
        values["email"] = form.email
        if user.email_undeliverable_until:
            # The new address just received its code: the old one's state is not its own.
            values["email_undeliverable_until"] = None

    if not values and form.password is None:
        # Nothing differs: no write, no new version, no audit item.
        return user

    now_epoch = deps.codes.clock()
    now = iso(now_epoch)
    change = AccountChange(
        user_id=user.user_id,
        version=user.version,
        updated_at=now,
        values=values,
        audit=_audit_items(user, values, form, now_epoch, origin),
        email=move,
    )
    if form.password is not None:
        change = replace(
            change,
            password_hash=passwords.hash_password(form.password.new),
            session_epoch=user.session_epoch + 1,
            keep_session=caller.session.token_hash,
            login=login,
        )
    undo_token: str | None = None
    if move is not None:
        pending = pending_links(user, int(now_epoch))[-(MAX_PENDING_LINKS - 1) :]
        # The old address gets a one-time link that undoes this change (R-HARD-9): 256 random
        # bits, of which only the keyed hash is stored, in the same transaction as the change.
        undo_token = tokens.new_token()
        change = replace(
            change,
            undo=EmailUndo(
                token_hash=tokens.undo_token_hash(deps.codes.key, undo_token),
                user_id=user.user_id,
                old_email=user.email,
                version=user.version + 1,
                expires_at=int(now_epoch) + deps.undo_ttl_seconds,
            ),
            undo_links=(
                *pending,
                UndoLink(
                    version=user.version + 1,
                    expires_at=int(now_epoch) + deps.undo_ttl_seconds,
                    old_email=user.email,
                ),
            ),
        )
    if move is None:
        deps.accounts.change(change)
    else:
        with deps.codes.refunded_on_refusal(move.code, origin):
            deps.accounts.change(change)

    shown = {name: value for name, value in values.items() if name != "email_undeliverable_until"}
    updated = replace(
        user,
        **shown,  # type: ignore[arg-type]  # only str | None fields: contact, e-mail, name baseline
        email_undeliverable_until=0 if move is not None else user.email_undeliverable_until,
        version=user.version + 1,
        updated_at=now,
        **change.password_writes(),
    )
    _notify(deps, user, updated, now_epoch, origin, undo_token)
    return updated


def _audit_items(
    user: User, values: dict[str, str | None], form: AccountUpdateForm, now: float, origin: Origin
) -> tuple[AuditEvent, ...]:
    """R-MOD-8: names of the changed fields, never a secret's value."""

    def event(name: str, changed: tuple[str, ...], detail: str = "") -> AuditEvent:
        return audit(user.user_id, name, now, origin, fields=changed, detail=detail)

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
    attempt = deps.gate.check(user.user_id, form.password, origin)
    now_epoch = deps.codes.clock()
    event = audit(
        user.user_id, "DEACTIVATED", now_epoch, origin, fields=("status",), detail=form.reason
    )
    try:
        deps.accounts.deactivate(
            user, reason=form.reason, at=iso(now_epoch), audit=event, login=attempt.state
        )
    except errors.ApiError:
        deps.gate.release(attempt)
        raise
    deps.notices.deactivated(user, now_epoch, origin)


# Confirmation of an e-mail change (R-HARD-9) ------------------------------------------------------


def confirm_email_change(deps: AccountDeps, caller: Caller, password: str) -> int:
    """The owner, with the password, keeps the address they moved to: every undo link issued so
    far stops working, so whoever reads an old mailbox cannot take the change back. Answers how
    many were still usable; with none, nothing is written beyond what the password gate needs.

    The write does not bump `version` (nothing of the profile changed, and an open modify form
    must not turn stale), but is conditioned on it: a save or an undo committed since the read
    makes it STALE_UPDATE, and an undo that read the account before it is refused (store)."""
    check_password(deps, caller, password)
    user, origin = caller.user, caller.origin
    now = deps.codes.clock()
    pending = pending_links(user, int(now))
    if not pending:
        return 0
    event = audit(
        user.user_id,
        "EMAIL_CHANGE_CONFIRMED",
        now,
        origin,
        fields=("email",),
        detail=f"enlaces para deshacer el cambio anulados: {len(pending)}",
    )
    deps.accounts.confirm_email_change(EmailChangeConfirmation(user.user_id, user.version, event))
    # If the owner did not do this, whoever did knows the password: the old addresses are the
    # one channel the owner may still read.
    current = email_key(user.email)
    addresses = [
        address
        for address in dict.fromkeys(link.old_email for link in pending)
        if email_key(address) != current
    ]
    deps.notices.email_change_confirmed(user, addresses, now, origin)
    return len(pending)
