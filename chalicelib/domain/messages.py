"""Spanish mail texts. Each returns (subject, text, html); never a password, hash or token
other than the one the mail exists to deliver."""

from __future__ import annotations

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
