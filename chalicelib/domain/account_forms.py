"""Reading the account routes' bodies (R-AUTH-1, R-MOD-2 … R-MOD-6, R-DEL-1).

The field rules are registration's (chalicelib/domain/forms.py and fields.py), called, not
copied (R-MOD-5). Each reader reports every bad field at once, before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors, fields, forms
from chalicelib.domain.forms import Problems
from chalicelib.domain.records import Contact, User

REASON_MIN, REASON_MAX = 10, 500


# Log-in ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginForm:
    user_id: str
    password: str


def read_login(body: Mapping[str, Any]) -> LoginForm:
    problems = Problems()
    user_id = forms.read_text(body, "user_id", problems, fields.normalise_user_id)
    password = forms.read_password_field(body, "password", problems)
    problems.add("user_id", fields.REQUIRED if not user_id else None)
    problems.add("password", fields.REQUIRED if not password else None)
    problems.raise_if_any()
    return LoginForm(user_id, password)


def read_password(body: Mapping[str, Any], name: str) -> str:
    problems = Problems()
    password = forms.read_password_field(body, name, problems)
    problems.add(name, fields.REQUIRED if not password else None)
    problems.raise_if_any()
    return password


# Modify (PUT /v1/account) ----------------------------------------------------------------------

LOCKED_MESSAGES = {
    "user_id": "El ID de usuario no se puede modificar. Para usar otro ID, dé de baja esta "
    "cuenta y registre un nuevo usuario.",
    "document_type": "El tipo de documento no se puede modificar. Para usar otro documento, dé "
    "de baja esta cuenta y registre un nuevo usuario.",
    "document_number": "El número de documento no se puede modificar. Para usar otro documento, "
    "dé de baja esta cuenta y registre un nuevo usuario.",
    "senae_email": "El correo SENAE se asigna con el ID de usuario y no se puede modificar.",
}

_LOCKED_NORMALISERS: dict[str, Callable[[str], str]] = {
    "user_id": fields.normalise_user_id,
    "document_type": lambda v: v.strip().upper(),
    "document_number": fields.normalise_document_number,
    "senae_email": fields.email_key,
}


@dataclass(frozen=True)
class PasswordChange:
    current: str
    new: str


@dataclass(frozen=True)
class AccountUpdateForm:
    version: int
    contact: Contact
    # None: the address stays (keep_email, or the same address given again).
    email: str | None
    security_code: str
    password: PasswordChange | None


def refuse_locked_fields(body: Mapping[str, Any], user: User) -> None:
    """R-MOD-2: a locked field sent with another value; unchanged or empty is harmless."""
    stored = {
        "user_id": user.user_id,
        "document_type": user.document_type,
        "document_number": user.document_number,
        "senae_email": fields.email_key(user.senae_email),
    }
    refused: dict[str, str] = {}
    for name, normalise in _LOCKED_NORMALISERS.items():
        value = body.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str) or normalise(value) != stored[name]:
            refused[name] = LOCKED_MESSAGES[name]
    if refused:
        raise errors.FieldNotModifiable(fields=refused)


def _read_version(body: Mapping[str, Any], problems: Problems) -> int:
    value = body.get("version")
    if value is None:
        problems.add("version", fields.REQUIRED)
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add("version", "Valor no válido: debe ser el número de versión leído.")
        return 0
    return value


def _location_cleared_outside_ecuador(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """R-MOD-5: province and city exist only for Ecuador, so another country clears them.

    A form that switched the country away from Ecuador may still send the old province and
    city; they are dropped rather than refused.
    """
    country = body.get("country")
    if isinstance(country, str) and country.strip().upper() != "EC":
        return {**body, "province": None, "city": None}
    return body


def _read_password_change(
    body: Mapping[str, Any], user: User, problems: Problems
) -> PasswordChange | None:
    """R-MOD-4. Asked for by a new password; the current one alone (verified earlier with the
    form's button and sent along) changes nothing."""
    # Both read through the one password reader, so an over-long current password is refused
    # even when no new one is given (it is never verified then, but it is malformed).
    current = forms.read_password_field(body, "current_password", problems)
    new, confirmation = forms.read_new_password(
        body,
        problems,
        "new_password",
        what="la nueva contraseña",
        user_id=user.user_id,
        document_number=user.document_number,
        optional=True,
    )
    if not (new or confirmation):
        return None
    problems.add("current_password", fields.REQUIRED if not current else None)
    if new and new == current:
        problems.add("new_password", "La nueva contraseña debe ser distinta de la actual.")
    return PasswordChange(current, new)


def read_account_update(body: Mapping[str, Any], user: User) -> AccountUpdateForm:
    """Locked fields first (FIELD_NOT_MODIFIABLE), then every field rule at once."""
    form, problems = read_account_update_form(body, user)
    problems.raise_if_any()
    return form


def read_account_update_form(
    body: Mapping[str, Any], user: User
) -> tuple[AccountUpdateForm, Problems]:
    """The save as read, and its field problems (none raised but FIELD_NOT_MODIFIABLE): the
    refusal adds what the server knows beyond them, in one answer (R-UX-1)."""
    refuse_locked_fields(body, user)
    problems = Problems()
    version = _read_version(body, problems)
    contact = forms.read_contact(_location_cleared_outside_ecuador(body), problems)
    keep_email = forms.read_bool(body, "keep_email", problems, default=False)
    email: str | None = None
    code = ""
    if not keep_email:
        email = forms.read_email_pair(body, problems)
        code = forms.read_text(body, "security_code", problems, fields.normalise_security_code)
        # The current address typed again is a "keep", whatever the radio button said.
        if "email" not in problems and fields.email_key(email) == fields.email_key(user.email):
            email, code = None, ""
    password = _read_password_change(body, user, problems)
    return AccountUpdateForm(version, contact, email, code, password), problems


# Deactivation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeactivationForm:
    reason: str
    password: str


def read_reason(body: Mapping[str, Any], problems: Problems) -> str:
    """R-DEL-1: a deactivation's reason, 10–500 characters (the owner's and an operator's)."""
    reason = forms.read_text(body, "reason", problems, fields.normalise_text)
    if not reason:
        problems.add("reason", fields.REQUIRED)
    elif not REASON_MIN <= len(reason) <= REASON_MAX:
        problems.add("reason", f"Escriba el motivo en {REASON_MIN} a {REASON_MAX} caracteres.")
    elif fields._has_control_chars(reason):
        problems.add("reason", "El motivo contiene caracteres no permitidos.")
    return reason


def read_deactivation(body: Mapping[str, Any]) -> DeactivationForm:
    """R-DEL-1: a reason of 10–500 characters and the password."""
    problems = Problems()
    reason = read_reason(body, problems)
    password = forms.read_password_field(body, "password", problems)
    problems.add("password", fields.REQUIRED if not password else None)
    problems.raise_if_any()
    return DeactivationForm(reason, password)


# The second factor (R-SEC-2) -------------------------------------------------------------------

# A TOTP code has 6 digits, a recovery code 10 characters and a hyphen; anything longer is no
# code, and is refused before any work.
FACTOR_CODE_MAX = 32
CHALLENGE_MAX = 64
CODE_REQUIRED = (
    "Ingrese el código de 6 dígitos de su aplicación de autenticación o un código de recuperación."
)
CODE_TOO_LONG = "El código es demasiado largo: ingrese 6 dígitos o un código de recuperación."
CHALLENGE_REQUIRED = "Falta el paso de ingreso: ingrese nuevamente su ID de usuario y contraseña."


def _read_code(body: Mapping[str, Any], problems: Problems) -> str:
    code = forms.read_text(body, "code", problems)
    problems.add("code", CODE_REQUIRED if not code else None)
    problems.add("code", CODE_TOO_LONG if len(code) > FACTOR_CODE_MAX else None)
    return code


def read_factor_code(body: Mapping[str, Any]) -> str:
    """POST /v1/account/totp/confirmation's `code`."""
    problems = Problems()
    code = _read_code(body, problems)
    problems.raise_if_any()
    return code


@dataclass(frozen=True)
class FactorDeactivationForm:
    password: str
    code: str


def read_factor_deactivation(body: Mapping[str, Any]) -> FactorDeactivationForm:
    problems = Problems()
    password = forms.read_password_field(body, "password", problems)
    problems.add("password", fields.REQUIRED if not password else None)
    code = _read_code(body, problems)
    problems.raise_if_any()
    return FactorDeactivationForm(password, code)


@dataclass(frozen=True)
class CodeStepForm:
    totp_challenge: str
    code: str


def read_code_step(body: Mapping[str, Any]) -> CodeStepForm:
    """POST /v1/sessions/totp: the challenge TOTP_REQUIRED gave and a TOTP or recovery code."""
    problems = Problems()
    challenge = forms.read_text(body, "totp_challenge", problems)
    problems.add("totp_challenge", CHALLENGE_REQUIRED if not challenge else None)
    problems.add("totp_challenge", CHALLENGE_REQUIRED if len(challenge) > CHALLENGE_MAX else None)
    code = _read_code(body, problems)
    problems.raise_if_any()
    return CodeStepForm(challenge, code)
