"""Readable tables for a person at a terminal (R-ADM-1); `--json` prints the data itself."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import Any

LABELS = {
    "user_id": "ID de usuario",
    "document_type": "Tipo de documento",
    "document_number": "Número de documento",
    "name": "Nombre",
    "country": "País",
    "province": "Provincia",
    "city": "Ciudad",
    "address": "Dirección",
    "phone1": "Teléfono 1",
    "phone2": "Teléfono 2",
    "mobile_operator": "Operadora celular",
    "mobile": "Celular",
    "fax": "Fax",
    "email": "Correo personal",
    "senae_email": "Correo SENAE",
    "status": "Estado",
    "created_at": "Creada",
    "updated_at": "Modificada",
    "version": "Versión",
    "deactivated_at": "Dada de baja",
    "deactivation_reason": "Motivo de la baja",
    "was_locked": "Estaba bloqueada",
    "sessions_ended": "Sesiones cerradas",
    "ticket": "Solicitud",
    "operator": "Operador",
    "document": "Documento",
    "email_deliverable": "Recibe correos",
    "totp_enabled": "Segundo factor",
}
SESSION_COLUMNS = (
    ("created_at", "Inicio (UTC)"),
    ("last_seen_at", "Última actividad (UTC)"),
    ("device", "Dispositivo"),
    ("source_ip", "Origen"),
)
AUDIT_COLUMNS = (
    ("at", "Fecha (UTC)"),
    ("event", "Evento"),
    ("fields", "Campos"),
    ("detail", "Detalle"),
    ("source_ip", "Origen"),
    ("ticket", "Solicitud"),
    ("operator", "Operador"),
)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values())
    return str(value)


def pairs(rows: Sequence[tuple[str, Any]]) -> str:
    width = max((len(label) for label, _ in rows), default=0)
    return "\n".join(f"{label.ljust(width)}  {_text(value)}" for label, value in rows)


def table(items: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    if not items:
        return "(sin eventos)"
    cells = [[_text(item.get(key)) for key, _ in columns] for item in items]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, (_, h) in enumerate(columns)]
    lines = ["  ".join(h.ljust(w) for (_, h), w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def found(result: dict[str, Any]) -> str:
    return pairs([(LABELS["user_id"], result["user_id"]), (LABELS["status"], result["status"])])


def account(result: dict[str, Any]) -> str:
    rows = [(LABELS.get(name, name), value) for name, value in result["profile"].items()]
    if result["deactivated_at"]:
        rows += [
            (LABELS["deactivated_at"], result["deactivated_at"]),
            (LABELS["deactivation_reason"], result["deactivation_reason"]),
        ]
    if result.get("anonymised_at"):
        rows.append(("Datos personales", f"ELIMINADOS (anonimizada el {result['anonymised_at']})"))
    lock = result["lock"]
    locked = f"BLOQUEADA hasta {lock['locked_until']} (UTC)"
    state = locked if lock["locked"] else "no bloqueada"
    rows.append(("Bloqueo", f"{state}; intentos fallidos recientes: {lock['recent_failures']}"))
    if result.get("mail"):
        mail = result["mail"]
        delivery = (
            "recibe correos"
            if mail["deliverable"]
            else (
                f"NO ENTREGABLE ({mail['kind']} {mail['subtype']}, {mail['at']} UTC) hasta "
                f"{mail['expires_at']} UTC; bórrelo con «mail-clear» si la persona ya lo corrigió"
            )
        )
        rows.append(("Entrega de correo", delivery))
    sessions = result.get("sessions") or []
    open_ = table(sessions, SESSION_COLUMNS) if sessions else "(ninguna)"
    events = table(result["audit"], AUDIT_COLUMNS)
    return (
        f"{pairs(rows)}\n\nSesiones abiertas (la más reciente primero):\n{open_}\n\n"
        f"Últimos eventos (del más antiguo al más reciente):\n{events}"
    )


def trail(result: dict[str, Any]) -> str:
    return f"Historial de {result['user_id']}:\n{table(result['audit'], AUDIT_COLUMNS)}"


def done(title: str) -> Callable[[dict[str, Any]], str]:
    def show(result: dict[str, Any]) -> str:
        return f"{title}.\n" + pairs([(LABELS.get(k, k), v) for k, v in result.items()])

    return show


# The export holds a person's data: how the clerk hands it over is part of the answer (R-PRIV-3).
HAND_OVER = (
    "Entregue el archivo solo a la persona titular de la cuenta, por el medio que fija el "
    "procedimiento de la mesa de ayuda, y bórrelo de este equipo al terminar: contiene sus datos "
    "personales. Plazo de respuesta: 15 días desde la solicitud."
)


def exported(result: dict[str, Any]) -> str:
    document = result["document"]
    account = document["account"]
    mail = document["email_delivery"]
    receives = "recibe correos" if mail["deliverable"] else "NO ENTREGABLE"
    rows = [
        (LABELS["user_id"], account["user_id"]),
        (LABELS["status"], account["status"]),
        ("Archivo", result["file"]),
        ("Exportado (UTC)", document["exported_at"]),
        ("Eventos del historial", len(document["audit"])),
        ("Sesiones abiertas", len(document["sessions"])),
        ("Avisos de privacidad aceptados", len(document["privacy_acknowledgements"])),
        (LABELS["email"], f"{mail['address']} ({receives})"),
        (LABELS["ticket"], result["ticket"]),
    ]
    return f"Datos exportados (art. 13 LOPDP).\n{pairs(rows)}\n\n{textwrap.fill(HAND_OVER, 100)}"
