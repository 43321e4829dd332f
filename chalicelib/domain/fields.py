"""Field rules R-REG-1 … R-REG-10, shared by registration and modification.

Each `check_*` function takes the normalised value and returns a Spanish message saying how to
fix it, or None when the value is acceptable. Each `normalise_*` function is idempotent. Neither
ever raises for any string input: a validator that raised would turn bad input into a 500.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from stdnum.ec import ci, ruc
from stdnum.exceptions import InvalidChecksum, ValidationError

from chalicelib.domain import catalogs
from chalicelib.domain.passwords import is_common_password

if TYPE_CHECKING:
    from email_validator import ValidatedEmail

Problem = str | None

DOCUMENT_TYPES = ("RUC", "CEDULA", "PASAPORTE")
# The types with official check digits and structure (R-REG-2); a passport has none.
CHECKED_DOCUMENTS = ("RUC", "CEDULA")
REQUIRED = "Este campo es obligatorio."

_USER_ID = re.compile(r"[a-z0-9][a-z0-9._-]{3,19}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_NAME_CHARS = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ' .-]+")
_LETTER = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]")
# [0-9], not \d: \d also matches Arabic-Indic, full-width and other Unicode digits (R-REG-7 … 9).
_PHONE = re.compile(r"0[0-9]{8,13}")
_MOBILE = re.compile(r"09[0-9]{8,12}")
_FAX = re.compile(r"[0-9]{1,14}")
_SEPARATORS = re.compile(r"[\s\-.]")


def collapse_spaces(value: str) -> str:
    return " ".join(value.split())


def _has_control_chars(value: str) -> bool:
    return any(unicodedata.category(c) in {"Cc", "Cf"} for c in value)


# R-REG-1 -------------------------------------------------------------------------------------


def normalise_user_id(value: str) -> str:
    return value.strip().lower()


def check_user_id(user_id: str) -> Problem:
    if not user_id:
        return REQUIRED
    if not 4 <= len(user_id) <= 20:
        return "El ID de usuario debe tener entre 4 y 20 caracteres."
    if not _USER_ID.fullmatch(user_id):
        return (
            "Use solo letras sin tildes (a-z), números y los signos . _ -, empezando con una "
            "letra o un número."
        )
    if user_id.endswith(".") or ".." in user_id:
        return "El ID de usuario no puede terminar en punto ni tener dos puntos seguidos."
    return None


# R-REG-2 -------------------------------------------------------------------------------------


def normalise_document_number(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def check_document_type(document_type: str) -> Problem:
    if not document_type:
        return REQUIRED
    if document_type not in DOCUMENT_TYPES:
        return "Seleccione un tipo de documento de la lista: RUC, Cédula de Identidad o Pasaporte."
    return None


def check_document_number(document_type: str, number: str) -> Problem:
    """Structure and check digits; INVALID_DOCUMENT when this fails for a cédula or RUC."""
    if not number:
        return REQUIRED
    if document_type == "CEDULA":
        if not (number.isascii() and number.isdigit() and len(number) == 10):
            return "La cédula debe tener 10 dígitos."
        if not ci.is_valid(number):
            return "El número de cédula no es válido. Revise los dígitos ingresados."
    elif document_type == "RUC":
        if not (number.isascii() and number.isdigit() and len(number) == 13):
            return "El RUC debe tener 13 dígitos."
        if not _is_valid_ruc(number):
            return "El número de RUC no es válido. Revise los dígitos ingresados."
    elif document_type == "PASAPORTE" and not _PASSPORT.fullmatch(number):
        return "El pasaporte debe tener entre 5 y 20 letras o números."
    return None


def _is_valid_ruc(number: str) -> bool:
    try:
        ruc.validate(number)
    except InvalidChecksum:
        # SRI has issued real company RUCs (third digit 9) whose check digit follows no
        # modulus-11 rule (python-stdnum #290, #497): accept a sound structure (R-REG-2).
        return number[2] == "9" and number[-3:] != "000"
    except ValidationError:
        return False
    return True


# R-REG-3 -------------------------------------------------------------------------------------


def normalise_name(value: str) -> str:
    return collapse_spaces(unicodedata.normalize("NFC", value))


def check_name(name: str) -> Problem:
    if not name:
        return REQUIRED
    if not 3 <= len(name) <= 100:
        return "El nombre debe tener entre 3 y 100 caracteres."
    if not _NAME_CHARS.fullmatch(name) or not _LETTER.search(name):
        return "Ingrese nombres y apellidos solo con letras, espacios y los signos ' - ."
    return None


# R-REG-4 -------------------------------------------------------------------------------------

# The longest password of any route (R-REG-4, R-HARD-7): a longer one is refused before argon2
# sees it, so that nobody can make the service hash kilobytes on every try.
PASSWORD_MAX = 128
PASSWORD_TOO_LONG = f"La contraseña no puede tener más de {PASSWORD_MAX} caracteres."


def password_too_long(password: str) -> Problem:
    return PASSWORD_TOO_LONG if len(password) > PASSWORD_MAX else None


def check_password(password: str, *, user_id: str = "", document_number: str = "") -> Problem:
    if not password:
        return REQUIRED
    if len(password) < 8:
        return "La contraseña debe tener al menos 8 caracteres."
    if len(password) > PASSWORD_MAX:
        return PASSWORD_TOO_LONG
    if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        return "La contraseña debe contener letras y números."
    lowered = password.lower()
    if user_id and lowered == user_id.lower():
        return "La contraseña no puede ser igual al ID de usuario."
    if document_number and lowered == document_number.lower():
        return "La contraseña no puede ser igual al número de documento."
    if is_common_password(password):
        return "Esa contraseña es demasiado común y fácil de adivinar. Elija otra."
    return None


def check_confirmation(value: str, confirmation: str, *, what: str) -> Problem:
    if not confirmation:
        return REQUIRED
    if value != confirmation:
        return f"La confirmación no coincide con {what}."
    return None


# R-REG-5 -------------------------------------------------------------------------------------


def check_country(country: str) -> Problem:
    if not country:
        return REQUIRED
    if not catalogs.is_country(country):
        return "Seleccione un país de la lista."
    return None


def check_location(country: str, province: str, city: str) -> dict[str, str]:
    """Province and city are required for Ecuador and must be empty elsewhere."""
    problems: dict[str, str] = {}
    if country != "EC":
        if province:
            problems["province"] = "La provincia solo se indica cuando el país es Ecuador."
        if city:
            problems["city"] = "La ciudad solo se indica cuando el país es Ecuador."
        return problems
    if not province:
        problems["province"] = REQUIRED
    elif not catalogs.is_province(province):
        problems["province"] = "Seleccione una provincia de la lista."
    if not city:
        problems["city"] = REQUIRED
    elif "province" not in problems and not catalogs.is_city(province, city):
        problems["city"] = "Seleccione una ciudad de la provincia elegida."
    return problems


# R-REG-6 -------------------------------------------------------------------------------------


def normalise_text(value: str) -> str:
    return collapse_spaces(value)


def check_address(address: str) -> Problem:
    if not address:
        return REQUIRED
    if not 5 <= len(address) <= 200:
        return "La dirección debe tener entre 5 y 200 caracteres."
    if _has_control_chars(address):
        return "La dirección contiene caracteres no permitidos."
    return None


# R-REG-7 … R-REG-9 ---------------------------------------------------------------------------


def normalise_digits(value: str) -> str:
    return re.sub(r"[\s\-()]", "", value)


def check_phone(phone: str, *, required: bool) -> Problem:
    if not phone:
        return REQUIRED if required else None
    if not _PHONE.fullmatch(phone):
        return "Ingrese solo números, con el código de área (0XXXXXXXX), de 9 a 14 dígitos."
    return None


def check_mobile(operator: str, mobile: str) -> dict[str, str]:
    """Operator and number go together (R-REG-8)."""
    problems: dict[str, str] = {}
    if operator and not catalogs.is_mobile_operator(operator):
        problems["mobile_operator"] = "Seleccione una operadora de la lista."
    if mobile and not _MOBILE.fullmatch(mobile):
        problems["mobile"] = "Ingrese el celular solo con números, en formato 09XXXXXXXX."
    if operator and not mobile:
        problems["mobile"] = "Ingrese el número de celular de la operadora elegida."
    if mobile and not operator:
        problems["mobile_operator"] = "Seleccione la operadora del celular."
    return problems


def check_fax(fax: str) -> Problem:
    if fax and not _FAX.fullmatch(fax):
        return "Ingrese el fax solo con números, hasta 14 dígitos."
    return None


# R-REG-10 ------------------------------------------------------------------------------------


INVALID_EMAIL = "Ingrese un correo electrónico válido, por ejemplo nombre@dominio.com."
NON_ASCII_LOCAL_PART = (
    "El correo electrónico no puede tener tildes, eñes ni otros caracteres especiales antes de "
    "la @: no podríamos enviarle mensajes. Use una dirección escrita antes de la @ solo con "
    "letras sin tildes (a-z), números y los signos . _ - +."
)


def _validated(address: str) -> ValidatedEmail | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None


def normalise_email(value: str) -> str:
    """The address as stored and mailed to (R-REG-10, R-HARD-3): the local part as typed (NFC),
    the domain in lower-case IDNA (punycode) ASCII, which SES can deliver to.

    email-validator's UTS-46 mapping folds a Unicode domain and its punycode, full-width letters
    and the ideographic full stop into one ASCII domain. An address it refuses is only trimmed
    and its domain lower-cased, for `check_email` to report.
    """
    value = unicodedata.normalize("NFC", value.strip())
    local, at, domain = value.rpartition("@")
    if not at:
        return value
    checked = _validated(value)
    if checked is None:
        return unicodedata.normalize("NFC", f"{local}@{domain.lower()}")
    return f"{checked.local_part}@{checked.ascii_domain}"


def email_key(email: str) -> str:
    """The one key of an address (R-REG-10, R-HARD-3): compared case-insensitively, by the
    canonical form above; uniqueness (the EMAIL claim) is by this key."""
    return unicodedata.normalize("NFC", normalise_email(email).lower())


def mailbox_key(email: str) -> str:
    """The mailbox an address reaches, ignoring a `+tag` (`ana+1@x.ec` is `ana@x.ec`): the mail
    throttles count by it (R-HARD-3), so that tags do not multiply an address's budget."""
    local, at, domain = email_key(email).rpartition("@")
    return f"{local.partition('+')[0]}@{domain}" if at else local


def check_email(email: str) -> Problem:
    if not email:
        return REQUIRED
    if len(email) > 254 or _has_control_chars(email) or any(c in email for c in "\r\n,;<>"):
        return INVALID_EMAIL
    if _validated(email) is None:
        return INVALID_EMAIL
    if not email.rpartition("@")[0].isascii():
        # SES sends without SMTPUTF8: such an address would never get its code (R-HARD-3).
        return NON_ASCII_LOCAL_PART
    return None


def check_email_confirmation(email: str, confirmation: str) -> Problem:
    if not confirmation:
        return REQUIRED
    if email_key(email) != email_key(confirmation):
        return "La confirmación no coincide con el correo electrónico."
    return None


# R-REG-11 ------------------------------------------------------------------------------------


def normalise_security_code(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()
