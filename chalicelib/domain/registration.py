"""Availability checks and sign-up (R-REG-1, R-REG-2, R-REG-10 … R-REG-14)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.domain import errors, messages, passwords, reserved_ids, security_codes
from chalicelib.domain.fields import email_key, mailbox_key
from chalicelib.domain.forms import RegistrationForm
from chalicelib.domain.ports import (
    CONTACT_FIELDS,
    PURPOSE_REGISTRATION,
    AuditEvent,
    ClaimStore,
    Clock,
    CodeRecord,
    CodeStore,
    Mailer,
    Origin,
    Registrar,
    User,
    document_claim,
    email_claim,
    user_id_claim,
)

log = logging.getLogger(__name__)


@dataclass
class RegistrationDeps:
    claims: ClaimStore
    codes: CodeStore
    registrar: Registrar
    mailer: Mailer
    clock: Clock
    hash_key: bytes
    code_policy: security_codes.CodePolicy
    senae_mail_domain: str


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user_id_available(claims: ClaimStore, user_id: str) -> bool:
    # The USERID claim is never released, so a deactivated account's ID stays taken (R-REG-1).
    return claims.owner(user_id_claim(user_id)) is None


def document_available(claims: ClaimStore, document_type: str, number: str) -> bool:
    return claims.owner(document_claim(document_type, number)) is None


def email_available(claims: ClaimStore, email: str, *, owner: str | None = None) -> bool:
    """Free, or already held by `owner` (an account checking its own address)."""
    holder = claims.owner(email_claim(email_key(email)))
    return holder is None or holder == owner


def code_and_holder(
    codes: CodeStore, email: str, purpose: str
) -> tuple[CodeRecord | None, str | None]:
    """The mailbox's previous code for `purpose` and who holds the address's claim, in one
    read: a code request checks that the address is free (R-REG-10) and throttles on the code's
    send history (R-REG-11), and one DynamoDB call is cheaper than two. The code item is the
    mailbox's, so `ana+1@` and `ana@` share one budget; the claim is the exact address's
    (R-HARD-3)."""
    return codes.get_with_owner(mailbox_key(email), purpose, email_claim(email_key(email)))


def issue_address_code(
    deps: security_codes.CodeDeps,
    email: str,
    purpose: str,
    previous: CodeRecord | security_codes.Unread | None,
    origin: Origin,
) -> security_codes.CodeIssued:
    """The «CÓDIGO DE SEGURIDAD» mail that proves an address is the person's (R-REG-10, R-MOD-6),
    under R-REG-11's rules."""
    return security_codes.issue_code(
        email=email,
        email_key=mailbox_key(email),
        purpose=purpose,
        codes=deps.codes,
        mailer=deps.mailer,
        clock=deps.clock,
        key=deps.hash_key,
        policy=deps.code_policy,
        render=messages.security_code,
        requester=security_codes.requester_of(deps.hash_key, origin),
        previous=previous,
        sent_to=email_key(email),
    )


def request_registration_code(
    deps: RegistrationDeps, email: str, origin: Origin
) -> security_codes.CodeIssued:
    previous, holder = code_and_holder(deps.codes, email, PURPOSE_REGISTRATION)
    if holder is not None:
        raise errors.EmailTaken()
    return issue_address_code(deps, email, PURPOSE_REGISTRATION, previous, origin)


def register(deps: RegistrationDeps, form: RegistrationForm, origin: Origin) -> User:
    if reserved_ids.is_reserved(form.user_id):
        # Unavailable, as the availability check says (R-HARD-2): 409 like a taken ID, and
        # before the code, so that no try is spent and the code still serves another ID.
        raise errors.UserIdTaken(reserved_ids.MESSAGE, fields={"user_id": reserved_ids.MESSAGE})
    record = security_codes.check_code_with(
        deps, form.email, PURPOSE_REGISTRATION, form.security_code, origin
    )
    now = iso(deps.clock())
    contact = form.contact
    user = User(
        user_id=form.user_id,
        document_type=form.document_type,
        document_number=form.document_number,
        password_hash=passwords.hash_password(form.password),
        **{name: getattr(contact, name) for name in CONTACT_FIELDS},
        email=form.email,
        senae_email=f"{form.user_id}@{deps.senae_mail_domain}",
        created_at=now,
        updated_at=now,
        registered_name=contact.name,
    )
    audit = AuditEvent(
        user.user_id, "REGISTERED", now, origin.source_ip, user_agent=origin.user_agent
    )
    with security_codes.refunded_on_refusal(deps, record, origin):
        deps.registrar.register(user, record, audit)
    _send_welcome(deps.mailer, user)
    return user


def _send_welcome(mailer: Mailer, user: User) -> None:
    """The account exists and works whether or not this mail goes out (R-GEN-4).

    Not retried inline: the person already saw the ID and mailbox on screen, and a retry would
    add seconds to the response; the failure is logged for the operators instead.
    """
    try:
        mailer.send(user.email, *messages.welcome(user.user_id, user.senae_email))
    except errors.MailUnavailable:
        log.warning("welcome mail not sent", extra={"user_id": user.user_id})
