"""Spanish mail texts. Each returns (subject, text, html); never a password, hash or token
other than the one the mail exists to deliver."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from html import escape

Mail = tuple[str, str, str]

SIGNATURE = "Servicio Nacional de Aduana del Ecuador — Ecuapass"


def _html(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="es"><body style="font-family:Arial,sans-serif">'
        f"{body}<p><small>{escape(SIGNATURE)}</small></p></body></html>"
    )


def _mail(subject: str, paragraphs: list[str]) -> Mail:
    text = "\n\n".join([*paragraphs, SIGNATURE]) + "\n"
    return subject, text, _html(paragraphs)


def security_code(code: str, minutes: int) -> Mail:
    """R-REG-11: the code stands alone on its line so it can be copied whole."""
    subject = "ACTIVACIÓN DE CORREO ELECTRÓNICO"
    paragraphs = [
        "Su código de seguridad para el portal Ecuapass es:",
        code,
        f"El código expira en {minutes} minutos y solo puede usarse una vez.",
        "Si usted no solicitó este código, ignore este mensaje.",
    ]
    text = "\n\n".join([*paragraphs, SIGNATURE]) + "\n"
    html = _html(paragraphs).replace(
        f"<p>{code}</p>",
        f'<p style="font-size:24px;font-weight:bold;letter-spacing:3px">{code}</p>',
    )
    return subject, text, html


def welcome(user_id: str, senae_email: str) -> Mail:
    """R-REG-14: states the ID and the SENAE mailbox, never the password."""
    return _mail(
        "Registro exitoso en Ecuapass — Usuario General",
        [
            "Su solicitud de registro para Usuario General fue aprobada.",
            f"ID de usuario: {user_id}",
            f"Correo SENAE: {senae_email}",
            "Ya puede ingresar al portal Ecuapass con su ID de usuario y su contraseña.",
        ],
    )


# Account notices (R-MOD-6, R-MOD-4, R-DEL-2) ---------------------------------------------------

UNKNOWN_ACTION = (
    "Si usted no realizó este cambio, comuníquese de inmediato con el Servicio Nacional de "
    "Aduana del Ecuador."
)


# Mainland Ecuador keeps UTC-5 all year (no daylight saving time).
ECUADOR = timezone(timedelta(hours=-5))


def ecuador_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, ECUADOR).strftime("%d/%m/%Y %H:%M (hora de Ecuador)")


def mask_email(address: str) -> str:
    """``juan.perez@example.com`` -> ``ju***@example.com``: recognisable, not readable."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    return f"{local[:2]}***@{domain}"


def email_replaced(user_id: str, new_address: str, when: str, source_ip: str) -> Mail:
    """R-MOD-6: to the *old* address, which no longer receives the account's mail."""
    return _mail(
        "Ecuapass: su correo electrónico fue reemplazado",
        [
            f"El correo electrónico personal del usuario {user_id} en el portal Ecuapass fue "
            f"reemplazado por {mask_email(new_address)}.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            "Desde ahora los avisos de su cuenta se enviarán a la nueva dirección y esta "
            "dirección queda libre.",
            UNKNOWN_ACTION,
        ],
    )


def password_changed(user_id: str, when: str, source_ip: str) -> Mail:
    """R-MOD-4: the other sessions were closed; never the password itself."""
    return _mail(
        "Ecuapass: su contraseña fue cambiada",
        [
            f"La contraseña del usuario {user_id} en el portal Ecuapass fue cambiada.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            "Por seguridad se cerraron las demás sesiones abiertas de su cuenta.",
            UNKNOWN_ACTION,
        ],
    )


def deactivated(user_id: str, when: str, source_ip: str) -> Mail:
    """R-DEL-2: what ending the account means, and how to come back."""
    return _mail(
        "Ecuapass: su usuario fue dado de baja",
        [
            f"El usuario {user_id} del portal Ecuapass fue dado de baja.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            "Ya no podrá ingresar con este usuario. El ID de usuario queda reservado y no "
            "podrá volver a usarse.",
            "Su documento de identificación y este correo electrónico quedan libres: si lo "
            "necesita, puede registrar un nuevo usuario con ellos en «Nuevo Registro».",
            UNKNOWN_ACTION,
        ],
    )
