"""Password policy list and argon2id hashing (R-REG-4, architecture "Secrets").

Parameters follow OWASP's password storage cheat sheet minimum for argon2id (m=19 MiB, t=2,
p=1); `needs_rehash` lets log-in upgrade old hashes when these change.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_COMMON = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"

TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(_COMMON.read_text(encoding="utf-8").split())


def is_common_password(password: str) -> bool:
    return password.lower() in _common_passwords()


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# A valid hash to verify against when the account does not exist, so that a wrong ID costs the
# same time as a wrong password (R-AUTH-2).
@cache
def dummy_hash() -> str:
    return hash_password("dummy-password-0")
