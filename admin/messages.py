"""The notices an operator's change mails to the account's owner (R-ADM-2): what was done, when,
by the help desk on which request, and what to do if the owner asked for nothing."""

from __future__ import annotations

# The house layout of every mail (text and HTML, the signature), not a copy of it.
from chalicelib.domain.messages import UNKNOWN_ACTION, Mail
from chalicelib.domain.messages import _mail as _mail

NOT_REQUESTED = (
    "Si usted no hizo esta solicitud, comuníquese de inmediato con la mesa de ayuda del "
    "Servicio Nacional de Aduana del Ecuador e indique el número de solicitud."
)


def _by_the_desk(when: str, ticket: str) -> str:
    return f"Fecha y hora: {when}. Lo hizo la mesa de ayuda, con la solicitud número {ticket}."


def unlocked(user_id: str, when: str, ticket: str) -> Mail:
    return _mail(
        "Ecuapass: se desbloqueó el ingreso a su cuenta",
        [
            f"El bloqueo temporal del usuario {user_id} del portal Ecuapass, causado por varios "
            "intentos fallidos de contraseña, fue levantado. Ya puede ingresar con su ID de "
            "usuario y su contraseña.",
            _by_the_desk(when, ticket),
            "Si no recuerda su contraseña, cree una nueva con «¿Olvidó su contraseña?» en la "
            "página de ingreso.",
            NOT_REQUESTED,
        ],
    )


def deactivated(user_id: str, when: str, ticket: str) -> Mail:
    """As the owner's own deactivation notice (R-DEL-2), done by the help desk."""
    return _mail(
        "Ecuapass: su usuario fue dado de baja",
        [
            f"El usuario {user_id} del portal Ecuapass fue dado de baja a su pedido.",
            _by_the_desk(when, ticket),
            "Ya no podrá ingresar con este usuario. El ID de usuario queda reservado y no "
            "podrá volver a usarse.",
            "Su documento de identificación y este correo electrónico quedan libres: si lo "
            "necesita, puede registrar un nuevo usuario con ellos en «Nuevo Registro».",
            NOT_REQUESTED,
        ],
    )


def erased(user_id: str, when: str, ticket: str) -> Mail:
    """Sent before the erasure (LOPDP Art. 15, R-PRIV-4): afterwards no address is kept to
    tell."""
    return _mail(
        "Ecuapass: sus datos personales serán eliminados",
        [
            f"A su pedido, los datos personales del usuario {user_id} del portal Ecuapass se "
            "eliminan ahora: nombres, documento, dirección, teléfonos, correo electrónico y "
            "contraseña. Este es el último mensaje que recibe de este usuario.",
            _by_the_desk(when, ticket),
            "El usuario queda dado de baja y el ID de usuario reservado: no podrá volver a "
            "usarse. El historial de la cuenta conserva qué se hizo y cuándo, sin direcciones "
            "de red ni navegadores. Su documento y este correo quedan libres: si lo necesita, "
            "puede registrar un nuevo usuario con ellos en «Nuevo Registro».",
            NOT_REQUESTED,
        ],
    )


def corrected(user_id: str, what: str, new_value: str, when: str, ticket: str) -> Mail:
    """A rectification (LOPDP Art. 14): the field and its new value, which the owner may check."""
    return _mail(
        "Ecuapass: se corrigieron los datos de su cuenta",
        [
            f"Por su solicitud de rectificación, en el usuario {user_id} del portal Ecuapass se "
            f"corrigió {what}. El nuevo valor es: {new_value}.",
            _by_the_desk(when, ticket),
            "Puede revisar sus datos ingresando al portal, en «Modificar registro».",
            UNKNOWN_ACTION,
        ],
    )
