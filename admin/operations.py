"""The help desk's use cases (R-ADM-1, R-ADM-2): thin steps over the API's own rules and store.

Every change needs a ticket and the operator's AWS identity, refuses an account that is not
active, writes its audit event in the change's own transaction, and mails the owner after the
commit when it changes what the owner sees (unlock after a lock, deactivation, correction).
Operators' notices are not counted against the per-address cap of R-HARD-8: each one follows a
ticketed action of an identified operator, so nobody outside can repeat it, and leaving the
cap out spares the operators' policy the hash key's parameter and its KMS key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from admin import messages, store
from chalicelib.config import Settings, get_settings
from chalicelib.domain import errors, fields, forms
from chalicelib.domain.account_forms import read_reason
from chalicelib.domain.accounts import profile
from chalicelib.domain.claims import document_claim, email_claim
from chalicelib.domain.clock import Clock, ecuador_time, iso
from chalicelib.domain.lockout import LockoutPolicy, login_state, recent
from chalicelib.domain.notices import Notices
from chalicelib.domain.records import (
    STATUS_ACTIVE,
    STATUS_DEACTIVATED,
    AuditEvent,
    LoginState,
    Origin,
    User,
    audit,
)
from chalicelib.domain.sessions import SessionPolicy
from chalicelib.store.accounts import DynamoAccountStore
from chalicelib.store.claims import DynamoClaimStore

if TYPE_CHECKING:
    from chalicelib.domain.account_sessions import SessionView

# Where an operator's audit events say they came from: the tool, not an address of the public.
ORIGIN = Origin(source_ip="ecuapass-admin", user_agent="ecuapass-admin")
RECENT_AUDIT_EVENTS = 20
TICKET_MAX = 64


class Refused(Exception):
    """A command that would change nothing, or may not be done (exit status 1)."""


@dataclass(frozen=True)
class Operator:
    """Who acts (the AWS principal ARN, from STS GetCallerIdentity) and on which request."""

    arn: str
    ticket: str


@dataclass
class Desk:
    settings: Settings
    clock: Clock
    accounts: DynamoAccountStore
    claims: DynamoClaimStore
    notices: Notices
    # The API's own policy (R-AUTH-3), so the help desk judges a lock exactly as the log-in does.
    lockout: LockoutPolicy
    # And its session expiry (R-AUTH-1): the export lists the sessions the API counts as open.
    sessions: SessionPolicy


def desk() -> Desk:
    # The API's clock, so that tests move both with one FakeClock.
    from chalicelib.wiring import services

    s = get_settings()
    api = services()
    return Desk(
        settings=s,
        clock=api.clock,
        lockout=api.lockout_policy,
        sessions=api.session_policy,
        accounts=DynamoAccountStore(),
        claims=DynamoClaimStore(),
        # The API's mailer: every notice ends with the privacy notice's link (R-PRIV-1).
        notices=Notices(api.mailer(), s.web_base_url),
    )


def check_ticket(ticket: str) -> str:
    """R-ADM-2: the reference of the request that justifies a change."""
    ticket = " ".join(ticket.split())
    if not ticket or len(ticket) > TICKET_MAX or not ticket.isprintable():
        raise Refused(
            f"Indique en --ticket el número de la solicitud que justifica el cambio (1 a "
            f"{TICKET_MAX} caracteres)."
        )
    return ticket


def _event(
    user_id: str, name: str, now: float, operator: Operator, *, fields: tuple[str, ...], detail: str
) -> AuditEvent:
    event = audit(user_id, name, now, ORIGIN, fields=fields, detail=detail)
    return replace(event, operator=operator.arn, ticket=operator.ticket)


def _account(user_id: str) -> User:
    user = store.load_user(fields.normalise_user_id(user_id))
    if user is None:
        raise errors.NotFound(
            f"No existe ninguna cuenta con el ID de usuario «{user_id}». Revise cómo se escribe, "
            "o búsquela por documento o por correo con «find»."
        )
    return user


def _active(user_id: str) -> User:
    user = _account(user_id)
    if user.status != STATUS_ACTIVE:
        raise Refused(
            f"La cuenta {user.user_id} está dada de baja desde {user.deactivated_at}: no se "
            "puede cambiar. No se realizó ningún cambio."
        )
    return user


# Reads ----------------------------------------------------------------------------------------


def find(
    d: Desk,
    *,
    user_id: str | None = None,
    document: tuple[str, str] | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    """The account with that ID, or the one whose claim holds that document or e-mail: only an
    active account holds them (R-DEL-2 releases both), so a deactivated one is found by ID."""
    released = (
        " Una cuenta dada de baja libera su documento y su correo: si la persona la dio de baja, "
        "búsquela por su ID de usuario."
    )
    if user_id is not None:
        user = _account(user_id)
        return {"user_id": user.user_id, "status": user.status}
    problems = forms.Problems()
    if document is not None:
        kind, number = forms.read_document(
            {"document_type": document[0], "document_number": document[1]}, problems
        )
        problems.raise_if_any()
        owner = d.claims.owner(document_claim(kind, number))
        missing = f"Ninguna cuenta activa tiene el documento {kind} {number}." + released
    else:
        address = forms.read_email({"email": email or ""}, problems)
        problems.raise_if_any()
        owner = d.claims.owner(email_claim(fields.email_key(address)))
        missing = f"Ninguna cuenta activa tiene el correo {address}." + released
    if owner is None:
        raise errors.NotFound(missing)
    return {"user_id": owner, "status": STATUS_ACTIVE}


def lock_state(user: User, now: int, policy: LockoutPolicy) -> dict[str, Any]:
    state = login_state(user)
    locked = state.locked_until > now
    return {
        "locked": locked,
        "locked_until": iso(state.locked_until) if locked else None,
        "recent_failures": len(recent(state, now, policy)),
    }


def show(d: Desk, user_id: str) -> dict[str, Any]:
    """R-ADM-1: profile, status, lock state, open sessions, the address's delivery state and
    the latest audit events (never a hash or a token)."""
    user = _account(user_id)
    return {
        "profile": profile(user, d.clock()),
        "deactivated_at": user.deactivated_at,
        "deactivation_reason": user.deactivation_reason,
        "anonymised_at": user.anonymised_at,
        "lock": lock_state(user, int(d.clock()), d.lockout),
        "sessions": [s.as_json() for s in _open_sessions(d, user)],
        # R-MAIL-3: the address's delivery state as SES's feedback left it; an anonymised
        # account has no address left.
        "mail": mail_status(d, user.email) if user.email else None,
        "audit": store.audit_trail(user.user_id, newest=RECENT_AUDIT_EVENTS),
    }


def audit_trail(user_id: str) -> dict[str, Any]:
    user = _account(user_id)
    return {"user_id": user.user_id, "audit": store.audit_trail(user.user_id)}


def export(d: Desk, operator: Operator, user_id: str) -> dict[str, Any]:
    """«Descargar mis datos» for a person who asks the help desk (R-PRIV-3, LOPDP Art. 13): the
    API's own document, built by chalicelib.domain.privacy, of an active or a deactivated account
    (whose owner can no longer sign in to download it). The disclosure is audited DATA_EXPORTED
    with the operator and the ticket (R-ADM-2); it changes nothing the owner sees, so no notice."""
    from chalicelib.domain import privacy
    from chalicelib.store.audit import DynamoAuditTrail

    user = _account(user_id)
    now = d.clock()
    trail = DynamoAuditTrail()
    deps = privacy.ExportDeps(trail, d.settings.privacy_notice_version)
    document = privacy.export_for(deps, user, _open_sessions(d, user), now)
    trail.append(_event(user.user_id, privacy.EXPORTED, now, operator, fields=(), detail=""))
    return document


def _open_sessions(d: Desk, user: User) -> list[SessionView]:
    """The sessions the API counts as open, the last active first; none is `current`: the
    operator is not signed in to the account."""
    from chalicelib.domain.account_sessions import AccountSessionsDeps, open_sessions, view
    from chalicelib.store.sessions import DynamoSessionStore

    # The export holds no session id, the one thing the hash key would compute here: so the
    # operators' policy needs no read of the hash key's parameter.
    deps = AccountSessionsDeps(DynamoSessionStore(), d.clock, hash_key=b"", policy=d.sessions)
    return [view(deps, session, current=False) for session in open_sessions(deps, user)]


# Changes --------------------------------------------------------------------------------------


def unlock(d: Desk, operator: Operator, user_id: str) -> dict[str, Any]:
    """Ends a log-in lock-out and forgets the failures of its window (R-AUTH-2), in the
    lock-out's own conditional write; the owner is told when a lock was on."""
    user = _active(user_id)
    now = int(d.clock())
    state = lock_state(user, now, d.lockout)
    if not state["locked"] and not state["recent_failures"]:
        raise Refused(
            f"La cuenta {user.user_id} no está bloqueada ni tiene intentos fallidos recientes: "
            "no hay nada que desbloquear. Si la persona no puede ingresar, pídale que cree una "
            "contraseña nueva con «¿Olvidó su contraseña?»."
        )
    detail = "bloqueo levantado" if state["locked"] else "intentos fallidos borrados"
    event = _event(user.user_id, "OPERATOR_UNLOCKED", now, operator, fields=(), detail=detail)
    saved = d.accounts.save_login_state(
        user.user_id, known=True, before=login_state(user), after=LoginState(), audit=event
    )
    if not saved:
        raise errors.StaleUpdate(store.CHANGED_MEANWHILE)
    if state["locked"]:
        mail = messages.unlocked(user.user_id, ecuador_time(now), operator.ticket)
        d.notices.send(user.email, mail, user.user_id)
    return {"user_id": user.user_id, "was_locked": state["locked"], **_done(operator)}


def totp_reset(d: Desk, operator: Operator, user_id: str) -> dict[str, Any]:
    """Removes the second factor on a documented request (R-SEC-2): a lost phone and no recovery
    code left. The API's own use case, in one conditional write with the audit event; the owner
    is told."""
    from chalicelib.domain.lockout import PasswordGate
    from chalicelib.domain.second_factor import SecondFactorDeps, remove_second_factor
    from chalicelib.store.second_factor import DynamoSecondFactorStore

    user = _active(user_id)
    if not user.totp_enabled:
        raise Refused(
            f"La cuenta {user.user_id} no tiene activado el segundo factor: no hay nada que "
            "retirar. Si la persona no puede ingresar, revise «show» (bloqueo, sesiones)."
        )
    deps = SecondFactorDeps(
        factors=DynamoSecondFactorStore(),
        gate=PasswordGate(d.accounts, d.clock, d.lockout),
        clock=d.clock,
        # The removal neither seals a secret nor hashes a code: the operators' policy needs no
        # read of the hash key's parameter.
        hash_key=b"",
        notices=d.notices,
    )
    remove_second_factor(
        deps, user.user_id, ticket=operator.ticket, operator=operator.arn, origin=ORIGIN
    )
    return {"user_id": user.user_id, "totp_enabled": False, **_done(operator)}


def end_sessions(d: Desk, operator: Operator, user_id: str) -> dict[str, Any]:
    """Every open session of the account ends at once (R-AUTH-4)."""
    user = _active(user_id)
    event = _event(
        user.user_id, "OPERATOR_SESSIONS_ENDED", d.clock(), operator, fields=(), detail=""
    )
    store.end_sessions(user, event)
    return {"user_id": user.user_id, "sessions_ended": True, **_done(operator)}


def deactivate(d: Desk, operator: Operator, user_id: str, reason: str) -> dict[str, Any]:
    """As the owner's deactivation (R-DEL-2), in the API's own transaction, with the owner's
    request's reason instead of the password."""
    problems = forms.Problems()
    reason = read_reason({"reason": reason}, problems)
    problems.raise_if_any()
    user = _active(user_id)
    now = d.clock()
    event = _event(user.user_id, "DEACTIVATED", now, operator, fields=("status",), detail=reason)
    d.accounts.deactivate(user, reason=reason, at=iso(now), audit=event, login=login_state(user))
    mail = messages.deactivated(user.user_id, ecuador_time(now), operator.ticket)
    d.notices.send(user.email, mail, user.user_id)
    return {"user_id": user.user_id, "status": "DEACTIVATED", **_done(operator)}


def erase(d: Desk, operator: Operator, user_id: str) -> dict[str, Any]:
    """Anonymises the account now, on a documented request (LOPDP Art. 15), exactly as the
    retention job does once its period is over (R-PRIV-4). An active account is first
    deactivated in the API's own transaction (its document and address freed, every session
    ended); the owner is told before the address goes; the erasure is audited last, so that its
    event keeps the operator and the ticket."""
    from chalicelib.domain.retention import anonymise_account
    from chalicelib.store.audit import DynamoAuditTrail
    from chalicelib.store.retention import DynamoRetentionStore

    user = _account(user_id)
    if user.anonymised_at:
        raise Refused(
            f"La cuenta {user.user_id} ya fue anonimizada el {user.anonymised_at}: no queda "
            "ningún dato personal que eliminar. No se realizó ningún cambio."
        )
    now = d.clock()
    if user.status == STATUS_ACTIVE:
        reason = f"Eliminación de datos a pedido (solicitud {operator.ticket})."
        event = _event(
            user.user_id, "DEACTIVATED", now, operator, fields=("status",), detail=reason
        )
        d.accounts.deactivate(
            user, reason=reason, at=iso(now), audit=event, login=login_state(user)
        )
    mail = messages.erased(user.user_id, ecuador_time(now), operator.ticket)
    d.notices.to_owner(user, mail, now)
    if not anonymise_account(DynamoRetentionStore(), user.user_id, now):
        raise errors.StaleUpdate(store.CHANGED_MEANWHILE)
    DynamoAuditTrail().append(
        _event(user.user_id, "OPERATOR_ERASED", now, operator, fields=(), detail="")
    )
    return {
        "user_id": user.user_id,
        "status": STATUS_DEACTIVATED,
        "anonymised_at": iso(now),
        **_done(operator),
    }


def correct_name(d: Desk, operator: Operator, user_id: str, name: str) -> dict[str, Any]:
    """A rectified name (LOPDP Art. 14) under R-REG-3's rule but not R-MOD-3's: the request
    documents it. It becomes the registration baseline too (R-HARD-5), since the name given at
    registration was the wrong one."""
    problems = forms.Problems()
    name = forms.read_text({"name": name}, "name", problems, fields.normalise_name)
    problems.add("name", fields.check_name(name))
    problems.raise_if_any()
    user = _active(user_id)
    if name == user.name:
        raise Refused(f"La cuenta {user.user_id} ya tiene el nombre «{name}». No hay cambio.")
    now = d.clock()
    event = _event(
        user.user_id,
        "OPERATOR_CORRECTED",
        now,
        operator,
        fields=("name",),
        detail=f"{user.name} -> {name}",
    )
    store.correct(
        user, {"name": name, "registered_name": name}, event, updated_at=iso(now), document=None
    )
    mail = messages.corrected(user.user_id, "el nombre", name, ecuador_time(now), operator.ticket)
    d.notices.send(user.email, mail, user.user_id)
    return {"user_id": user.user_id, "name": name, **_done(operator)}


def correct_document(
    d: Desk, operator: Operator, user_id: str, document_type: str, number: str
) -> dict[str, Any]:
    """A rectified document under R-REG-2's rules, its DOC claim moved in the same transaction;
    refused whole when another account holds the new document (R-REG-13)."""
    problems = forms.Problems()
    kind, number = forms.read_document(
        {"document_type": document_type, "document_number": number}, problems
    )
    problems.raise_if_any()
    user = _active(user_id)
    if (kind, number) == (user.document_type, user.document_number):
        raise Refused(f"La cuenta {user.user_id} ya tiene el documento {kind} {number}.")
    now = d.clock()
    old = f"{user.document_type} {user.document_number}"
    event = _event(
        user.user_id,
        "OPERATOR_CORRECTED",
        now,
        operator,
        fields=("document_type", "document_number"),
        detail=f"{old} -> {kind} {number}",
    )
    store.correct(
        user,
        {"document_type": kind, "document_number": number},
        event,
        updated_at=iso(now),
        document=(kind, number),
    )
    what = "el documento de identificación"
    mail = messages.corrected(
        user.user_id, what, f"{kind} {number}", ecuador_time(now), operator.ticket
    )
    d.notices.send(user.email, mail, user.user_id)
    document = {"type": kind, "number": number}
    return {"user_id": user.user_id, "document": document, **_done(operator)}


def _done(operator: Operator) -> dict[str, str]:
    return {"ticket": operator.ticket, "operator": operator.arn}


# Mail delivery (R-MAIL-2, R-MAIL-3) -----------------------------------------------------------


def _address_key(address: str) -> str:
    problem = fields.check_email(fields.normalise_email(address))
    if problem:
        raise Refused(f"«{address}» no es un correo electrónico válido: revise cómo se escribe.")
    return fields.email_key(address)


def mail_status(d: Desk, address: str) -> dict[str, Any]:
    """What SES's feedback left for an address: undeliverable (until when, why) or not, and
    the account that holds it."""
    from chalicelib.domain import delivery
    from chalicelib.store.delivery import DynamoDeliveryStore

    key = _address_key(address)
    state = DynamoDeliveryStore().get(key)
    now = d.clock()
    return {
        "address": key,
        "deliverable": delivery.deliverable(state, now),
        "state": state.state if state is not None and state.expires_at > now else None,
        "kind": state.kind if state else None,
        "subtype": state.subtype if state else None,
        "at": iso(state.at) if state and state.at else None,
        "ses_message_id": state.message_id if state else None,
        "transient_bounces": state.transient_bounces if state else 0,
        "expires_at": iso(state.expires_at) if state else None,
        "account": d.claims.owner(email_claim(key)),
    }


def _clear_ses_suppression(d: Desk, address: str) -> bool:
    """The account-level suppression list's entry (docs/deploy.md): SES itself would drop
    every mail to the address while it stays. True if there was one."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib import aws

    try:
        aws.client("sesv2", d.settings.region).delete_suppressed_destination(EmailAddress=address)
    except ClientError as exc:
        if aws.error_code(exc) == "NotFoundException":
            return False
        raise errors.ServiceUnavailable() from exc
    except BotoCoreError as exc:
        raise errors.ServiceUnavailable() from exc
    return True


def mail_clear(d: Desk, operator: Operator, address: str) -> dict[str, Any]:
    """An operator's clearing (R-MAIL-3): the person fixed their mailbox, so the address may
    get mail again; audited on the account that holds it, if any."""
    from chalicelib.store.delivery import DynamoDeliveryStore
    from chalicelib.store.recovery import DynamoRecoveryStore

    key = _address_key(address)
    had_state = DynamoDeliveryStore().clear(key)
    suppressed = _clear_ses_suppression(d, key)
    if not had_state and not suppressed:
        raise Refused(
            f"El correo {key} no tiene un estado de entrega que borrar: ya puede recibir "
            "correos. No se realizó ningún cambio."
        )
    owner = d.claims.owner(email_claim(key))
    if owner is not None:
        event = _event(
            owner,
            "OPERATOR_MAIL_CLEARED",
            d.clock(),
            operator,
            fields=("email",),
            detail="estado de entrega del correo borrado",
        )
        DynamoRecoveryStore().record(event)
    return {
        "address": key,
        "account": owner,
        "state_cleared": had_state,
        "ses_suppression_cleared": suppressed,
        **_done(operator),
    }
