"""argparse's own words (usage, errors, --help) in Spanish (R-GEN-3): argparse looks each up in
its module's gettext functions when it prints, so they are swapped for a fixed table."""

from __future__ import annotations

import argparse

WORDS = {
    "usage: ": "uso: ",
    "options": "opciones",
    "positional arguments": "argumentos",
    "subcommands": "comandos",
    "show this help message and exit": "muestra esta ayuda y termina",
    "%(prog)s: error: %(message)s\n": "%(prog)s: error de uso: %(message)s\n",
    "the following arguments are required: %s": "faltan estos datos: %s",
    "unrecognized arguments: %s": "no se reconocen estos datos: %s",
    "one of the arguments %s is required": "indique uno de estos datos: %s",
    "not allowed with argument %s": "no se puede usar junto con %s",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "expected one argument": "falta su valor",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "%(value)r no es válido (use uno de estos: %(choices)s)"
    ),
    "ambiguous option: %(option)s could match %(matches)s": (
        "opción ambigua: %(option)s puede ser %(matches)s"
    ),
    "expected %s argument": "se esperaba %s valor",
    "expected %s arguments": "se esperaban %s valores",
}


def _gettext(message: str) -> str:
    return WORDS.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def install() -> None:
    argparse._ = _gettext  # type: ignore[attr-defined]  # argparse's module-level gettext
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]  # and its plural form
