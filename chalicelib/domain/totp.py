"""Time-based one-time codes (RFC 6238), the sealing of their secret and the recovery codes
(R-SEC-2).

- Codes have 6 digits and change every 30 seconds; one step either side is accepted, for a phone
  whose clock drifts a little. A code is accepted once: the account keeps the last step it
  accepted, and a code of that step or an earlier one is refused, so a code read over a
  shoulder or off a phishing page cannot be replayed inside its window.
- The secret is stored sealed with AES-256-GCM under a key derived (HMAC-SHA256, label
  `totp-secret-sealing-v1`) from the service's hash key, which lives in SSM and never in the
  tables; the user ID is the associated data, so a sealed secret copied onto another account
  does not open. A leaked table backup alone does not yield any secret.
- Recovery codes: 10 of `XXXXX-XXXXX` (50 random bits each, no look-alike characters), stored
  only as keyed hashes, each usable once.

pyotp, segno and cryptography are imported inside the functions that need them: they cost
tens of milliseconds each to import, and no other route pays for them at a cold start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain import errors, tokens
from chalicelib.domain.records import (
    AuditEvent,
    FactorWrite,
    LoginState,
    Session,
    TotpChallenge,
    User,
)

DIGITS = 6
STEP_SECONDS = 30
# Steps accepted either side of the current one.
WINDOW_STEPS = 1
ISSUER = "Ecuapass"

SEALING_LABEL = b"totp-secret-sealing-v1"
SEALED_PREFIX = "v1."
NONCE_BYTES = 12

RECOVERY_CODES = 10
# No 0/O, 1/I/L: a code copied from paper is typed right (architecture "Secrets").
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECOVERY_HALF = 5
_TOTP_CODE = re.compile(r"[0-9]{6}")
_RECOVERY_CODE = re.compile(f"[{RECOVERY_ALPHABET}]{{{2 * RECOVERY_HALF}}}")


class SealBroken(Exception):
    """A sealed secret that does not open with this key and account (tampered or moved)."""


@dataclass(frozen=True)
class FactorUse:
    """What a right code consumes: a TOTP step (kept as the last one accepted), or one recovery
    code (its keyed hash leaves the account)."""

    step: int | None = None
    recovery_hash: str | None = None

    @property
    def kind(self) -> str:
        return "código de recuperación" if self.recovery_hash else "código TOTP"


def new_secret() -> str:
    """160 random bits in base32, the form authenticator apps read (RFC 4226's advice)."""
    import pyotp

    return pyotp.random_base32(32)


def _sealing_key(hash_key: bytes) -> bytes:
    return hmac.new(hash_key, SEALING_LABEL, hashlib.sha256).digest()


def seal(hash_key: bytes, user_id: str, secret: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(_sealing_key(hash_key)).encrypt(nonce, secret.encode(), user_id.encode())
    return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(hash_key: bytes, user_id: str, sealed: str) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not sealed.startswith(SEALED_PREFIX):
        raise SealBroken()
    try:
        raw = base64.urlsafe_b64decode(sealed.removeprefix(SEALED_PREFIX).encode())
        nonce, body = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        opened = AESGCM(_sealing_key(hash_key)).decrypt(nonce, body, user_id.encode())
    except (InvalidTag, ValueError) as exc:
        raise SealBroken() from exc
    return opened.decode()


def step_at(now: float) -> int:
    return int(now) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    import pyotp

    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def accepted_step(secret: str, code: str, now: float, last_step: int) -> int | None:
    """The step `code` belongs to, if it is inside the window and after `last_step`; else None.
    Every candidate is compared, in constant time, so the answer's timing tells nothing."""
    code = code.strip()
    if not _TOTP_CODE.fullmatch(code):
        return None
    current = step_at(now)
    found = None
    for step in range(current - WINDOW_STEPS, current + WINDOW_STEPS + 1):
        if hmac.compare_digest(code_at(secret, step), code) and step > last_step and found is None:
            found = step
    return found


def provisioning_uri(secret: str, user_id: str) -> str:
    import pyotp

    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    return totp.provisioning_uri(name=user_id, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG image (no XML declaration: it goes inside a page)."""
    import segno

    svg: str = segno.make(uri, error="m").svg_inline(
        scale=4, title="Código QR para su aplicación de autenticación"
    )
    return svg


def new_recovery_codes() -> list[str]:
    def half() -> str:
        return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_HALF))

    return [f"{half()}-{half()}" for _ in range(RECOVERY_CODES)]


def normalise_recovery_code(code: str) -> str | None:
    """`abcde-fghjk`, `ABCDE FGHJK` -> `ABCDEFGHJK`; None when it cannot be a recovery code."""
    compact = re.sub(r"[\s-]", "", code).upper()
    return compact if _RECOVERY_CODE.fullmatch(compact) else None


def recovery_hash(hash_key: bytes, user_id: str, code: str) -> str:
    """The only form in which a recovery code is stored; `code` as normalise_recovery_code
    gives it."""
    return tokens.keyed_hash(hash_key, "totp-recovery", user_id, code)


def match(
    hash_key: bytes,
    user_id: str,
    secret: str,
    code: str,
    *,
    now: float,
    last_step: int,
    recovery_hashes: tuple[str, ...],
) -> FactorUse | None:
    """What a code typed at log-in (or to turn the factor off) consumes, or None when it is
    wrong, used, or out of its window: a TOTP code, or one of the unused recovery codes."""
    step = accepted_step(secret, code, now, last_step)
    if step is not None:
        return FactorUse(step=step)
    compact = normalise_recovery_code(code)
    if compact is None:
        return None
    wanted = recovery_hash(hash_key, user_id, compact)
    found = [h for h in recovery_hashes if tokens.same_hash(h, wanted)]
    return FactorUse(recovery_hash=found[0]) if found else None


def open_secret(hash_key: bytes, user_id: str, sealed: str) -> str:
    """The account's secret; a seal that does not open is the operators' problem, not the
    owner's (SERVICE_UNAVAILABLE, logged by the caller's error mapping)."""
    try:
        return unseal(hash_key, user_id, sealed)
    except SealBroken:
        raise errors.ServiceUnavailable() from None


def matching(hash_key: bytes, user: User, code: str, now: float) -> FactorUse | None:
    """What `code` (a TOTP code or an unused recovery code) consumes on `user`'s factor."""
    if user.totp_secret is None:
        return None
    return match(
        hash_key,
        user.user_id,
        open_secret(hash_key, user.user_id, user.totp_secret),
        code,
        now=now,
        last_step=user.totp_last_step,
        recovery_hashes=user.totp_recovery,
    )


def written(outcome: FactorWrite, refusal: errors.ApiError) -> bool:
    """A second-factor write's outcome as the gate's success write answers it (True: written;
    False: the lock-out state moved, and the gate reads it again); else `refusal`."""
    if outcome is FactorWrite.WRITTEN:
        return True
    if outcome is FactorWrite.STATE_MOVED:
        return False
    raise refusal


class FactorStore(Protocol):
    """The second factor's writes (chalicelib/store/second_factor.py): each one call,
    conditional on the lock-out state `before` where there is one, and on the factor as read."""

    def begin(
        self, user_id: str, sealed: str, *, before: LoginState, after: LoginState
    ) -> FactorWrite: ...

    def enable(
        self,
        user_id: str,
        *,
        pending: str,
        recovery_hashes: tuple[str, ...],
        step: int,
        audit: AuditEvent,
        before: LoginState,
        after: LoginState,
    ) -> FactorWrite: ...

    def disable(
        self,
        user_id: str,
        *,
        secret: str,
        audit: AuditEvent,
        before: LoginState | None,
        after: LoginState | None,
    ) -> FactorWrite: ...

    def open_challenge(
        self, challenge: TotpChallenge, *, before: LoginState, after: LoginState
    ) -> FactorWrite: ...

    def load_challenge(self, challenge_hash: str) -> TotpChallenge | None: ...

    def open_session(
        self,
        session: Session,
        audit: AuditEvent,
        *,
        challenge_hash: str,
        use: FactorUse,
        before: LoginState,
        after: LoginState,
    ) -> FactorWrite: ...
