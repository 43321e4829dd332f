"""Field rules R-REG-1 … R-REG-10 (chalicelib/domain/fields.py), with no AWS at all."""

from __future__ import annotations

import pytest

from chalicelib.domain import errors, fields, forms
from chalicelib.domain.fields import REQUIRED
from tests.helpers import SAME_ADDRESS

# R-REG-1 ID.usuario ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["juan.p", "Juan.P", "  JUAN_P-1 ", "1abc", "abcd", "a" * 20, "m.lopez-2026_ec", "9to5"],
)
def test_user_id_accepts_valid_ids_after_normalising(raw: str) -> None:
    assert fields.check_user_id(fields.normalise_user_id(raw)) is None


def test_user_id_is_compared_case_insensitively_and_stored_lower_case() -> None:
    assert fields.normalise_user_id("Juan.P") == fields.normalise_user_id("juan.p") == "juan.p"
    assert fields.normalise_user_id("  MARIA.LOPEZ ") == "maria.lopez"


def test_user_id_normalisation_is_idempotent() -> None:
    once = fields.normalise_user_id("  Juan.P ")
    assert fields.normalise_user_id(once) == once


@pytest.mark.parametrize(
    "raw",
    [
        "abc",  # 3 characters
        "a" * 21,
        ".juan",
        "_juan",
        "-juan",
        "juan.",
        "juan..p",
        "juan p",
        "josé.p",
        "juan@p",
        "juan+p",
        "juan/p",
        "ju\u00a0an",
    ],
)
def test_user_id_refuses_what_is_not_a_mail_local_part(raw: str) -> None:
    problem = fields.check_user_id(fields.normalise_user_id(raw))
    assert problem and problem != REQUIRED


def test_user_id_is_required() -> None:
    assert fields.check_user_id(fields.normalise_user_id("   ")) == REQUIRED


# R-REG-2 Doc. Identificación -------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1710034065", "0926687856", "0102030400"])
def test_cedula_accepts_numbers_passing_modulus_10(number: str) -> None:
    assert fields.check_document_number("CEDULA", number) is None


@pytest.mark.parametrize(
    "number",
    [
        "1710034066",  # check digit off by one
        "2510034065",  # province 25 does not exist
        "1770034065",  # third digit 7 is not a person's
        "171003406",  # 9 digits
        "17100340651",  # 11 digits
        "17100340AB",
        "１７１００３４０６５",  # full-width digits are not the 10 digits of a cédula
    ],
)
def test_cedula_refuses_bad_check_digit_or_structure(number: str) -> None:
    assert fields.check_document_number("CEDULA", number) not in (None, REQUIRED)


def test_document_number_is_normalised_without_separators_and_upper_cased() -> None:
    assert fields.normalise_document_number(" 171003406-5 ") == "1710034065"
    assert fields.normalise_document_number("17.1003.4065") == "1710034065"
    assert fields.normalise_document_number("ab 12.34-56") == "AB123456"


@pytest.mark.parametrize(
    "number",
    [
        "1710034065001",  # natural person: cédula + establishment 001
        "1790011674001",  # company (third digit 9), modulus 11
        "1760001550001",  # public entity (third digit 6)
        "0992397535001",  # Guayaquil company
    ],
)
def test_ruc_accepts_valid_numbers(number: str) -> None:
    assert fields.check_document_number("RUC", number) is None


def test_ruc_accepts_sri_company_ruc_whose_check_digit_follows_no_rule() -> None:
    """python-stdnum #290/#497: SRI issued 0993370026001, which fails modulus 11 (R-REG-2)."""
    from stdnum.ec import ruc

    assert not ruc.is_valid("0993370026001")
    assert fields.check_document_number("RUC", "0993370026001") is None


@pytest.mark.parametrize(
    "number",
    [
        "0993370026000",  # company with establishment 000
        "0973370026001",  # third digit 7: no kind of RUC
        "2593370026001",  # province 25
        "1710034066001",  # natural person whose cédula fails modulus 10
        "1710034065000",  # natural person with establishment 000
        "099337002600",  # 12 digits
        "09933700260011",  # 14 digits
        "09933700260A1",
    ],
)
def test_ruc_refuses_structurally_bad_numbers(number: str) -> None:
    assert fields.check_document_number("RUC", number) not in (None, REQUIRED)


@pytest.mark.parametrize("number", ["AB123", "X1234567", "PASAPORTE2026", "A" * 20, "12345"])
def test_passport_accepts_5_to_20_letters_and_digits(number: str) -> None:
    assert fields.check_document_number("PASAPORTE", number) is None


@pytest.mark.parametrize("number", ["AB12", "A" * 21, "AB12Ñ3", "AB_1234", "AB 1234"])
def test_passport_refuses_other_lengths_and_characters(number: str) -> None:
    assert fields.check_document_number("PASAPORTE", number) not in (None, REQUIRED)


def test_passport_is_upper_cased() -> None:
    number = fields.normalise_document_number("ab123456")
    assert number == "AB123456"
    assert fields.check_document_number("PASAPORTE", number) is None


@pytest.mark.parametrize("document_type", ["RUC", "CEDULA", "PASAPORTE"])
def test_document_type_accepts_the_three_types(document_type: str) -> None:
    assert fields.check_document_type(document_type) is None


def test_document_type_refuses_others_and_requires_a_value() -> None:
    assert fields.check_document_type("DNI") not in (None, REQUIRED)
    assert fields.check_document_type("") == REQUIRED
    assert fields.check_document_number("CEDULA", "") == REQUIRED


def test_bad_cedula_alone_is_invalid_document() -> None:
    with pytest.raises(errors.InvalidDocument) as caught:
        check_document({"document_type": "CEDULA", "document_number": "1710034066"})
    assert set(caught.value.fields) == {"document_number"}


def test_bad_ruc_alone_is_invalid_document() -> None:
    with pytest.raises(errors.InvalidDocument):
        check_document({"document_type": "RUC", "document_number": "0973370026001"})


def test_malformed_passport_is_a_validation_error_not_invalid_document() -> None:
    """api.md: INVALID_DOCUMENT is a cédula/RUC failing its check; a passport has none."""
    with pytest.raises(errors.ValidationFailed) as caught:
        check_document({"document_type": "PASAPORTE", "document_number": "AB1"})
    assert set(caught.value.fields) == {"document_number"}


def test_wrongly_typed_document_number_is_a_validation_error() -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        check_document({"document_type": "CEDULA", "document_number": 1710034065})
    assert caught.value.fields == {"document_number": forms.WRONG_TYPE}


def test_missing_document_number_is_a_validation_error() -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        check_document({"document_type": "CEDULA"})
    assert caught.value.fields == {"document_number": REQUIRED}


def check_document(body: dict[str, object]) -> tuple[str, str]:
    problems = forms.Problems()
    document = forms.read_document(body, problems)
    problems.raise_if_any()
    return document


# R-REG-3 Nombre Usuario ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["José Pérez", "María José Ñúñez Castañeda", "O'Brien-Smith Jr.", "Ana", "Ángel Güemes"],
)
def test_name_accepts_letters_with_accents_spaces_and_punctuation(raw: str) -> None:
    assert fields.check_name(fields.normalise_name(raw)) is None


def test_name_collapses_whitespace_and_composes_accents() -> None:
    assert fields.normalise_name("  María   José\tÑúñez ") == "María José Ñúñez"
    decomposed = "Jose\u0301 Pe\u0301rez"
    assert fields.normalise_name(decomposed) == "José Pérez"
    assert fields.check_name(fields.normalise_name(decomposed)) is None


@pytest.mark.parametrize("raw", ["Jo", "a" * 101, "Juan2 Pérez", "Juan_Pérez", "...", "- '", "J@n"])
def test_name_refuses_wrong_length_digits_and_symbols(raw: str) -> None:
    assert fields.check_name(fields.normalise_name(raw)) not in (None, REQUIRED)


def test_name_length_bounds_are_3_and_100() -> None:
    assert fields.check_name("Ana") is None
    assert fields.check_name("A" * 100) is None
    assert fields.check_name("   ".strip()) == REQUIRED


# R-REG-4 Contraseña ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["Clave2026segura", "aduana2026", "x1y2z3w4", "Ñandú2026", "a1" * 64]
)
def test_password_accepts_8_to_128_with_letters_and_digits(password: str) -> None:
    assert fields.check_password(password, user_id="juan.p", document_number="1710034065") is None


@pytest.mark.parametrize(
    "password",
    [
        "abc1234",  # 7 characters
        "abcdefghij",  # no digit
        "1234567890",  # no letter
        "a1" * 64 + "x",  # 129 characters
        "        ",
    ],
)
def test_password_refuses_short_long_or_not_alphanumeric(password: str) -> None:
    assert fields.check_password(password) not in (None, REQUIRED)


def test_password_must_not_equal_the_id_in_any_case() -> None:
    assert fields.check_password("Juan2026x", user_id="juan2026x") is not None
    assert fields.check_password("Juan2026x", user_id="maria2026") is None


def test_password_must_not_equal_the_document_number() -> None:
    assert fields.check_password("ab1234567", document_number="AB1234567") is not None
    assert fields.check_password("ab1234567", document_number="AB7654321") is None


@pytest.mark.parametrize(
    "password", ["password1", "PASSWORD1", "Passw0rd", "qwerty123", "1q2w3e4r"]
)
def test_password_refuses_common_passwords_in_any_case(password: str) -> None:
    assert fields.check_password(password) == (
        "Esa contraseña es demasiado común y fácil de adivinar. Elija otra."
    )


def test_password_is_required() -> None:
    assert fields.check_password("") == REQUIRED


def test_password_confirmation_must_match_exactly() -> None:
    assert fields.check_confirmation("Clave2026", "Clave2026", what="la contraseña") is None
    assert fields.check_confirmation("Clave2026", "clave2026", what="la contraseña") is not None
    assert fields.check_confirmation("Clave2026", "", what="la contraseña") == REQUIRED


# R-REG-5 País, Provincia, Ciudad ---------------------------------------------------------------


def test_country_must_come_from_the_catalogue() -> None:
    assert fields.check_country("EC") is None
    assert fields.check_country("PE") is None
    assert fields.check_country("XX") not in (None, REQUIRED)
    assert fields.check_country("") == REQUIRED


def test_ecuador_needs_a_real_province_and_a_city_of_that_province() -> None:
    assert fields.check_location("EC", "09", "0901") == {}
    assert set(fields.check_location("EC", "09", "0101")) == {"city"}
    assert set(fields.check_location("EC", "99", "0901")) == {"province"}
    assert fields.check_location("EC", "", "") == {"province": REQUIRED, "city": REQUIRED}


def test_other_countries_take_no_province_or_city() -> None:
    assert fields.check_location("PE", "", "") == {}
    assert set(fields.check_location("PE", "09", "0901")) == {"province", "city"}


# R-REG-6 Dirección -----------------------------------------------------------------------------


def test_address_is_5_to_200_characters_without_control_characters() -> None:
    assert fields.check_address("Av. 1") is None
    assert fields.check_address("A" * 200) is None
    assert fields.check_address("Av 1") not in (None, REQUIRED)
    assert fields.check_address("A" * 201) not in (None, REQUIRED)
    assert fields.check_address("Av. 9 de\x00 Octubre") not in (None, REQUIRED)
    assert fields.check_address("") == REQUIRED
    assert fields.normalise_text("  Av.  9 de   Octubre ") == "Av. 9 de Octubre"


# R-REG-7 Teléfonos -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["042345678", "022345678", "04-234-5678", "(04) 234 5678", "0" + "1" * 13]
)
def test_phone_accepts_0_and_9_to_14_digits_with_area_code(raw: str) -> None:
    assert fields.check_phone(fields.normalise_digits(raw), required=True) is None


@pytest.mark.parametrize(
    "raw",
    [
        "02345678",  # 8 digits
        "0" + "1" * 14,  # 15 digits
        "42345678",  # no leading 0
        "423456789",
        "0423a5678",
        "+59342345678",
        "0٤٢٣٤٥٦٧٨",  # Arabic-Indic digits are not the digits the portal accepts
        "0４２３４５６７８",  # full-width digits
    ],
)
def test_phone_refuses_other_formats(raw: str) -> None:
    assert fields.check_phone(fields.normalise_digits(raw), required=True) not in (None, REQUIRED)


def test_phone1_is_required_and_phone2_optional() -> None:
    assert fields.check_phone("", required=True) == REQUIRED
    assert fields.check_phone("", required=False) is None
    assert fields.check_phone("12", required=False) is not None


# R-REG-8 Celular -------------------------------------------------------------------------------


@pytest.mark.parametrize("operator", ["CLARO", "MOVISTAR", "CNT", "TUENTI", "OTROS"])
def test_mobile_accepts_a_catalogue_operator_with_a_09_number(operator: str) -> None:
    assert fields.check_mobile(operator, "0991234567") == {}


def test_mobile_is_optional_as_a_pair() -> None:
    assert fields.check_mobile("", "") == {}


def test_mobile_operator_and_number_go_together() -> None:
    assert set(fields.check_mobile("CLARO", "")) == {"mobile"}
    assert set(fields.check_mobile("", "0991234567")) == {"mobile_operator"}


@pytest.mark.parametrize(
    "number", ["0891234567", "099123456", "09" + "1" * 13, "0991234a67", "09٩١٢٣٤٥٦٧"]
)
def test_mobile_number_is_09_and_up_to_14_digits(number: str) -> None:
    assert set(fields.check_mobile("CLARO", number)) == {"mobile"}


def test_mobile_accepts_14_digits_and_refuses_unknown_operators() -> None:
    assert fields.check_mobile("CLARO", "09" + "1" * 12) == {}
    assert set(fields.check_mobile("PORTA", "0991234567")) == {"mobile_operator"}


# R-REG-9 Fax -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "042345678", "1" * 14, "04-234-5678"])
def test_fax_is_optional_digits_up_to_14(raw: str) -> None:
    assert fields.check_fax(fields.normalise_digits(raw)) is None


@pytest.mark.parametrize("raw", ["1" * 15, "04a2345", "٠٤٢٣٤٥", "0４２３"])
def test_fax_refuses_more_than_14_digits_or_non_digits(raw: str) -> None:
    assert fields.check_fax(fields.normalise_digits(raw)) is not None


# R-REG-10 Correo electrónico -------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["ana@example.com", "ana.perez+ecuapass@correo.ec", "Ana.Perez@Example.COM"]
)
def test_email_accepts_valid_addresses(email: str) -> None:
    assert fields.check_email(fields.normalise_email(email)) is None


def test_email_domain_is_lower_cased_and_local_part_kept() -> None:
    assert fields.normalise_email("  Ana.Perez@EXAMPLE.COM ") == "Ana.Perez@example.com"


def test_email_is_compared_case_insensitively() -> None:
    assert fields.email_key("Ana.Perez@EXAMPLE.COM") == fields.email_key("ana.perez@example.com")


@pytest.mark.parametrize(
    "email",
    [
        "ana",
        "ana@",
        "@example.com",
        "ana@example",
        "ana perez@example.com",
        "ana@example.com\r\nBcc: victim@example.com",
        "ana@example.com,otro@example.com",
        "Ana <ana@example.com>",
        "a" * 250 + "@example.com",
    ],
)
def test_email_refuses_invalid_addresses_and_header_injection(email: str) -> None:
    assert fields.check_email(fields.normalise_email(email)) not in (None, REQUIRED)


def test_email_is_required() -> None:
    assert fields.check_email("") == REQUIRED


def test_email_confirmation_must_match_ignoring_case() -> None:
    assert fields.check_email_confirmation("Ana@Example.com", "ana@EXAMPLE.COM") is None
    assert fields.check_email_confirmation("ana@example.com", "ana@example.org") is not None
    assert fields.check_email_confirmation("ana@example.com", "") == REQUIRED


# R-HARD-3 one canonical address per mailbox ---------------------------------------------------


@pytest.mark.parametrize(("one", "other", "key"), SAME_ADDRESS)
def test_two_spellings_of_one_address_have_one_key_r_hard_3(one: str, other: str, key: str) -> None:
    assert fields.email_key(one) == fields.email_key(other) == key
    assert fields.email_key(fields.normalise_email(one)) == fields.email_key(one)
    assert fields.check_email_confirmation(one, other) is None


def test_nfc_and_nfd_of_one_local_part_have_one_key_r_hard_3() -> None:
    assert fields.email_key("jos\u00e9@example.com") == fields.email_key("jose\u0301@example.com")


@pytest.mark.parametrize(("one", "other", "key"), SAME_ADDRESS)
def test_the_canonical_address_has_an_ascii_lower_case_domain_r_hard_3(
    one: str, other: str, key: str
) -> None:
    """What is stored and mailed to: a domain SES can deliver to, the local part as typed."""
    for spelling in (one, other):
        address = fields.normalise_email(spelling)
        local, _, domain = address.rpartition("@")
        assert domain.isascii() and domain == domain.lower()
        assert local == spelling.rpartition("@")[0]
        assert fields.normalise_email(address) == address
        assert fields.check_email(address) is None


def test_the_canonical_key_is_the_punycode_domain_and_the_lower_case_local_part_r_hard_3() -> None:
    assert fields.normalise_email(" Same@Exämple.COM ") == "Same@xn--exmple-cua.com"
    assert fields.email_key("Same@Exämple.COM") == "same@xn--exmple-cua.com"


def test_an_ascii_address_keeps_the_key_it_had_before_r_hard_3() -> None:
    """Claims written before R-HARD-3 used normalise_email(x).lower(): same for ASCII."""
    for address in (
        "Ana.Perez+ecuapass@Correo.EC",
        "a_b-c@sub.example.com",
        "x@simulator.amazonses.com",
    ):
        local, _, domain = address.strip().rpartition("@")
        assert fields.email_key(address) == f"{local}@{domain.lower()}".lower()


def test_nfc_folds_a_look_alike_into_the_ascii_letter_r_hard_3() -> None:
    """U+212A KELVIN SIGN is canonically K: the address is ASCII once composed."""
    assert fields.normalise_email("\u212aim@example.com") == "Kim@example.com"
    assert fields.email_key("\u212aim@example.com") == fields.email_key("kim@example.com")


@pytest.mark.parametrize(
    "email",
    [
        "josé@example.com",
        "jose\u0301@example.com",
        "ñandú@exämple.com",
        "ａna@example.com",  # a full-width letter in the local part
        "анна@example.com",
    ],
)
def test_a_local_part_that_is_not_ascii_is_refused_r_hard_3(email: str) -> None:
    problem = fields.check_email(fields.normalise_email(email))
    assert problem == fields.NON_ASCII_LOCAL_PART
    assert "antes de la @" in problem and "tildes" in problem


def test_the_mailbox_ignores_a_plus_tag_but_the_key_does_not_r_hard_3() -> None:
    """Throttles count by mailbox; uniqueness is by the exact canonical address."""
    mailboxes = {fields.mailbox_key(f"Ana+{n}@X.ec") for n in range(5)}
    assert mailboxes == {fields.mailbox_key("ana@x.ec")} == {"ana@x.ec"}
    assert fields.mailbox_key("ana+a+b@exämple.com") == "ana@xn--exmple-cua.com"
    assert fields.email_key("ana+1@x.ec") != fields.email_key("ana@x.ec")


# R-REG-11 code field, R-GEN-1 every bad field at once --------------------------------------------


def test_security_code_is_normalised_to_upper_case_without_separators() -> None:
    assert fields.normalise_security_code(" abcd-efgh ") == "ABCDEFGH"


def test_registration_form_reports_every_bad_field_at_once() -> None:
    body = {
        "user_id": "x",
        "document_type": "CEDULA",
        "document_number": "1710034066",
        "name": "J",
        "password": "short",
        "password_confirmation": "other",
        "country": "EC",
        "province": "99",
        "city": "",
        "address": "Av",
        "phone1": "123",
        "phone2": "abc",
        "mobile_operator": "PORTA",
        "mobile": "123",
        "fax": "x",
        "email": "not-an-email",
        "email_confirmation": "",
    }
    with pytest.raises(errors.ValidationFailed) as caught:
        forms.read_registration(body)
    assert set(caught.value.fields) == {
        "user_id",
        "document_number",
        "name",
        "password",
        "password_confirmation",
        "province",
        "city",
        "address",
        "phone1",
        "phone2",
        "mobile_operator",
        "mobile",
        "fax",
        "email",
        "email_confirmation",
    }
