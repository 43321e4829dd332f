"""Account recovery and take-over protection (issue 8): "¿Olvidó su contraseña?" and the undo of
an e-mail change.

Forgotten password
- A code is mailed to the account's personal address under R-REG-11's rules (15 minutes, 5
  tries, single use, a new request replaces the old one, one a minute and five an hour per
  address), through `security_codes.issue_code`/`check_code` with a purpose of its own.
- The first call answers the same for an account that exists and one that does not (or is
  deactivated): the same reads, and the same throttled code item written, keyed by the
  identifier as typed, only no mail leaves. A guesser therefore meets the same 202s and the same
  429s either way. A deactivated account is treated as unknown: it cannot be recovered, and
  the answer does not say it was deactivated (R-AUTH-3 tells that only after the password).
- Success is one transaction: new argon2id hash, `session_epoch` moved on (every session ends),
  failed log-ins and lock-out cleared, `must_recover_password` cleared, code consumed, audit item.

Undo of an e-mail change
- Each e-mail change mails the *old* address a one-time link (256 random bits; only its keyed
  hash is stored, beside the change, in the same transaction) valid EMAIL_UNDO_TTL_SECONDS
  (default 72 hours, R-HARD-9).
- Using it puts the old address back (taking the EMAIL claim of whatever address the account has
  now, so a second change by an intruder does not defeat it), ends every session, and requires
  a password recovery - whose code then goes to the restored address - before the next log-in.
- Links are ordered by the account version their change produced. Using the link of change
  `k` voids every link issued after it and before the undo: an intruder who changed the address
  twice cannot use the link mailed to their own first address to take the account back, while
  the owner's older link keeps working even if the intruder's was used first.
- The owner, signed in with the password, can confirm the change (R-HARD-9,
  accounts.confirm_email_change): every link issued up to that version stops working, so an old
  mailbox the owner moved away from cannot take the account back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors, fields, forms, messages, passwords, security_codes
from chalicelib.domain.accounts import pending_links, undo_token_hash
from chalicelib.domain.forms import Problems
from chalicelib.domain.notices import Notices
from chalicelib.domain.ports import (
    PURPOSE_PASSWORD_RECOVERY,
    STATUS_ACTIVE,
    AuditEvent,
    Clock,
    CodeRecord,
    CodeStore,
    EmailRestore,
    Mailer,
    Origin,
    PasswordReset,
    RecoveryStore,
    UndoVoid,
    User,
    email_claim,
)
from chalicelib.domain.registration import iso

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
CODE_NO_LONGER_VALID = (
    "Este código de seguridad ya no es válido: el correo electrónico de la cuenta cambió "
    "después de enviarlo. Solicite un nuevo código."
)
CODE_USED = security_codes.GONE_MEANWHILE
EMAIL_TAKEN_MEANWHILE = (
    "Su correo anterior ya está registrado en otra cuenta, así que no puede volver a esta. No "
    "se realizó ningún cambio. Comuníquese con el Servicio Nacional de Aduana del Ecuador."
)
ACCOUNT_CHANGED_MEANWHILE = (
    "La cuenta cambió en este mismo momento. No se realizó ningún cambio: abra el enlace "
    "nuevamente."
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


@dataclass
class RecoveryDeps:
    store: RecoveryStore
    codes: CodeStore
    mailer: Mailer
    notices: Notices
    clock: Clock
    hash_key: bytes
    code_policy: security_codes.CodePolicy
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
    new = forms.read_password_field(body, "new_password", problems)
    confirmation = forms.read_text(body, "new_password_confirmation", problems, forms.verbatim)
    # R-REG-4; the rules that need the account (its document number) come once it is known.
    problems.add("new_password", fields.check_password(new, user_id=identifier.user_id))
    problems.add(
        "new_password_confirmation",
        fields.check_confirmation(new, confirmation, what="la nueva contraseña"),
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
    record: CodeRecord | security_codes.Unread | None
    # The exact address key a code of `key` must have been sent to (R-HARD-3).
    sent_to: str


def _lookup(deps: RecoveryDeps, identifier: Identifier) -> _Lookup:
    """The same reads whether or not there is an account: by e-mail, the claim and the code
    item in one read, then the owner's user item (or an ID no account has); by ID, the user."""
    record: CodeRecord | security_codes.Unread | None = security_codes.UNREAD
    if identifier.email:
        record, owner = deps.codes.get_with_owner(
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
        record = security_codes.UNREAD
    return _Lookup(user, key, record, fields.email_key(user.email))


def request_code(
    deps: RecoveryDeps, identifier: Identifier, origin: Origin
) -> security_codes.CodeIssued:
    found = _lookup(deps, identifier)
    user = found.user
    now = deps.clock()
    shown_id = user.user_id if user is not None else identifier.user_id

    def render(code: str, minutes: int) -> messages.Mail:
        return messages.recovery_code(
            shown_id, code, minutes, messages.ecuador_time(now), origin.source_ip
        )

    issued = security_codes.issue_code(
        email=user.email if user is not None else "",
        email_key=found.key,
        purpose=PURPOSE_PASSWORD_RECOVERY,
        codes=deps.codes,
        mailer=deps.mailer if user is not None else _Undelivered(),
        clock=deps.clock,
        key=deps.hash_key,
        policy=deps.code_policy,
        render=render,
        requester=security_codes.requester_of(deps.hash_key, origin),
        previous=found.record,
        sent_to=found.sent_to,
    )
    if user is not None:
        event = AuditEvent(
            user.user_id,
            "PASSWORD_RECOVERY_REQUESTED",
            iso(now),
            origin.source_ip,
            detail="código enviado al correo personal",
            user_agent=origin.user_agent,
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
        return security_codes.check_code_with(
            deps, found.sent_to, PURPOSE_PASSWORD_RECOVERY, given, origin, mailbox=found.key
        )
    except errors.SecurityCodeInvalid as error:
        # The default text names the registration mail; this code came in another one.
        if error.message == errors.SecurityCodeInvalid.default_message:
            raise errors.SecurityCodeInvalid(RECOVERY_CODE_INVALID) from None
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

    with security_codes.refunded_on_refusal(deps, checked, origin):
        problem = fields.check_password(
            form.new_password, user_id=user.user_id, document_number=user.document_number
        )
        if problem is None and passwords.verify_password(user.password_hash, form.new_password):
            # After an undone e-mail change the old password is known to someone else.
            problem = SAME_AS_BEFORE
        if problem:
            raise errors.ValidationFailed(fields={"new_password": problem})

        now = deps.clock()
        deps.store.reset_password(
            PasswordReset(
                user_id=user.user_id,
                email=user.email,
                password_hash=passwords.hash_password(form.new_password),
                updated_at=iso(now),
                code=checked,
                audit=AuditEvent(
                    user.user_id,
                    "PASSWORD_RECOVERED",
                    iso(now),
                    origin.source_ip,
                    fields=("password",),
                    user_agent=origin.user_agent,
                ),
            )
        )
    deps.notices.password_recovered(user, now, origin)


# Undo of an e-mail change ----------------------------------------------------------------------


def undo_email_change(deps: RecoveryDeps, token: str, origin: Origin) -> None:
    """404 unknown link; 400 used; 410 expired or voided by the use of an older link; 403 the
    account was deactivated; 409 the old address now belongs to another account."""
    undo, user, voids = deps.store.load_undo(undo_token_hash(deps.hash_key, token))
    if undo is None or user is None:
        raise errors.NotFound(LINK_UNKNOWN)
    if undo.used:
        raise errors.LinkUsed()
    now = int(deps.clock())
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
            audit=AuditEvent(
                user.user_id,
                "EMAIL_CHANGE_UNDONE",
                stamp,
                origin.source_ip,
                fields=("email",),
                detail=f"{user.email} -> {undo.old_email}; sesiones cerradas, debe crear una "
                "contraseña nueva",
                user_agent=origin.user_agent,
            ),
        )
    )
    deps.notices.email_restored(user, undo.old_email, now, origin)
