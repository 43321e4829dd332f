"""Availability checks and sign-up (R-REG-1, R-REG-2, R-REG-10 … R-REG-14)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain import errors, messages, passwords, reserved_ids
from chalicelib.domain.claims import ClaimStore, document_claim, email_claim, user_id_claim
from chalicelib.domain.clock import iso
from chalicelib.domain.fields import email_key
from chalicelib.domain.forms import RegistrationForm
from chalicelib.domain.notices import Mailer
from chalicelib.domain.records import (
    CONTACT_FIELDS,
    PURPOSE_REGISTRATION,
    AuditEvent,
    CodeRecord,
    Origin,
    User,
    audit,
)
from chalicelib.domain.security_codes import CodeIssued, CodeService

log = logging.getLogger(__name__)


class Registrar(Protocol):
    def register(self, user: User, code: CodeRecord, audit: AuditEvent) -> None:
        """Write user, claims and audit and consume the code in one transaction.

        Raises UserIdTaken / DocumentTaken / EmailTaken for the claim that lost, or
        SecurityCodeInvalid when the code was consumed or replaced meanwhile.
        """
        ...


@dataclass
class RegistrationDeps:
    claims: ClaimStore
    codes: CodeService
    registrar: Registrar
    senae_mail_domain: str


def user_id_available(claims: ClaimStore, user_id: str) -> bool:
    # The USERID claim is never released, so a deactivated account's ID stays taken (R-REG-1).
    return claims.owner(user_id_claim(user_id)) is None


def document_available(claims: ClaimStore, document_type: str, number: str) -> bool:
    return claims.owner(document_claim(document_type, number)) is None


def email_available(claims: ClaimStore, email: str, *, owner: str | None = None) -> bool:
    """Free, or already held by `owner` (an account checking its own address)."""
    holder = claims.owner(email_claim(email_key(email)))
    return holder is None or holder == owner


def request_registration_code(deps: RegistrationDeps, email: str, origin: Origin) -> CodeIssued:
    previous, holder = deps.codes.previous_and_holder(email, PURPOSE_REGISTRATION)
    if holder is not None:
        raise errors.EmailTaken()
    return deps.codes.issue(email, PURPOSE_REGISTRATION, origin, previous=previous)


def register(deps: RegistrationDeps, form: RegistrationForm, origin: Origin) -> User:
    if reserved_ids.is_reserved(form.user_id):
        # Unavailable, as the availability check says (R-HARD-2): 409 like a taken ID, and
        # before the code, so that no try is spent and the code still serves another ID.
        raise errors.UserIdTaken(reserved_ids.MESSAGE, fields={"user_id": reserved_ids.MESSAGE})
    codes = deps.codes
    record = codes.check(form.email, PURPOSE_REGISTRATION, form.security_code, origin)
    epoch = codes.clock()
    now = iso(epoch)
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
    with codes.refunded_on_refusal(record, origin):
        deps.registrar.register(user, record, audit(user.user_id, "REGISTERED", epoch, origin))
    _send_welcome(codes.mailer, user)
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
