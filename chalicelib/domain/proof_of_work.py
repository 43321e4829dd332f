"""The proof of work asked of every request that mails someone and of the registration
(R-ABUSE-1): an ALTCHA challenge (the `altcha` library's v1 format, SHA-256) signed with a key
derived from the hash key, valid for a few minutes, each solution accepted once.

The per-source throttles stop one machine; this makes every mail cost a botnet CPU time, with no
third party and no cookie. The library is imported on first use: only the routes that verify or
create a challenge pay for it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from chalicelib.domain import errors, tokens
from chalicelib.domain.clock import Clock

ALGORITHM: Literal["SHA-256"] = "SHA-256"
# A payload is a few hundred bytes; anything far longer is not the widget's.
MAX_PAYLOAD_CHARS = 2048


class SpentSolutions(Protocol):
    """Which solutions were already used: one conditional write per accepted solution."""

    def spend(self, key: str, expires_at: int) -> bool:
        """Records `key` until `expires_at`; False when it was recorded already."""
        ...


def hmac_key(hash_key: bytes) -> bytes:
    """The challenges' signing key: derived from the hash key, so no second secret to keep,
    and a challenge signature never equals any other keyed hash of the service."""
    return tokens.keyed_hash(hash_key, "altcha").encode()


@dataclass
class ProofOfWork:
    key: bytes
    clock: Clock
    max_number: int
    ttl_seconds: int
    spent: SpentSolutions

    def challenge(self) -> dict[str, Any]:
        """A new challenge, as the widget reads it (`GET /v1/challenge`)."""
        from altcha.v1 import ChallengeOptions, create_challenge

        expires = datetime.fromtimestamp(int(self.clock()) + self.ttl_seconds, UTC)
        options = ChallengeOptions(
            algorithm=ALGORITHM, max_number=self.max_number, hmac_key=self.key, expires=expires
        )
        return dict(create_challenge(options).to_dict())

    def check(self, payload: object) -> tuple[str, int]:
        """The solution's single-use key and expiry, once its signature, its answer and its
        expiry are right; CHALLENGE_REQUIRED / CHALLENGE_INVALID otherwise. CPU only: a wrong
        solution costs no call."""
        if payload is None or payload == "":
            raise errors.ChallengeRequired()
        decoded = _decoded(payload)
        expires_at = _expiry(decoded)
        if expires_at is None or expires_at <= self.clock():
            raise errors.ChallengeInvalid(errors.CHALLENGE_EXPIRED)
        from altcha.v1 import verify_solution

        # Expiry checked above against the service's clock; the library would read time.time().
        valid, _reason = verify_solution(str(payload), self.key, check_expires=False)
        if not valid:
            raise errors.ChallengeInvalid()
        return f"POW#{decoded['challenge']}", expires_at

    def require(self, payload: object) -> None:
        """`check`, then the solution spent: a second use of it is CHALLENGE_INVALID."""
        key, expires_at = self.check(payload)
        if not self.spent.spend(key, expires_at):
            raise errors.ChallengeInvalid(errors.CHALLENGE_USED)


def _decoded(payload: object) -> dict[str, Any]:
    if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_CHARS:
        raise errors.ChallengeInvalid()
    try:
        decoded = json.loads(base64.b64decode(payload, validate=True).decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError):
        raise errors.ChallengeInvalid() from None
    fields = ("algorithm", "challenge", "number", "salt", "signature")
    if not isinstance(decoded, dict) or not all(name in decoded for name in fields):
        raise errors.ChallengeInvalid()
    if decoded["algorithm"] != ALGORITHM or not isinstance(decoded["number"], int):
        raise errors.ChallengeInvalid()
    if not all(isinstance(decoded[name], str) for name in ("challenge", "salt", "signature")):
        raise errors.ChallengeInvalid()
    return decoded


def _expiry(decoded: dict[str, Any]) -> int | None:
    """The `expires` the salt carries (signed with it); None when absent or malformed."""
    from urllib.parse import parse_qs

    _, _, query = str(decoded["salt"]).partition("?")
    values = parse_qs(query).get("expires") or []
    # Several values would let a forged salt pick the one each reader sees: refuse them.
    if len(values) != 1 or not values[0].isdigit():
        return None
    return int(values[0])
