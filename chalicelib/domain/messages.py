"""Spanish mail texts. Each returns (subject, text, html); never a password, hash or token
other than the one the mail exists to deliver."""

from __future__ import annotations

from html import escape

from chalicelib.domain.clock import DAY, HOUR, MINUTE

Mail = tuple[str, str, str]

SIGNATURE = "Servicio Nacional de Aduana del Ecuador — Ecuapass"


def _html(paragraphs: list[str], links: tuple[str, ...] = ()) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    for link in links:
        # A link stands on a paragraph of its own, so the whole paragraph becomes the anchor.
        body = body.replace(
            f"<p>{escape(link)}</p>", f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
        )
    return (
        '<!doctype html><html lang="es"><body style="font-family:Arial,sans-serif">'
        f"{body}<p><small>{escape(SIGNATURE)}</small></p></body></html>"
    )


def _mail(subject: str, paragraphs: list[str], links: tuple[str, ...] = ()) -> Mail:
    text = "\n\n".join([*paragraphs, SIGNATURE]) + "\n"
    return subject, text, _html(paragraphs, links)


def security_code(code: str, lifetime: str) -> Mail:
    """R-REG-11: the code stands alone on its line so it can be copied whole; `lifetime` is the
    configured one in words (`lifetime()`: "1 minuto", "15 minutos")."""
    subject = "ACTIVACIÓN DE CORREO ELECTRÓNICO"
    paragraphs = [
        "Su código de seguridad para el portal Ecuapass es:",
        code,
        f"El código expira en {lifetime} y solo puede usarse una vez.",
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


def mask_email(address: str, *, keep: int = 2) -> str:
    """``juan.perez@example.com`` -> ``ju***@example.com``: recognisable, not readable. The logs
    keep one character (enough to tell mailboxes apart in support), the mails two."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    return f"{local[:keep]}***@{domain}"


def lifetime(seconds: int) -> str:
    """How long a link lives, in words (R-HARD-9): in days or hours when it is a whole number
    of them, else in whole minutes (rounded down) or seconds, so never more than it is."""
    if seconds >= DAY and seconds % DAY == 0:
        count, one, many = seconds // DAY, "día", "días"
    elif seconds >= HOUR and seconds % HOUR == 0:
        count, one, many = seconds // HOUR, "hora", "horas"
    elif seconds >= MINUTE:
        count, one, many = seconds // MINUTE, "minuto", "minutos"
    else:
        count, one, many = seconds, "segundo", "segundos"
    return f"{count} {one if count == 1 else many}"


SUBJECT_EMAIL_REPLACED = "Ecuapass: su correo electrónico fue reemplazado"


def email_replaced(
    user_id: str,
    new_address: str,
    when: str,
    source_ip: str,
    *,
    undo_link: str | None = None,
    undo_lifetime: str = "",
) -> Mail:
    """R-MOD-6: to the *old* address, which no longer receives the account's mail; with the
    one-time link that undoes the change (R-HARD-9)."""
    paragraphs = [
        f"El correo electrónico personal del usuario {user_id} en el portal Ecuapass fue "
        f"reemplazado por {mask_email(new_address)}.",
        f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
        "Desde ahora los avisos de su cuenta se enviarán a la nueva dirección y esta "
        "dirección queda libre.",
    ]
    if undo_link is None:
        return _mail(SUBJECT_EMAIL_REPLACED, [*paragraphs, UNKNOWN_ACTION])
    paragraphs += [
        "Si usted NO hizo este cambio, restablezca su correo anterior con el siguiente enlace "
        f"(sirve una sola vez y vence en {undo_lifetime}):",
        undo_link,
        "Al usarlo, este correo vuelve a ser el de su cuenta, se cierran todas las sesiones "
        "abiertas (también la de quien hizo el cambio) y, antes de volver a ingresar, deberá "
        "crear una contraseña nueva con «¿Olvidó su contraseña?»; el código llegará a este correo.",
        "No reenvíe este mensaje: el enlace funciona para quien lo tenga. Si usted sí hizo el "
        "cambio, ignore este mensaje.",
    ]
    return _mail(SUBJECT_EMAIL_REPLACED, paragraphs, (undo_link,))


def _recover_now(recover_link: str) -> list[str]:
    return [
        "Si usted no realizó este cambio, cree de inmediato una contraseña nueva con "
        "«¿Olvidó su contraseña?» (el código llegará a este correo) y comuníquese con el "
        "Servicio Nacional de Aduana del Ecuador:",
        recover_link,
    ]


def password_changed(
    user_id: str, when: str, source_ip: str, *, recover_link: str | None = None
) -> Mail:
    """R-MOD-4: the other sessions were closed; never the password itself."""
    paragraphs = [
        f"La contraseña del usuario {user_id} en el portal Ecuapass fue cambiada.",
        f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
        "Por seguridad se cerraron las demás sesiones abiertas de su cuenta.",
    ]
    if recover_link is None:
        return _mail("Ecuapass: su contraseña fue cambiada", [*paragraphs, UNKNOWN_ACTION])
    return _mail(
        "Ecuapass: su contraseña fue cambiada",
        [*paragraphs, *_recover_now(recover_link)],
        (recover_link,),
    )


# Password recovery and take-over notices (R-HARD-9) -------------------------------------------


def recovery_code(user_id: str, code: str, lifetime: str, when: str, source_ip: str) -> Mail:
    """The recovery code, alone on its line as in R-REG-11's mail, and the ID (a person who
    forgot it asked by e-mail)."""
    subject = "RECUPERACIÓN DE CONTRASEÑA"
    paragraphs = [
        f"Recibimos una solicitud para crear una contraseña nueva para el usuario {user_id} del "
        "portal Ecuapass. Su código de seguridad es:",
        code,
        f"El código expira en {lifetime} y solo puede usarse una vez. Nadie del Servicio "
        "Nacional de Aduana del Ecuador le pedirá este código.",
        f"Solicitud recibida el {when} desde la dirección IP {source_ip}.",
        "Si usted no solicitó este código, ignore este mensaje: su contraseña no cambiará.",
    ]
    text = "\n\n".join([*paragraphs, SIGNATURE]) + "\n"
    html = _html(paragraphs).replace(
        f"<p>{code}</p>",
        f'<p style="font-size:24px;font-weight:bold;letter-spacing:3px">{code}</p>',
    )
    return subject, text, html


def password_recovered(user_id: str, when: str, source_ip: str, *, recover_link: str) -> Mail:
    return _mail(
        "Ecuapass: su contraseña fue restablecida",
        [
            f"La contraseña del usuario {user_id} en el portal Ecuapass fue restablecida con un "
            "código de seguridad enviado a este correo.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            "Por seguridad se cerraron todas las sesiones abiertas de su cuenta y se levantó "
            "cualquier bloqueo por intentos fallidos.",
            "Si usted no lo hizo, alguien más puede leer este correo electrónico: cambie primero "
            "la contraseña de su correo, luego cree otra contraseña para Ecuapass con «¿Olvidó "
            "su contraseña?» y comuníquese con el Servicio Nacional de Aduana del Ecuador:",
            recover_link,
        ],
        (recover_link,),
    )


def account_locked(
    user_id: str, when: str, source_ip: str, *, failures: int, minutes: int, recover_link: str
) -> Mail:
    unit = "minuto" if minutes == 1 else "minutos"
    return _mail(
        "Ecuapass: su cuenta fue bloqueada temporalmente",
        [
            f"El ingreso al usuario {user_id} del portal Ecuapass quedó bloqueado durante "
            f"{minutes} {unit} después de {failures} intentos fallidos de contraseña.",
            f"Fecha y hora: {when}. Dirección IP del último intento: {source_ip}.",
            "Si fue usted, espere a que termine el bloqueo, o cree una contraseña nueva con "
            "«¿Olvidó su contraseña?»: hacerlo también levanta el bloqueo.",
            "Si no fue usted, alguien intentó adivinar su contraseña. Su cuenta sigue protegida; "
            "le recomendamos crear una contraseña nueva que no use en otros sitios:",
            recover_link,
        ],
        (recover_link,),
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


def email_restored(user_id: str, when: str, source_ip: str, *, recover_link: str) -> Mail:
    """To the restored address: what the undo did and the next step."""
    return _mail(
        "Ecuapass: su correo electrónico fue restablecido",
        [
            f"El correo electrónico personal del usuario {user_id} en el portal Ecuapass volvió "
            "a ser esta dirección, con el enlace enviado a este correo.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            "Se cerraron todas las sesiones abiertas de su cuenta. Para volver a ingresar, cree "
            "una contraseña nueva con «¿Olvidó su contraseña?»; el código llegará a este correo:",
            recover_link,
            "Si usted no usó el enlace, alguien más puede leer este correo: cambie la contraseña "
            "de su correo y comuníquese con el Servicio Nacional de Aduana del Ecuador.",
        ],
        (recover_link,),
    )


def email_change_confirmed(user_id: str, when: str, source_ip: str) -> Mail:
    """R-HARD-9: to an address whose undo link the confirmation voided."""
    return _mail(
        "Ecuapass: se confirmó el cambio de su correo electrónico",
        [
            f"Desde la cuenta del usuario {user_id} en el portal Ecuapass, con su contraseña, se "
            "confirmó el cambio del correo electrónico personal. El enlace para restablecer el "
            "correo anterior que se envió a esta dirección ya no funciona.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            "Si usted no lo confirmó, alguien conoce su contraseña y tomó su cuenta: "
            "comuníquese de inmediato con el Servicio Nacional de Aduana del Ecuador.",
        ],
    )


def email_change_undone(user_id: str, restored: str, when: str, source_ip: str) -> Mail:
    """To the address the undo removed: it no longer receives the account's mail."""
    return _mail(
        "Ecuapass: este correo ya no está asociado a su cuenta",
        [
            f"El cambio del correo electrónico personal del usuario {user_id} en el portal "
            f"Ecuapass fue deshecho con el enlace enviado al correo anterior "
            f"({mask_email(restored)}). Esta dirección ya no recibirá los avisos de la cuenta.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            "Si usted no usó ese enlace y el correo anterior ya no es suyo o no es seguro, "
            "alguien que lo lee puede estar tomando su cuenta: comuníquese de inmediato con el "
            "Servicio Nacional de Aduana del Ecuador.",
        ],
    )


# The second factor (R-SEC-2) -------------------------------------------------------------------

_TOTP_NOT_YOU = (
    "Si usted no lo hizo, alguien conoce su contraseña: cree de inmediato una contraseña nueva "
    "con «¿Olvidó su contraseña?» y comuníquese con el Servicio Nacional de Aduana del Ecuador."
)


def totp_enabled(user_id: str, when: str, source_ip: str) -> Mail:
    return _mail(
        "Ecuapass: se activó el segundo factor de su cuenta",
        [
            f"El usuario {user_id} del portal Ecuapass tiene ahora un segundo factor: para "
            "ingresar se pedirá, además de la contraseña, el código de su aplicación de "
            "autenticación o uno de sus códigos de recuperación.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            "Guarde sus códigos de recuperación en un lugar seguro: son la forma de ingresar si "
            "pierde su teléfono.",
            _TOTP_NOT_YOU,
        ],
    )


def totp_disabled(user_id: str, when: str, source_ip: str) -> Mail:
    return _mail(
        "Ecuapass: se desactivó el segundo factor de su cuenta",
        [
            f"El segundo factor del usuario {user_id} del portal Ecuapass fue desactivado con "
            "la contraseña y un código. Desde ahora basta la contraseña para ingresar.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            _TOTP_NOT_YOU,
        ],
    )


def totp_removed_by_desk(user_id: str, when: str, ticket: str) -> Mail:
    return _mail(
        "Ecuapass: la mesa de ayuda retiró el segundo factor de su cuenta",
        [
            f"A pedido registrado con la referencia {ticket}, la mesa de ayuda del Servicio "
            f"Nacional de Aduana del Ecuador retiró el segundo factor del usuario {user_id} del "
            "portal Ecuapass. Desde ahora basta la contraseña para ingresar; puede activar un "
            "segundo factor nuevo en «Seguridad de la cuenta».",
            f"Fecha y hora: {when}.",
            "Si usted no lo pidió, comuníquese de inmediato con el Servicio Nacional de Aduana "
            "del Ecuador.",
        ],
    )


def recovery_code_used(user_id: str, when: str, source_ip: str, *, left: int) -> Mail:
    unit = "código" if left == 1 else "códigos"
    return _mail(
        "Ecuapass: se ingresó con un código de recuperación",
        [
            f"Se ingresó al usuario {user_id} del portal Ecuapass con uno de sus códigos de "
            f"recuperación, que ya no puede usarse otra vez. Le quedan {left} {unit}.",
            f"Fecha y hora: {when}. Dirección IP: {source_ip}.",
            "Si perdió su teléfono, desactive el segundo factor y actívelo de nuevo en "
            "«Seguridad de la cuenta» para obtener códigos nuevos.",
            _TOTP_NOT_YOU,
        ],
    )
