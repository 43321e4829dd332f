"""Reserved IDs (R-HARD-2): an ID that names a mailbox role or the agency cannot be registered.

Every account gets the SENAE mailbox `<ID>@<SENAE_MAIL_DOMAIN>` (R-REG-14). `admin@…` or
`postmaster@…` would let a stranger pass a certificate authority's domain validation, and
`soporte@…` or `senae@…` would speak for the agency. The names are data
(chalicelib/data/reserved-user-ids.txt, with their sources); this module only says whether an ID
is one of them.

An ID and the names are compared folded: lower case, without the separators `. _ -` and without
digits, so that `No.Reply`, `mailer_daemon` and `admin2` are caught. An ID whose letters spell
nothing but reserved names (`senae.soporte`, `noreply-aduana`) is reserved as well; one with any
other word in it (`juan.soporte`) is not.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_LIST = Path(__file__).resolve().parent.parent / "data" / "reserved-user-ids.txt"
_NOT_A_LETTER = re.compile(r"[^a-z]")

MESSAGE = (
    "Este ID de usuario está reservado: nombra una función de correo o de la institución (como "
    "admin, postmaster o soporte) y no puede registrarse. Elija otro ID de usuario."
)


def fold(user_id: str) -> str:
    """The letters of an ID, lower-cased: what two spellings of one name have in common."""
    return _NOT_A_LETTER.sub("", user_id.lower())


@cache
def reserved_names() -> frozenset[str]:
    """The folded names of the list; blank lines and `#` comments skipped."""
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    names = (fold(line.partition("#")[0]) for line in lines)
    return frozenset(name for name in names if name)


def is_reserved(user_id: str) -> bool:
    """True when the ID's letters are one reserved name or a run of them."""
    letters = fold(user_id)
    if not letters:
        return False
    names = reserved_names()
    longest = max(map(len, names))
    # spelled[i]: letters[:i] is a run of reserved names (a word break over a small list).
    spelled = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        spelled[end] = any(
            spelled[start] and letters[start:end] in names
            for start in range(max(0, end - longest), end)
        )
    return spelled[-1]
