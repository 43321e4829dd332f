"""`ecuapass-admin COMANDO … --stage ETAPA [--json]`: the entry point (R-ADM-1).

A command is one function registered with `@command`: its arguments, whether it changes the
account or discloses it (then `--ticket` is required and the operator's ARN is read once,
R-ADM-2) and what it prints. Exit status: 0 done, 1 refused or not found (Spanish message on
stderr), 2 usage.
tests/admin/test_admin_iam.py replays every registered command, so a new one must come with its
journey there and its grants in OperatorPolicy.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from admin import render, spanish
from admin.stage import StageError, use_stage

if TYPE_CHECKING:
    from admin.operations import Desk, Operator

DONE, REFUSED, USAGE = 0, 1, 2

PROG = "ecuapass-admin"
DESCRIPTION = """\
Mesa de ayuda de Ecuapass — Usuario General. Consulta y corrige cuentas con sus propias
credenciales de AWS (perfil o SSO, con MFA). Cada cambio exige --ticket con el número de la
solicitud, queda en el historial de la cuenta con su identidad y avisa por correo a la persona.

Ejemplos:
  ecuapass-admin find --document CEDULA 1710034065 --stage prod
  ecuapass-admin show juan.perez1 --stage prod
  ecuapass-admin unlock juan.perez1 --ticket MDA-1234 --stage prod

Resultado: 0 hecho; 1 rechazado o no encontrado (el motivo sale en la pantalla); 2 comando mal
escrito. Guía completa: docs/help-desk.md."""


@dataclass(frozen=True)
class Arg:
    flags: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


USER_ID = Arg(("user_id",), {"metavar": "ID", "help": "ID de usuario de la cuenta"})

Run = Callable[[argparse.Namespace, "Desk", "Operator | None"], dict[str, Any]]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    run: Run
    show: Callable[[dict[str, Any]], str]
    arguments: tuple[Arg, ...] = ()
    # One of these option groups must be given (find: --user-id | --document | --email).
    one_of: tuple[Arg, ...] = ()
    changes: bool = False


COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    summary: str,
    *,
    show: Callable[[dict[str, Any]], str],
    arguments: tuple[Arg, ...] = (),
    one_of: tuple[Arg, ...] = (),
    changes: bool = False,
) -> Callable[[Run], Run]:
    def register(run: Run) -> Run:
        COMMANDS[name] = Command(name, summary, run, show, arguments, one_of, changes)
        return run

    return register


# The commands ---------------------------------------------------------------------------------


@command(
    "find",
    "busca una cuenta por ID de usuario, documento o correo y muestra su ID",
    show=render.found,
    one_of=(
        Arg(("--user-id",), {"metavar": "ID", "help": "ID de usuario"}),
        Arg(
            ("--document",),
            {
                "nargs": 2,
                "metavar": ("TIPO", "NUMERO"),
                "help": "tipo (CEDULA, RUC o PASAPORTE) y número del documento",
            },
        ),
        Arg(("--email",), {"metavar": "CORREO", "help": "correo electrónico personal"}),
    ),
)
def _find(args: argparse.Namespace, desk: Desk, _: Operator | None) -> dict[str, Any]:
    from admin import operations

    # nargs=2: argparse gives the type and the number as a list of two.
    document = (args.document[0], args.document[1]) if args.document else None
    return operations.find(desk, user_id=args.user_id, document=document, email=args.email)


@command(
    "show",
    "muestra los datos, el estado, el bloqueo y los últimos 20 eventos de una cuenta",
    show=render.account,
    arguments=(USER_ID,),
)
def _show(args: argparse.Namespace, desk: Desk, _: Operator | None) -> dict[str, Any]:
    from admin import operations

    return operations.show(desk, args.user_id)


@command(
    "audit",
    "muestra el historial completo de la cuenta",
    show=render.trail,
    arguments=(USER_ID,),
)
def _audit(args: argparse.Namespace, desk: Desk, _: Operator | None) -> dict[str, Any]:
    from admin import operations

    return operations.audit_trail(args.user_id)


ADDRESS = Arg(("address",), {"metavar": "CORREO", "help": "correo electrónico"})


@command(
    "mail-status",
    "muestra si un correo recibe mensajes o si SES lo marcó como no entregable (R-MAIL-3)",
    show=render.done("Estado de entrega"),
    arguments=(ADDRESS,),
)
def _mail_status(args: argparse.Namespace, desk: Desk, _: Operator | None) -> dict[str, Any]:
    from admin import operations

    return operations.mail_status(desk, args.address)


@command(
    "mail-clear",
    "borra el estado «no entregable» de un correo y su entrada en la lista de supresión de SES",
    show=render.done("Estado de entrega borrado"),
    arguments=(ADDRESS,),
    changes=True,
)
def _mail_clear(args: argparse.Namespace, desk: Desk, operator: Operator | None) -> dict[str, Any]:
    from admin import operations

    assert operator is not None
    return operations.mail_clear(desk, operator, args.address)


@command(
    "unlock",
    "levanta el bloqueo por contraseñas incorrectas (avisa a la persona)",
    show=render.done("Bloqueo levantado"),
    arguments=(USER_ID,),
    changes=True,
)
def _unlock(args: argparse.Namespace, desk: Desk, operator: Operator | None) -> dict[str, Any]:
    from admin import operations

    assert operator is not None
    return operations.unlock(desk, operator, args.user_id)


@command(
    "totp-reset",
    "retira el segundo factor a pedido documentado de la persona (avisa a la persona)",
    show=render.done("Segundo factor retirado"),
    arguments=(USER_ID,),
    changes=True,
)
def _totp_reset(args: argparse.Namespace, desk: Desk, operator: Operator | None) -> dict[str, Any]:
    from admin import operations

    assert operator is not None
    return operations.totp_reset(desk, operator, args.user_id)


@command(
    "end-sessions",
    "cierra todas las sesiones abiertas de la cuenta",
    show=render.done("Sesiones cerradas"),
    arguments=(USER_ID,),
    changes=True,
)
def _end_sessions(
    args: argparse.Namespace, desk: Desk, operator: Operator | None
) -> dict[str, Any]:
    from admin import operations

    assert operator is not None
    return operations.end_sessions(desk, operator, args.user_id)


@command(
    "deactivate",
    "da de baja la cuenta a pedido de la persona (avisa a la persona)",
    show=render.done("Cuenta dada de baja"),
    arguments=(
        USER_ID,
        Arg(
            ("--reason",),
            {"required": True, "metavar": "MOTIVO", "help": "motivo de la baja (10 a 500 letras)"},
        ),
    ),
    changes=True,
)
def _deactivate(args: argparse.Namespace, desk: Desk, operator: Operator | None) -> dict[str, Any]:
    from admin import operations

    assert operator is not None
    return operations.deactivate(desk, operator, args.user_id, args.reason)


@command(
    "erase",
    "elimina ahora los datos personales de la cuenta (anonimiza; avisa antes a la persona)",
    show=render.done("Datos personales eliminados"),
    arguments=(USER_ID,),
    changes=True,
)
def _erase(args: argparse.Namespace, desk: Desk, operator: Operator | None) -> dict[str, Any]:
    from admin import operations

    assert operator is not None
    return operations.erase(desk, operator, args.user_id)


@command(
    "correct",
    "corrige el nombre o el documento por una solicitud de rectificación (avisa a la persona)",
    show=render.done("Dato corregido"),
    arguments=(USER_ID,),
    one_of=(
        Arg(("--name",), {"metavar": "NOMBRE", "help": "nombres y apellidos corregidos"}),
        Arg(
            ("--document",),
            {
                "nargs": 2,
                "metavar": ("TIPO", "NUMERO"),
                "help": "tipo (CEDULA, RUC o PASAPORTE) y número corregidos",
            },
        ),
    ),
    changes=True,
)
def _correct(args: argparse.Namespace, desk: Desk, operator: Operator | None) -> dict[str, Any]:
    from admin import operations

    assert operator is not None
    if args.name is not None:
        return operations.correct_name(desk, operator, args.user_id, args.name)
    kind, number = args.document
    return operations.correct_document(desk, operator, args.user_id, kind, number)


@command(
    "export",
    "escribe todos los datos de la cuenta en un archivo JSON, el mismo de «Descargar mis datos» "
    "(art. 13 LOPDP)",
    show=render.exported,
    arguments=(
        USER_ID,
        Arg(
            ("--output",),
            {
                "metavar": "ARCHIVO",
                "help": "el archivo a crear (por omisión mis-datos-<id>-<fecha>.json en la carpeta "
                "actual; nunca reemplaza uno existente). Con --json y sin --output, el documento "
                "sale solo en la pantalla",
            },
        ),
    ),
    # Not a change of the account, but a disclosure: it too needs the request's ticket and is
    # audited with the operator (R-ADM-2).
    changes=True,
)
def _export(args: argparse.Namespace, desk: Desk, operator: Operator | None) -> dict[str, Any]:
    from pathlib import Path

    from admin import files, operations
    from chalicelib.domain.privacy import file_name

    assert operator is not None
    if args.json and args.output is None:
        return operations.export(desk, operator, args.user_id)
    # The stored ID names the file, as the API names it (R-PRIV-3); a missing account exits 1
    # before any file is made.
    user_id = operations.find(desk, user_id=args.user_id)["user_id"]
    path = Path(args.output or file_name(user_id, desk.clock()))
    with files.new_file(path) as write:
        document = operations.export(desk, operator, user_id)
        write(document)
    if args.json:
        return document
    return {"file": str(path), "document": document, "ticket": operator.ticket}


# The parser -----------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    spanish.install()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--stage",
        required=True,
        metavar="ETAPA",
        help="etapa: prod, dev o local (el entorno de `make run`)",
    )
    common.add_argument(
        "--json", action="store_true", help="un documento JSON en la salida, para programas"
    )
    top = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", metavar="COMANDO", required=True)
    for cmd in COMMANDS.values():
        sub = commands.add_parser(
            cmd.name, parents=[common], help=cmd.summary, description=cmd.summary.capitalize()
        )
        for arg in cmd.arguments:
            sub.add_argument(*arg.flags, **arg.options)
        if cmd.one_of:
            group = sub.add_mutually_exclusive_group(required=True)
            for arg in cmd.one_of:
                group.add_argument(*arg.flags, **arg.options)
        if cmd.changes:
            sub.add_argument(
                "--ticket",
                required=True,
                metavar="SOLICITUD",
                help="número de la solicitud (queda en el historial y en el aviso)",
            )
    return top


def caller_arn() -> str:
    """The operator's AWS principal (R-ADM-2): one STS call per run, which IAM never denies."""
    from chalicelib import aws
    from chalicelib.config import get_settings

    answer = aws.client("sts", get_settings().region, attempts=3).get_caller_identity()
    return str(answer["Arn"])


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        use_stage(args.stage)
    except StageError as problem:
        print(f"{PROG}: error de uso: {problem}", file=sys.stderr)
        return USAGE
    return _run(COMMANDS[args.command], args)


def _run(cmd: Command, args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from admin import operations
    from chalicelib.domain import errors

    try:
        operator = None
        if cmd.changes:
            ticket = operations.check_ticket(args.ticket)
            operator = operations.Operator(arn=caller_arn(), ticket=ticket)
        result = cmd.run(args, operations.desk(), operator)
    except (operations.Refused, errors.ApiError) as refusal:
        print(refusal_text(refusal), file=sys.stderr)
        return REFUSED
    except NoCredentialsError:
        print(
            "No hay credenciales de AWS: inicie sesión (aws sso login, o AWS_PROFILE) y repita.",
            file=sys.stderr,
        )
        return REFUSED
    except (BotoCoreError, ClientError) as failure:
        print(f"AWS rechazó la operación o no respondió: {failure}", file=sys.stderr)
        return REFUSED
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(cmd.show(result))
    return DONE


def refusal_text(refusal: Exception) -> str:
    from chalicelib.domain import errors

    lines = [str(refusal)]
    if isinstance(refusal, errors.ApiError):
        lines = [refusal.message, *(f"  {name}: {text}" for name, text in refusal.fields.items())]
    return "\n".join(lines)
