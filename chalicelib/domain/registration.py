"""Availability checks and sign-up (R-REG-1, R-REG-2, R-REG-10 … R-REG-14)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain import (
    delivery,
    errors,
    fields,
    messages,
    passwords,
    privacy_notice,
    reserved_ids,
)
from chalicelib.domain.claims import ClaimStore, document_claim, email_claim, user_id_claim
from chalicelib.domain.clock import iso
from chalicelib.domain.fields import email_key
from chalicelib.domain.forms import Problems, RegistrationForm
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
    # The privacy notice's current version, which registration requires (R-PRIV-2).
    privacy_notice_version: str


def user_id_available(claims: ClaimStore, user_id: str) -> bool:
    # The USERID claim is never released, so a deactivated account's ID stays taken (R-REG-1).
    return claims.owner(user_id_claim(user_id)) is None


def document_available(claims: ClaimStore, document_type: str, number: str) -> bool:
    return claims.owner(document_claim(document_type, number)) is None


def email_available(claims: ClaimStore, email: str, *, owner: str | None = None) -> bool:
    """Free, or already held by `owner` (an account checking its own address)."""
    holder = claims.owner(email_claim(email_key(email)))
    return holder is None or holder == owner


def email_availability(
    claims: ClaimStore, email: str, now: float, *, owner: str | None = None
) -> dict[str, bool]:
    """«Comprobar disponibilidad» of an address: free (or `owner`'s own), and whether mail
    reaches it (R-MAIL-3), both from one read of its claim and delivery state."""
    key = email_key(email)
    holder, state = claims.email_state(email_claim(key), key)
    return {
        "available": holder is None or holder == owner,
        "deliverable": delivery.deliverable(state, now),
    }


def request_registration_code(deps: RegistrationDeps, email: str, origin: Origin) -> CodeIssued:
    previous, holder, deliverable = deps.codes.previous_and_holder(email, PURPOSE_REGISTRATION)
    if holder is not None:
        raise errors.EmailTaken()
    if not deliverable:
        raise errors.EmailUndeliverable()
    return deps.codes.issue(email, PURPOSE_REGISTRATION, origin, previous=previous)


def register(
    deps: RegistrationDeps, form: RegistrationForm, origin: Origin, problems: Problems | None = None
) -> User:
    """Field rules (`problems`, as read), then the code (its try counted before the compare,
    R-HARD-1), then the transaction. A refused registration names every problem the server
    can tell without spending a try, in one answer and at the cost of one read (R-UX-1); a
    successful one makes no call more."""
    problems = problems if problems is not None else Problems()
    # R-PRIV-2: named with the other field problems, in the same one answer (R-UX-1).
    problems.add(
        "privacy_notice_version",
        privacy_notice.version_problem(form.privacy_notice_version, deps.privacy_notice_version),
    )
    if problems or reserved_ids.is_reserved(form.user_id) or not form.security_code:
        # Refused whatever the code: a reserved ID is unavailable as the availability check
        # says (R-HARD-2), before the code, so that no try is spent on it.
        raise _refusal(deps, form, problems, origin)
    codes = deps.codes
    try:
        record = codes.check(form.email, PURPOSE_REGISTRATION, form.security_code, origin)
    except errors.CODE_REFUSALS as error:
        raise _with_taken(deps, form, error) from None
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
        privacy_notice_version=form.privacy_notice_version,
        privacy_notice_acknowledged_at=now,
    )
    with codes.refunded_on_refusal(record, origin):
        try:
            event = audit(
                user.user_id,
                "REGISTERED",
                epoch,
                origin,
                privacy_notice_version=form.privacy_notice_version,
            )
            deps.registrar.register(user, record, event)
        except TAKEN_REFUSALS as lost:
            # The claim that lost is one; the others may be taken too (R-UX-1).
            raise _refusal(deps, form, problems, origin, lost=lost) from None
    _send_welcome(codes.mailer, user)
    return user


TAKEN_REFUSALS = (errors.UserIdTaken, errors.DocumentTaken, errors.EmailTaken)
# The form's order: the first taken field names the 409 (api.md "Richer refusals").
TAKEN: tuple[tuple[str, type[errors.ApiError]], ...] = (
    ("user_id", errors.UserIdTaken),
    ("document_number", errors.DocumentTaken),
    ("email", errors.EmailTaken),
)


def _claims_to_read(form: RegistrationForm, problems: Problems) -> dict[str, str]:
    """Field -> claim of every well-formed value whose claim may be taken."""
    claims: dict[str, str] = {}
    if "user_id" not in problems and not reserved_ids.is_reserved(form.user_id):
        claims["user_id"] = user_id_claim(form.user_id)
    if not {"document_type", "document_number"} & set(problems):
        claims["document_number"] = document_claim(form.document_type, form.document_number)
    if "email" not in problems:
        claims["email"] = email_claim(email_key(form.email))
    return claims


def _taken(
    form: RegistrationForm, claims: dict[str, str], owners: dict[str, str | None]
) -> dict[str, str]:
    taken = {}
    if reserved_ids.is_reserved(form.user_id):
        taken["user_id"] = reserved_ids.MESSAGE
    for name, error in TAKEN:
        if name in claims and owners.get(claims[name]) is not None:
            taken[name] = error.default_message
    return taken


def _refusal(
    deps: RegistrationDeps,
    form: RegistrationForm,
    problems: Problems,
    origin: Origin,
    *,
    lost: errors.ApiError | None = None,
) -> errors.ApiError:
    """The one answer of a refused registration (R-UX-1): the field problems, every taken
    value and the code's state, read in one BatchGetItem with no try counted; its code is the
    first that applies of the field rules, the code, the taken values. `lost`: the claim the
    transaction lost on, after the code passed."""
    code_checked = lost is not None
    claims = _claims_to_read(form, problems)
    read_code = "email" not in problems and not code_checked
    code = (fields.mailbox_key(form.email), PURPOSE_REGISTRATION) if read_code else None
    owners, record = deps.claims.owners(list(claims.values()), code)
    more = _taken(form, claims, owners)
    code_problem: errors.ApiError | None = None
    if read_code:
        code_problem = deps.codes.refusal_without_try(
            record, form.email, form.security_code, origin
        )
    elif not form.security_code and not code_checked:
        code_problem = errors.SecurityCodeRequired()
    if code_problem is not None and "security_code" not in problems:
        more["security_code"] = code_problem.message
    if problems:
        return problems.error(more)
    if code_problem is not None:
        code_problem.fields = more
        return code_problem
    for name, error in TAKEN:
        if name in more:
            return error(more[name], fields=more)
    # Freed again since the transaction lost on it: the loss is the answer.
    return lost or errors.ServiceUnavailable()


def _with_taken(
    deps: RegistrationDeps, form: RegistrationForm, error: errors.ApiError
) -> errors.ApiError:
    """A refused code, and every taken value with it, in one read more (R-UX-1)."""
    claims = _claims_to_read(form, Problems())
    owners, _ = deps.claims.owners(list(claims.values()))
    error.fields = {**_taken(form, claims, owners), "security_code": error.message}
    return error


def _send_welcome(mailer: Mailer, user: User) -> None:
    """The account exists and works whether or not this mail goes out (R-GEN-4).

    Not retried inline: the person already saw the ID and mailbox on screen, and a retry would
    add seconds to the response; the failure is logged for the operators instead.
    """
    try:
        mailer.send(user.email, *messages.welcome(user.user_id, user.senae_email))
    except errors.MailUnavailable:
        log.warning("welcome mail not sent", extra={"user_id": user.user_id})
