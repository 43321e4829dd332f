"""Account recovery (R-HARD-3, R-HARD-9): "¿Olvidó su contraseña?" and the undo of an e-mail
change. The first call answers the same whether or not the identifier names an active account;
the design is in docs/architecture-notes.md, "Recovery".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from chalicelib.domain import errors, fields, forms, messages, passwords
from chalicelib.domain.claims import email_claim
from chalicelib.domain.clock import ecuador_time, iso
from chalicelib.domain.forms import Problems
from chalicelib.domain.notices import Notices
from chalicelib.domain.records import (
    PURPOSE_PASSWORD_RECOVERY,
    STATUS_ACTIVE,
    AuditEvent,
    CodeRecord,
    EmailRestore,
    EmailUndo,
    Origin,
    PasswordReset,
    UndoVoid,
    User,
    audit,
    pending_links,
)
from chalicelib.domain.security_codes import UNREAD, CodeIssued, CodeService, Unread
from chalicelib.domain.tokens import undo_token_hash

log = logging.getLogger(__name__)

# A user-ID key no account can have (`~` is not allowed in an ID, R-REG-1): an address with no
# account is looked up under it, so that it costs the same reads as one with an account.
NO_ACCOUNT = "~"

# The token of an undo link: tokens.new_token()'s 32 bytes, URL-safe base64 without padding.
_UNDO_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")

IDENTIFIER_REQUIRED = "Ingrese su ID.usuario o su correo electrónico personal."
ONE_IDENTIFIER = "Ingrese solo uno: su ID.usuario o su correo electrónico personal."
SAME_AS_BEFORE = "La nueva contraseña debe ser distinta de la anterior."
RECOVERY_CODE_INVALID = (
    "El código de seguridad es incorrecto. Revise el correo «RECUPERACIÓN DE CONTRASEÑA» e "
    "ingréselo nuevamente."
)
TOKEN_MALFORMED = (
    "El enlace no está completo. Ábralo desde el correo que recibió o cópielo entero en la "
    "barra de direcciones."
)
LINK_UNKNOWN = (
    "Este enlace no es válido. Ábralo completo desde el correo «su correo electrónico fue "
    "reemplazado» que recibió."
)
LINK_SUPERSEDED = (
    "Este enlace ya no es válido: la cuenta ya fue restablecida con un enlace anterior. Si no "
    "puede ingresar, use «¿Olvidó su contraseña?»."
)
LINK_CONFIRMED = (
    "Este enlace ya no es válido: el titular de la cuenta confirmó el cambio de correo "
    "electrónico, con su contraseña, después de enviarlo. Si usted no lo confirmó, comuníquese "
    "con el Servicio Nacional de Aduana del Ecuador."
)
UNDO_ON_DEACTIVATED = (
    "La cuenta fue dada de baja y no puede restablecerse. Su documento y su correo electrónico "
    "quedaron libres: si lo necesita, registre un nuevo usuario en «Nuevo Registro»."
)


class RecoveryStore(Protocol):
    def user_by_id(self, user_id: str) -> User | None:
        """One read, whether or not the account exists."""
        ...

    def reset_password(self, reset: PasswordReset) -> None:
        """AccountDeactivated, or SecurityCodeInvalid (code used, or the address changed)."""
        ...

    def load_undo(self, token_hash: str) -> tuple[EmailUndo | None, User | None, list[UndoVoid]]:
        """The link, its account and the account's voided ranges of links."""
        ...

    def restore_email(self, restore: EmailRestore) -> None:
        """StaleUpdate, EmailTaken (the old address is another account's) or LinkUsed."""
        ...

    def record(self, event: AuditEvent) -> None:
        """One audit item on its own (a recovery code was requested)."""
        ...


@dataclass
class RecoveryDeps:
    store: RecoveryStore
    codes: CodeService
    notices: Notices
    undo_ttl_seconds: int


# Reading the bodies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Identifier:
    """The account as the person named it: by ID or by personal e-mail, never both."""

    user_id: str = ""
    email: str = ""

    @property
    def throttle_key(self) -> str:
        """Where the code item of an identifier that names no active account is kept: the
        exact address (no mail leaves for it, so there is no mailbox to protect, and a request
        for an unknown `ana+x@` must not replace the pending code of `ana@`'s account, R-HARD-3,
        R-HARD-4); an ID gets a prefix no address can have (an address key holds an `@`)."""
        return fields.email_key(self.email) if self.email else f"id:{self.user_id}"

    @property
    def address(self) -> str:
        """What that item's code is recorded as sent to (though no mail leaves for it)."""
        return fields.email_key(self.email) if self.email else self.throttle_key


def _read_identifier(body: Mapping[str, Any], problems: Problems) -> Identifier:
    user_id = forms.read_text(body, "user_id", problems, fields.normalise_user_id)
    email = forms.read_text(body, "email", problems, fields.normalise_email)
    if "user_id" in problems or "email" in problems:
        return Identifier()
    if not user_id and not email:
        problems.add("user_id", IDENTIFIER_REQUIRED)
    elif user_id and email:
        problems.add("email", ONE_IDENTIFIER)
    elif user_id:
        problems.add("user_id", fields.check_user_id(user_id))
    else:
        problems.add("email", fields.check_email(email))
    return Identifier(user_id=user_id, email=email)


def read_identifier(body: Mapping[str, Any]) -> Identifier:
    problems = Problems()
    identifier = _read_identifier(body, problems)
    problems.raise_if_any()
    return identifier


@dataclass(frozen=True)
class RecoveryForm:
    identifier: Identifier
    security_code: str
    new_password: str


def read_recovery(body: Mapping[str, Any]) -> RecoveryForm:
    """Every field rule at once; the code's own checks come after (as in registration)."""
    problems = Problems()
    identifier = _read_identifier(body, problems)
    code = forms.read_text(body, "security_code", problems, fields.normalise_security_code)
    # R-REG-4; the rules that need the account (its document number) come once it is known.
    new, _ = forms.read_new_password(
        body, problems, "new_password", what="la nueva contraseña", user_id=identifier.user_id
    )
    problems.raise_if_any()
    return RecoveryForm(identifier, code, new)


def read_undo_token(body: Mapping[str, Any]) -> str:
    problems = Problems()
    token = forms.read_text(body, "token", problems)
    if "token" not in problems and not _UNDO_TOKEN.fullmatch(token):
        problems.add("token", TOKEN_MALFORMED if token else fields.REQUIRED)
    if problems:
        raise errors.ValidationFailed(TOKEN_MALFORMED, fields=dict(problems))
    return token


# Forgotten password ----------------------------------------------------------------------------


class _Undelivered:
    """The mailer of an identifier that names no active account: the code item is written and
    throttled exactly like a real one, and nothing leaves."""

    def send(self, to: str, subject: str, text: str, html: str) -> None:
        return None


@dataclass(frozen=True)
class _Lookup:
    """The active account an identifier names (None: no account, or a deactivated one), and
    the code item of the key the request uses, when the same read already brought it."""

    user: User | None
    key: str
    record: CodeRecord | Unread | None
    # The exact address key a code of `key` must have been sent to (R-HARD-3).
    sent_to: str


def _lookup(deps: RecoveryDeps, identifier: Identifier) -> _Lookup:
    """The same reads whether or not there is an account: by e-mail, the claim and the code
    item in one read, then the owner's user item (or an ID no account has); by ID, the user."""
    record: CodeRecord | Unread | None = UNREAD
    if identifier.email:
        record, owner = deps.codes.store.get_with_owner(
            identifier.throttle_key, PURPOSE_PASSWORD_RECOVERY, email_claim(identifier.address)
        )
        user = deps.store.user_by_id(owner or NO_ACCOUNT)
    else:
        user = deps.store.user_by_id(identifier.user_id)
    if user is None or user.status != STATUS_ACTIVE:
        return _Lookup(None, identifier.throttle_key, record, identifier.address)
    # Keyed by the account's mailbox, so a request by ID and one by e-mail share one code and
    # one throttle (R-REG-11, R-HARD-3). By e-mail that is the key already read.
    key = fields.mailbox_key(user.email)
    if key != identifier.throttle_key:
        record = UNREAD
    return _Lookup(user, key, record, fields.email_key(user.email))


def request_code(deps: RecoveryDeps, identifier: Identifier, origin: Origin) -> CodeIssued:
    found = _lookup(deps, identifier)
    user = found.user
    codes = deps.codes
    now = codes.clock()
    shown_id = user.user_id if user is not None else identifier.user_id

    def render(code: str, lifetime: str) -> messages.Mail:
        return messages.recovery_code(shown_id, code, lifetime, ecuador_time(now), origin.source_ip)

    # An undeliverable address (R-MAIL-3) is answered alike, and its mail is not sent either.
    mails = user is not None and user.email_deliverable(now)
    issued = (codes if mails else replace(codes, mailer=_Undelivered())).issue(
        user.email if user is not None else "",
        PURPOSE_PASSWORD_RECOVERY,
        origin,
        previous=found.record,
        mailbox=found.key,
        sent_to=found.sent_to,
        render=render,
    )
    if user is not None:
        event = audit(
            user.user_id,
            "PASSWORD_RECOVERY_REQUESTED",
            now,
            origin,
            detail="código enviado al correo personal",
        )
        try:
            deps.store.record(event)
        except errors.ServiceUnavailable:
            # The code is already on its way: a 503 now would only make the person ask again.
            log.warning("recovery request not audited", extra={"user_id": user.user_id})
    return issued


def _checked_code(deps: RecoveryDeps, found: _Lookup, given: str, origin: Origin) -> CodeRecord:
    """The code of the lookup's mailbox, if it went to the lookup's address: one mailed to
    another address of the mailbox (`ana+1@`) cannot reset the account of `ana@` (R-HARD-3)."""
    try:
        return deps.codes.check(
            found.sent_to, PURPOSE_PASSWORD_RECOVERY, given, origin, mailbox=found.key
        )
    except errors.SecurityCodeInvalid as error:
        # The default text names the registration mail; this code came in another one.
        if error.message == errors.SecurityCodeInvalid.default_message:
            raise errors.SecurityCodeInvalid(
                RECOVERY_CODE_INVALID, attempts_left=error.attempts_left
            ) from None
        raise


def recover_password(deps: RecoveryDeps, form: RecoveryForm, origin: Origin) -> None:
    """Order of refusals: field rules (read_recovery), the code, the rules that need the account,
    then one transaction."""
    found = _lookup(deps, form.identifier)
    user = found.user
    checked = _checked_code(deps, found, form.security_code, origin)
    if user is None:
        # Only an identifier with no active account has this item, and its code was never
        # mailed to anyone: nothing can match it.
        raise errors.SecurityCodeInvalid(RECOVERY_CODE_INVALID)

    with deps.codes.refunded_on_refusal(checked, origin):
        problem = fields.check_password(
            form.new_password, user_id=user.user_id, document_number=user.document_number
        )
        if problem is None and passwords.verify_password(user.password_hash, form.new_password):
            # After an undone e-mail change the old password is known to someone else.
            problem = SAME_AS_BEFORE
        if problem:
            raise errors.ValidationFailed(fields={"new_password": problem})

        now = deps.codes.clock()
        deps.store.reset_password(
            PasswordReset(
                user_id=user.user_id,
                email=user.email,
                password_hash=passwords.hash_password(form.new_password),
                updated_at=iso(now),
                code=checked,
                audit=audit(user.user_id, "PASSWORD_RECOVERED", now, origin, fields=("password",)),
            )
        )
    deps.notices.password_recovered(user, now, origin)


# Undo of an e-mail change ----------------------------------------------------------------------


def undo_email_change(deps: RecoveryDeps, token: str, origin: Origin) -> None:
    """404 unknown link; 400 used; 410 expired or voided by the use of an older link; 403 the
    account was deactivated; 409 the old address now belongs to another account."""
    undo, user, voids = deps.store.load_undo(undo_token_hash(deps.codes.key, token))
    if undo is None or user is None:
        raise errors.NotFound(LINK_UNKNOWN)
    if undo.used:
        raise errors.LinkUsed()
    now = int(deps.codes.clock())
    if now >= undo.expires_at:
        raise errors.LinkExpired.expired_after(messages.lifetime(deps.undo_ttl_seconds))
    if undo.version <= user.email_undo_confirmed_through:
        raise errors.LinkExpired(LINK_CONFIRMED)
    if any(void.after < undo.version <= void.through for void in voids):
        raise errors.LinkExpired(LINK_SUPERSEDED)
    if user.status != STATUS_ACTIVE:
        raise errors.AccountDeactivated(UNDO_ON_DEACTIVATED)

    restored_key = fields.email_key(undo.old_email)
    current_key = fields.email_key(user.email)
    # Every link issued before now expires before now + its lifetime: the range can go then.
    kept = tuple(void for void in voids if void.until > now)
    void = UndoVoid(after=undo.version, through=user.version, until=now + deps.undo_ttl_seconds)
    stamp = iso(now)
    deps.store.restore_email(
        EmailRestore(
            user_id=user.user_id,
            version=user.version,
            updated_at=stamp,
            restored_email=undo.old_email,
            released_key=None if current_key == restored_key else current_key,
            restored_key=restored_key,
            voids=(*kept, void),
            token_hash=undo.token_hash,
            link_version=undo.version,
            # This link is spent and those after it are void: the older ones stay pending.
            undo_links=tuple(
                link for link in pending_links(user, now) if link.version < undo.version
            ),
            audit=audit(
                user.user_id,
                "EMAIL_CHANGE_UNDONE",
                now,
                origin,
                fields=("email",),
                detail=f"{user.email} -> {undo.old_email}; sesiones cerradas, debe crear una "
                "contraseña nueva",
            ),
        )
    )
    deps.notices.email_restored(user, undo.old_email, now, origin)
