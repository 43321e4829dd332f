"""Reading request bodies into normalised, checked values, reporting every bad field at once.

Registration and modification share `read_contact` so the rules of R-REG-3 … R-REG-9 exist in
one place (R-MOD-5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors, fields
from chalicelib.domain.records import Contact

WRONG_TYPE = "Valor no válido: debe ser texto."


class Problems(dict[str, str]):
    """Field name -> Spanish message; the first problem found for a field wins."""

    # Set when a cédula or RUC failed its check digit or structure: only that is
    # INVALID_DOCUMENT (api.md); a passport's format, a wrong type or an empty number are not.
    invalid_document: bool = False

    def add(self, name: str, problem: str | None) -> None:
        if problem and name not in self:
            self[name] = problem

    def raise_if_any(self) -> None:
        if self:
            raise self.error()

    def error(self, more: Mapping[str, str] | None = None) -> errors.ApiError:
        """The 400 of these problems; `more` adds what else the server knows of other fields
        (taken values, the code's state, R-UX-1) without changing which code it is."""
        every = {**(more or {}), **self}
        # INVALID_DOCUMENT when the document number's check is the only problem (api.md).
        if set(self) == {"document_number"} and self.invalid_document:
            return errors.InvalidDocument(self["document_number"], fields=every)
        return errors.ValidationFailed(fields=every)


def read_text(
    body: Mapping[str, Any],
    name: str,
    problems: Problems,
    normalise: Callable[[str], str] = str.strip,
) -> str:
    """The field as a normalised string; missing or null reads as ''."""
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.add(name, WRONG_TYPE)
        return ""
    return normalise(value)


def verbatim(value: str) -> str:
    """Passwords are read as typed: spaces and case count."""
    return value


def read_password_field(body: Mapping[str, Any], name: str, problems: Problems) -> str:
    """A password field, verbatim; over fields.PASSWORD_MAX characters it is a problem of the
    field (R-HARD-7). Every reader of a password goes through here, and raises its problems
    before the view hashes or verifies anything, so an over-long one never reaches argon2 nor
    the lock-out gate: it costs no hashing work and tells nothing about the account."""
    password = read_text(body, name, problems, verbatim)
    problems.add(name, fields.password_too_long(password))
    return password


def read_new_password(
    body: Mapping[str, Any],
    problems: Problems,
    name: str,
    *,
    what: str,
    user_id: str,
    document_number: str = "",
    optional: bool = False,
) -> tuple[str, str]:
    """A new password and its confirmation (`<name>_confirmation`), as typed: R-REG-4's rules,
    and the two must match. `optional`: neither given is no problem (no change asked for)."""
    password = read_password_field(body, name, problems)
    confirmation = read_text(body, f"{name}_confirmation", problems, verbatim)
    if optional and not (password or confirmation):
        return password, confirmation
    problems.add(
        name, fields.check_password(password, user_id=user_id, document_number=document_number)
    )
    problems.add(
        f"{name}_confirmation", fields.check_confirmation(password, confirmation, what=what)
    )
    return password, confirmation


def read_bool(body: Mapping[str, Any], name: str, problems: Problems, default: bool) -> bool:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.add(name, "Valor no válido: debe ser verdadero o falso.")
        return default
    return value


def read_user_id(body: Mapping[str, Any], problems: Problems) -> str:
    user_id = read_text(body, "user_id", problems, fields.normalise_user_id)
    problems.add("user_id", fields.check_user_id(user_id))
    return user_id


def read_document(body: Mapping[str, Any], problems: Problems) -> tuple[str, str]:
    document_type = read_text(body, "document_type", problems, lambda v: v.strip().upper())
    number = read_text(body, "document_number", problems, fields.normalise_document_number)
    problems.add("document_type", fields.check_document_type(document_type))
    if "document_type" not in problems:
        problem = fields.check_document_number(document_type, number)
        if "document_number" not in problems and document_type in fields.CHECKED_DOCUMENTS:
            problems.invalid_document = problem not in (None, fields.REQUIRED)
        problems.add("document_number", problem)
    elif not number:
        problems.add("document_number", fields.REQUIRED)
    return document_type, number


def read_email(body: Mapping[str, Any], problems: Problems) -> str:
    """The one address of a code request (R-REG-10, R-MOD-6), normalised and checked."""
    email = read_text(body, "email", problems, fields.normalise_email)
    problems.add("email", fields.check_email(email))
    return email


def read_email_pair(body: Mapping[str, Any], problems: Problems) -> str:
    email = read_text(body, "email", problems, fields.normalise_email)
    confirmation = read_text(body, "email_confirmation", problems, fields.normalise_email)
    problems.add("email", fields.check_email(email))
    problems.add("email_confirmation", fields.check_email_confirmation(email, confirmation))
    return email


def read_contact(body: Mapping[str, Any], problems: Problems) -> Contact:
    upper = lambda v: v.strip().upper()  # noqa: E731
    name = read_text(body, "name", problems, fields.normalise_name)
    country = read_text(body, "country", problems, upper)
    province = read_text(body, "province", problems)
    city = read_text(body, "city", problems)
    address = read_text(body, "address", problems, fields.normalise_text)
    phone1 = read_text(body, "phone1", problems, fields.normalise_digits)
    phone2 = read_text(body, "phone2", problems, fields.normalise_digits)
    operator = read_text(body, "mobile_operator", problems, upper)
    mobile = read_text(body, "mobile", problems, fields.normalise_digits)
    fax = read_text(body, "fax", problems, fields.normalise_digits)

    problems.add("name", fields.check_name(name))
    problems.add("country", fields.check_country(country))
    if "country" not in problems:
        for name_, problem in fields.check_location(country, province, city).items():
            problems.add(name_, problem)
    problems.add("address", fields.check_address(address))
    problems.add("phone1", fields.check_phone(phone1, required=True))
    problems.add("phone2", fields.check_phone(phone2, required=False))
    for name_, problem in fields.check_mobile(operator, mobile).items():
        problems.add(name_, problem)
    problems.add("fax", fields.check_fax(fax))
    return Contact(
        name=name,
        country=country,
        province=province or None,
        city=city or None,
        address=address,
        phone1=phone1,
        phone2=phone2 or None,
        mobile_operator=operator or None,
        mobile=mobile or None,
        fax=fax or None,
    )


@dataclass(frozen=True)
class RegistrationForm:
    user_id: str
    document_type: str
    document_number: str
    password: str
    contact: Contact
    email: str
    security_code: str
    # The privacy notice version the person acknowledged (R-PRIV-2), as sent; the use case
    # compares it with the current one.
    privacy_notice_version: str = ""


def read_registration(body: Mapping[str, Any]) -> RegistrationForm:
    """Every field rule of R-REG-1 … R-REG-10; raises with every bad field at once."""
    form, problems = read_registration_form(body)
    problems.raise_if_any()
    return form


def read_registration_form(body: Mapping[str, Any]) -> tuple[RegistrationForm, Problems]:
    """The form as read and its field problems, for a use case that adds what only the
    store can tell to the same answer (R-UX-1)."""
    problems = Problems()
    user_id = read_user_id(body, problems)
    document_type, number = read_document(body, problems)
    contact = read_contact(body, problems)
    password, _ = read_new_password(
        body, problems, "password", what="la contraseña", user_id=user_id, document_number=number
    )
    email = read_email_pair(body, problems)
    code = read_text(body, "security_code", problems, fields.normalise_security_code)
    notice_version = read_text(body, "privacy_notice_version", problems)
    form = RegistrationForm(
        user_id, document_type, number, password, contact, email, code, notice_version
    )
    return form, problems
