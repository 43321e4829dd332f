"""Random secrets and their keyed hashes: security codes, session and link tokens.

Only `keyed_hash(...)` of a secret is ever stored; comparing hashes with
`hmac.compare_digest` keeps the comparison constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# No look-alikes: 0/O, 1/I/L are left out (architecture "Secrets").
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_security_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token(num_bytes: int = 32) -> str:
    return secrets.token_urlsafe(num_bytes)


def keyed_hash(key: bytes, *parts: str) -> str:
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def undo_token_hash(key: bytes, token: str) -> str:
    """The only form in which an e-mail change's undo link token is stored (R-HARD-9)."""
    return keyed_hash(key, "email-undo", token)
