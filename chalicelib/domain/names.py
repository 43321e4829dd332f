"""Name correction rule (R-MOD-3): a correction of the same person's name, never another name.

The seed lets a person fix "apellidos o nombres mal escritos" and sends anyone who wants a
different name to deactivate and register anew. The rule below decides which new names are a
*correction* of the stored one. It is deliberately explainable in a sentence per point, so that a
person refused at the counter can be told why.

Rule / Regla
------------
1. Letter case, accents and the ñ, and the signs ' - . do not count: ``PEREZ`` = ``Pérez``,
   ``Nuñez`` = ``Núñez``, ``Pérez-Gómez`` = ``Pérez Gómez``.
   *No cuentan mayúsculas, tildes, la ñ ni los signos ' - .*
2. Connecting words (de, del, la, las, los, y, …) do not count: ``María de los Ángeles Vera``
   = ``María Ángeles Vera``.
   *No cuentan las partículas (de, del, la, las, los, y, …).*
3. The order of the words does not count: ``PEREZ JOSE`` = ``José Pérez``.
   *No cuenta el orden de los nombres y apellidos.*
4. Each word of the shorter name must match a different word of the longer one, exactly or with
   a typo: one letter wrong, missing, extra or two neighbouring letters swapped for words of 3 to
   7 letters, up to two such slips for words of 8 letters or more, none for words of 1–2 letters.
   A lone initial (``C.``) matches a word starting with that letter. At most 3 slips in the whole
   name.
   *Cada palabra del nombre más corto debe corresponder a una palabra distinta del más largo,
   igual o con un error de tipeo (una letra cambiada, faltante, sobrante o dos letras vecinas
   invertidas en palabras de 3 a 7 letras; hasta dos en palabras de 8 o más); una inicial
   corresponde a una palabra que empieza con esa letra; como máximo 3 errores en todo el nombre.*
5. Missing or extra names: the longer name may have at most 2 words more than the shorter (a
   middle name, a second surname), but at least two words of the old name (or its only word) must
   be kept, and at least one kept word must be a whole word, not an initial.
   *Se pueden agregar o quitar hasta 2 nombres (segundo nombre, segundo apellido), pero deben
   conservarse al menos dos palabras del nombre anterior (o la única que tenía), y al menos una
   de ellas completa, no una inicial.*
6. Words written together or apart: ``Mariajose Delacruz`` = ``María José De La Cruz``. When
   the two names have a different number of words, the letters of the whole name, in order and
   without spaces, may differ by at most 2 slips.
   *Palabras juntas o separadas: si los nombres tienen distinto número de palabras, se comparan
   las letras de todo el nombre, en orden y sin espacios, con hasta 2 errores.*

7. The new name must be a correction, under rules 1-6, of the name given at registration as well
   as of the current one (R-HARD-5): ``Ana Torres`` → ``Ana Torres Carlos Mendoza`` passes (two
   names added), but ``Carlos Mendoza`` after it does not, because it is not a correction of
   ``Ana Torres``. A correction in several saves (``Jose Perez`` → ``José Perez`` →
   ``José Pérez``) passes, each step being one of the registered name.
   *El nombre nuevo debe ser una corrección del nombre actual y también del nombre con el que se
   registró: no se puede llegar a otro nombre en varios cambios.*

Anything else (a word replaced by a different one, ``Ana Torres`` → ``Carlos Mendoza``) is not a
correction: NAME_CHANGE_NOT_ALLOWED, and the message points to deactivating and registering a new
user.
*Cualquier otro cambio (reemplazar una palabra por otra distinta) no es una corrección.*
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "di", "du", "van",
     "von", "der", "den", "le"}
)  # fmt: skip
MAX_EXTRA_WORDS = 2
MAX_TOTAL_SLIPS = 3
MAX_JOINED_SLIPS = 2
# Beyond this many words the word-by-word matching is not attempted (no real name has them);
# such a name must then be equal under rules 1-3 or pass rule 6.
MAX_WORDS = 8

_SEPARATORS = re.compile(r"[\s\-.]+")


def _fold(text: str) -> str:
    """Lower case, no accents (ñ -> n), no apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c != "'")


def words(name: str) -> list[str]:
    """The words that count under rules 1 and 2, in their written order."""
    return [w for w in _SEPARATORS.split(_fold(name)) if w and w not in PARTICLES]


def _all_words(name: str) -> list[str]:
    """Every written word, particles included (rule 6 compares what was typed)."""
    return [w for w in _SEPARATORS.split(_fold(name)) if w]


def allowed_slips(a: str, b: str) -> int:
    longest = max(len(a), len(b))
    if longest <= 2:
        return 0
    return 1 if longest <= 7 else 2


def slips(a: str, b: str) -> int:
    """Optimal-string-alignment distance: substitutions, insertions, deletions, adjacent swaps."""
    rows = len(a) + 1
    cols = len(b) + 1
    d = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        d[i][0] = i
    for j in range(cols):
        d[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def _word_slips(a: str, b: str) -> int | None:
    """Slips needed to read `a` as `b` under rule 4, or None when they are different words."""
    if len(a) == 1 or len(b) == 1:
        return 0 if a[0] == b[0] else None
    distance = slips(a, b)
    return distance if distance <= allowed_slips(a, b) else None


def _best_matching(shorter: tuple[str, ...], longer: tuple[str, ...]) -> int | None:
    """Fewest total slips matching every word of `shorter` to a distinct word of `longer`."""

    @cache
    def best(index: int, used: int) -> int | None:
        if index == len(shorter):
            return 0
        result: int | None = None
        for j, candidate in enumerate(longer):
            if used & (1 << j):
                continue
            cost = _word_slips(shorter[index], candidate)
            if cost is None:
                continue
            rest = best(index + 1, used | (1 << j))
            if rest is not None and (result is None or cost + rest < result):
                result = cost + rest
        return result

    return best(0, 0)


def _matches_word_by_word(old: list[str], new: list[str]) -> bool:
    if not old or not new or max(len(old), len(new)) > MAX_WORDS:
        return False
    shorter, longer = sorted((old, new), key=len)
    if len(longer) - len(shorter) > MAX_EXTRA_WORDS:
        return False
    # Rule 5: at least two words of the old name (or its only one) survive.
    if len(shorter) < min(2, len(old)):
        return False
    if all(len(w) == 1 for w in shorter):
        return False
    total = _best_matching(tuple(shorter), tuple(longer))
    return total is not None and total <= MAX_TOTAL_SLIPS


def is_correction(old: str, new: str) -> bool:
    """Whether `new` is a plausible correction of the name `old` (rules 1-6 above)."""
    old_words, new_words = words(old), words(new)
    if sorted(old_words) == sorted(new_words) and old_words:
        return True
    if _matches_word_by_word(old_words, new_words):
        return True
    # Rule 6 only for words run together or split apart: with the same number of words it
    # would let short words slip more than rule 4 allows (``Eva Mora`` -> ``Ana Mora``).
    old_all, new_all = _all_words(old), _all_words(new)
    if len(old_all) == len(new_all):
        return False
    old_joined, new_joined = "".join(old_all), "".join(new_all)
    return (
        min(len(old_joined), len(new_joined)) >= 6
        and slips(old_joined, new_joined) <= MAX_JOINED_SLIPS
    )


def is_allowed_change(registered: str, current: str, new: str) -> bool:
    """Rule 7 (R-HARD-5): `new` corrects both the registered and the current name."""
    return is_correction(current, new) and is_correction(registered, new)
