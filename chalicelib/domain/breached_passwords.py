"""The breached-password rule (R-ABUSE-2): k-anonymity range look-up, no I/O here.

Only the first five hex digits of the password's SHA-1 leave the service; the range answer
lists every suffix under that prefix, and the comparison is done here. Padding entries (count
0, added by `Add-Padding: true` so the answer's size says nothing) never count as a hit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from chalicelib.domain import errors

PREFIX_CHARS = 5
BREACHED = (
    "Esta contraseña apareció en filtraciones de datos públicas y no es segura. "
    "Elija otra contraseña."
)

# The range text for a prefix, or None when the look-up could not be made (fail-open).
RangeLookup = Callable[[str], str | None]


def split_hash(password: str) -> tuple[str, str]:
    """(prefix, suffix) of the password's SHA-1 in uppercase hex: the prefix is all that is sent."""
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    return digest[:PREFIX_CHARS], digest[PREFIX_CHARS:]


def suffix_listed(range_text: str, suffix: str) -> bool:
    """True when `suffix` is in the range with a count above 0 (padding lines have 0)."""
    wanted = suffix.upper()
    for line in range_text.splitlines():
        listed, _, count = line.strip().partition(":")
        if listed.upper() != wanted:
            continue
        try:
            return int(count.strip() or "0") > 0
        except ValueError:
            return False
    return False


def is_breached(lookup: RangeLookup, password: str) -> bool:
    prefix, suffix = split_hash(password)
    text = lookup(prefix)
    return text is not None and suffix_listed(text, suffix)


def refuse_if_breached(lookup: RangeLookup | None, password: str, field: str) -> None:
    """Before any hash is computed, so a refused password costs no argon2 (R-ABUSE-2)."""
    if lookup is not None and password and is_breached(lookup, password):
        raise errors.ValidationFailed(fields={field: BREACHED})
