"""The owner's second factor (R-SEC-2): enrol with the password, confirm with a first code (which
gives the 10 recovery codes, shown once), turn it off with the password and a code; and the help
desk's removal on a documented request.

Every password and code checked here goes through the PasswordGate, so a wrong one counts
toward the same lock-out as a wrong password at log-in (R-AUTH-2, R-HARD-1). The log-in's own
code step is in chalicelib/domain/sessions.py. Notices go out after the write commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from chalicelib.domain import errors, passwords, totp
from chalicelib.domain.clock import Clock
from chalicelib.domain.lockout import PasswordGate
from chalicelib.domain.notices import Notices
from chalicelib.domain.records import STATUS_ACTIVE, Caller, Origin, User, audit
from chalicelib.domain.totp import FactorStore

FACTOR_CHANGED = (
    "El segundo factor de su cuenta cambió en este mismo momento (por ejemplo, desde otra "
    "ventana). Actualice la página e intente nuevamente."
)


@dataclass
class SecondFactorDeps:
    factors: FactorStore
    gate: PasswordGate
    clock: Clock
    hash_key: bytes
    notices: Notices


@dataclass(frozen=True)
class Enrolment:
    """POST /v1/account/totp's answer: the secret is shown this once, with its QR code."""

    secret: str
    otpauth_uri: str
    qr_svg: str


@contextmanager
def code_refusal() -> Iterator[None]:
    """The gate's refusal of a wrong attempt, said as a wrong code (TOTP_INVALID) with the same
    tries left before the lock-out."""
    try:
        yield
    except errors.InvalidCredentials as refused:
        raise errors.TotpInvalid(attempts_left=refused.attempts_left) from None


def enrol(deps: SecondFactorDeps, caller: Caller, password: str) -> Enrolment:
    """A new secret, pending until its first code confirms it; the password first (a wrong one
    counts toward the lock-out). Two calls: the gate's count, and one write."""
    user = caller.user
    if user.totp_enabled:
        raise errors.TotpAlreadyEnabled()
    attempt = deps.gate.check(user.user_id, password, caller.origin)
    secret = totp.new_secret()
    sealed = totp.seal(deps.hash_key, user.user_id, secret)
    refusal = errors.TotpAlreadyEnabled()
    deps.gate.succeed(
        attempt,
        lambda before, after: totp.written(
            deps.factors.begin(user.user_id, sealed, before=before, after=after), refusal
        ),
    )
    uri = totp.provisioning_uri(secret, user.user_id)
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg=totp.qr_svg(uri))


def confirm(deps: SecondFactorDeps, caller: Caller, code: str) -> list[str]:
    """The first code of the pending secret turns the factor on; the answer is the 10 recovery
    codes, which are never shown again (only their keyed hashes are kept)."""
    user = caller.user
    if user.totp_enabled:
        raise errors.TotpAlreadyEnabled()
    if user.totp_pending is None:
        raise errors.TotpNotPending()
    found: dict[str, int | str] = {}
    now = deps.clock()

    def right_code(current: User | None) -> bool:
        if current is None or current.totp_pending is None or current.totp_enabled:
            return False
        secret = totp.open_secret(deps.hash_key, current.user_id, current.totp_pending)
        step = totp.accepted_step(secret, code, now, current.totp_last_step)
        if step is None:
            return False
        found.update(step=step, pending=current.totp_pending)
        return True

    with code_refusal():
        attempt = deps.gate.check_with(user.user_id, right_code, caller.origin)
    codes = totp.new_recovery_codes()
    hashes = tuple(
        totp.recovery_hash(deps.hash_key, user.user_id, str(totp.normalise_recovery_code(c)))
        for c in codes
    )
    event = audit(user.user_id, "TOTP_ENABLED", now, caller.origin)
    refusal = errors.TotpNotPending(FACTOR_CHANGED)
    deps.gate.succeed(
        attempt,
        lambda before, after: totp.written(
            deps.factors.enable(
                user.user_id,
                pending=str(found["pending"]),
                recovery_hashes=hashes,
                step=int(found["step"]),
                audit=event,
                before=before,
                after=after,
            ),
            refusal,
        ),
    )
    deps.notices.totp_enabled(user, now, caller.origin)
    return codes


def deactivate(deps: SecondFactorDeps, caller: Caller, password: str, code: str) -> None:
    """Turns the factor off with the password and a code (TOTP or recovery), checked as one
    counted attempt: a wrong password is INVALID_CREDENTIALS, a right password with a wrong
    code TOTP_INVALID, both toward the lock-out."""
    user = caller.user
    if not user.totp_enabled:
        raise errors.TotpNotEnabled()
    now = deps.clock()
    wrong: list[str] = []
    read: list[User] = []

    def right_pair(current: User | None) -> bool:
        if current is None or not passwords.verify_password(current.password_hash, password):
            return False
        if totp.matching(deps.hash_key, current, code, now) is None:
            wrong.append("code")
            return False
        read.append(current)
        return True

    try:
        attempt = deps.gate.check_with(user.user_id, right_pair, caller.origin)
    except errors.InvalidCredentials as refused:
        if wrong:
            raise errors.TotpInvalid(attempts_left=refused.attempts_left) from None
        raise
    (current,) = read
    event = audit(user.user_id, "TOTP_DISABLED", now, caller.origin)
    refusal = errors.TotpNotEnabled(FACTOR_CHANGED)
    deps.gate.succeed(
        attempt,
        lambda before, after: totp.written(
            deps.factors.disable(
                user.user_id,
                secret=str(current.totp_secret),
                audit=event,
                before=before,
                after=after,
            ),
            refusal,
        ),
    )
    deps.notices.totp_disabled(user, now, caller.origin)


def remove_second_factor(
    deps: SecondFactorDeps, user_id: str, *, ticket: str, operator: str, origin: Origin
) -> User:
    """The help desk removes the factor on a documented request (R-SEC-2, R-ADM-2): audited with
    the operator and the ticket, and the owner is told. The account as it was read."""
    user, _ = deps.gate.accounts.load_for_login(user_id)
    if user is None:
        raise errors.NotFound("No existe una cuenta con ese ID de usuario.")
    if user.status != STATUS_ACTIVE or user.totp_secret is None:
        raise errors.TotpNotEnabled()
    now = deps.clock()
    event = replace(
        audit(user.user_id, "OPERATOR_TOTP_REMOVED", now, origin, detail="segundo factor retirado"),
        operator=operator,
        ticket=ticket,
    )
    outcome = deps.factors.disable(
        user.user_id, secret=user.totp_secret, audit=event, before=None, after=None
    )
    totp.written(outcome, errors.TotpNotEnabled(FACTOR_CHANGED))
    deps.notices.totp_removed_by_desk(user, now, ticket)
    return user
