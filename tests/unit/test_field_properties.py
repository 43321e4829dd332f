"""Property tests of the field rules (issue 6, point 2; R-REG-1 … R-REG-10).

Valid cédulas and RUCs are generated here with the official arithmetic written out independently
of python-stdnum (which the project uses), so the test is an oracle, not a mirror. Which one-digit
corruptions must be refused, precisely (positions counted from 1, a corruption replaces one digit
with another):

- Cédula (10 digits): every corruption, at every position. The modulus-10 weights (2, 1, 2, …,
  with 9 subtracted above 9) map each digit to a distinct value, so any single change moves the
  sum by 1 … 9 and the check fails.
- Natural person's RUC (third digit 0-5: a cédula + a 3-digit establishment): every corruption of
  digits 1-10 is refused, except turning the third digit into 6 or 9, which changes the kind of
  RUC: 6 may read as a public RUC, and 9 always reads as a company RUC under R-REG-2's SRI
  exception. The establishment (digits 11-13) has no check digit: a corruption there is refused
  exactly when it makes the establishment 000.
- Public RUC (third digit 6: 9 checked digits + a 4-digit establishment): a corruption of digits
  1-9 is refused unless the result is valid under another reading the rule allows, namely its
  first ten digits form a valid cédula (a natural person's RUC may also have third digit 6) or
  the third digit became 9 (a company RUC, structure only).
- Company RUC (third digit 9): R-REG-2 accepts a sound structure even when the modulus-11 check
  fails (SRI issues such RUCs, python-stdnum #290/#497), so its check digit protects nothing: a
  corruption of digits 4-10 is *accepted*. Refused are exactly the structural corruptions: a
  province that does not exist, a third digit 7 or 8, an establishment 000.
Beyond these, every corruption of every kind must be judged as the written-out rule judges it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import errors, fields, forms
from chalicelib.domain.account_forms import read_account_update, read_login
from chalicelib.domain.records import User
from tests.helpers import a_user

# Province codes the rule accepts: INEC's 24, 30 (Ecuadorians registered abroad), 50.
PROVINCES = [f"{p:02d}" for p in range(1, 25)] + ["30", "50"]
DIGITS = "0123456789"


# --- the official arithmetic, written out ------------------------------------------------------


def cedula_sum(digits: str) -> int:
    total = 0
    for i, d in enumerate(digits):
        product = int(d) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total


def cedula_check_digit(first_nine: str) -> str:
    return str((10 - cedula_sum(first_nine) % 10) % 10)


def mod11_check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return (11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11) % 11


PUBLIC_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
COMPANY_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2)


def is_cedula(number: str) -> bool:
    return (
        len(number) == 10
        and number.isdigit()
        and number[:2] in PROVINCES
        and number[2] <= "6"
        and cedula_sum(number) % 10 == 0
    )


def is_public_ruc(number: str) -> bool:
    check = mod11_check_digit(number[:8], PUBLIC_WEIGHTS)
    return check < 10 and number[8] == str(check) and number[9:] != "0000"


def is_ruc(number: str) -> bool:
    """R-REG-2 for a RUC: natural, public or company, with the SRI exception for companies."""
    if not (len(number) == 13 and number.isdigit() and number[:2] in PROVINCES):
        return False
    natural = is_cedula(number[:10]) and number[10:] != "000"
    if number[2] < "6":
        return natural
    if number[2] == "6":
        return is_public_ruc(number) or natural
    if number[2] == "9":
        # Company: any sound structure, whatever the check digit (or a public RUC).
        return is_public_ruc(number) or number[10:] != "000"
    return False


# --- generators ----------------------------------------------------------------------------------

provinces = st.sampled_from(PROVINCES)


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=n, max_size=n)


@st.composite
def cedulas(draw: Any) -> str:
    first_nine = draw(provinces) + draw(st.sampled_from("012345")) + draw(digits(6))
    return first_nine + cedula_check_digit(first_nine)


@st.composite
def natural_rucs(draw: Any) -> str:
    return draw(cedulas()) + f"{draw(st.integers(1, 999)):03d}"


@st.composite
def public_rucs(draw: Any) -> str:
    first_eight = draw(provinces) + "6" + draw(digits(5))
    check = mod11_check_digit(first_eight, PUBLIC_WEIGHTS)
    draw(st.just(check).filter(lambda c: c < 10))
    return first_eight + str(check) + f"{draw(st.integers(1, 9999)):04d}"


@st.composite
def company_rucs(draw: Any) -> str:
    first_nine = draw(provinces) + "9" + draw(digits(6))
    check = mod11_check_digit(first_nine, COMPANY_WEIGHTS)
    draw(st.just(check).filter(lambda c: c < 10))
    return first_nine + str(check) + f"{draw(st.integers(1, 999)):03d}"


def corruptions(number: str) -> list[tuple[int, str]]:
    """Every one-digit corruption: (position from 1, corrupted number)."""
    return [
        (i + 1, number[:i] + d + number[i + 1 :])
        for i in range(len(number))
        for d in DIGITS
        if d != number[i]
    ]


def accepted(document_type: str, number: str) -> bool:
    return fields.check_document_number(document_type, number) is None


# --- documents -----------------------------------------------------------------------------------


@settings(max_examples=300)
@given(cedulas())
def test_every_valid_cedula_is_accepted_and_every_one_digit_corruption_refused_r_reg_2(
    number: str,
) -> None:
    assert is_cedula(number)
    assert accepted("CEDULA", number)
    for position, corrupted in corruptions(number):
        assert not accepted("CEDULA", corrupted), (number, position, corrupted)


@settings(max_examples=200)
@given(natural_rucs())
def test_natural_ruc_accepted_and_its_cedula_part_guarded_r_reg_2(number: str) -> None:
    assert accepted("RUC", number)
    for position, corrupted in corruptions(number):
        if position == 3 and corrupted[2] in "69":
            continue  # another kind of RUC: judged below by the written-out rule
        if position <= 10:
            assert not accepted("RUC", corrupted), (number, position, corrupted)
        else:
            assert accepted("RUC", corrupted) == (corrupted[10:] != "000"), corrupted


@settings(max_examples=200)
@given(public_rucs())
def test_public_ruc_accepted_and_its_checked_part_guarded_r_reg_2(number: str) -> None:
    assert accepted("RUC", number)
    for position, corrupted in corruptions(number):
        if position <= 9:
            other_reading = is_cedula(corrupted[:10]) and corrupted[10:] != "000"
            company = corrupted[2] == "9" and corrupted[10:] != "000"
            if not (other_reading or company):
                assert not accepted("RUC", corrupted), (number, position, corrupted)
        else:
            assert accepted("RUC", corrupted) == (corrupted[9:] != "0000"), corrupted


@settings(max_examples=200)
@given(company_rucs())
def test_company_ruc_is_checked_for_structure_only_r_reg_2(number: str) -> None:
    assert accepted("RUC", number)
    for position, corrupted in corruptions(number):
        bad_province = position <= 2 and corrupted[:2] not in PROVINCES
        bad_kind = position == 3 and corrupted[2] in "78"
        if bad_province or bad_kind:
            assert not accepted("RUC", corrupted), corrupted
        elif position <= 2 or 4 <= position <= 10:
            assert accepted("RUC", corrupted), ("the SRI exception accepts", corrupted)
        elif position >= 11:
            sound = corrupted[10:] != "000" or is_public_ruc(corrupted)
            assert accepted("RUC", corrupted) == sound, corrupted


@settings(max_examples=150)
@given(st.one_of(natural_rucs(), public_rucs(), company_rucs()))
def test_every_ruc_corruption_is_judged_as_the_written_rule_judges_it_r_reg_2(
    number: str,
) -> None:
    for position, corrupted in corruptions(number):
        assert accepted("RUC", corrupted) == is_ruc(corrupted), (number, position, corrupted)


@given(st.text(DIGITS, min_size=0, max_size=16), st.sampled_from(["CEDULA", "RUC"]))
def test_any_digit_string_is_judged_as_the_written_rule_judges_it(
    number: str, document_type: str
) -> None:
    expected = is_cedula(number) if document_type == "CEDULA" else is_ruc(number)
    assert accepted(document_type, number) == (bool(number) and expected)


# --- normalisation is idempotent -----------------------------------------------------------------

NORMALISERS = [
    fields.normalise_user_id,
    fields.normalise_document_number,
    fields.normalise_name,
    fields.normalise_text,
    fields.normalise_digits,
    fields.normalise_email,
    fields.email_key,
    fields.normalise_security_code,
]

# Any Unicode text, control characters and lone surrogates included.
any_text = st.text(st.characters(exclude_categories=()), max_size=120)


@settings(max_examples=300)
@given(any_text, st.sampled_from(NORMALISERS))
def test_normalising_twice_changes_nothing(value: str, normalise: Any) -> None:
    once = normalise(value)
    assert normalise(once) == once


ascii_text = st.text(st.characters(codec="ascii"), max_size=30)


@given(ascii_text)
def test_an_id_or_address_differing_only_in_case_is_the_same_r_reg_1_r_reg_10(value: str) -> None:
    assert fields.normalise_user_id(value.upper()) == fields.normalise_user_id(value.lower())
    email = f"{value}@Example.COM"
    assert fields.email_key(email.upper()) == fields.email_key(email.lower())
    assert fields.normalise_email(email).endswith("@example.com")


@given(any_text)
def test_a_valid_normalised_id_is_stored_lower_case_r_reg_1(value: str) -> None:
    user_id = fields.normalise_user_id(value)
    if fields.check_user_id(user_id) is None:
        assert user_id == user_id.lower()
        assert 4 <= len(user_id) <= 20


# --- no input makes a validator raise -------------------------------------------------------------


@settings(max_examples=300)
@given(any_text, any_text, any_text)
def test_no_string_makes_a_validator_raise(a: str, b: str, c: str) -> None:
    results = [
        fields.check_user_id(a),
        fields.check_document_type(a),
        *(fields.check_document_number(t, a) for t in (*fields.DOCUMENT_TYPES, b)),
        fields.check_name(a),
        fields.check_password(a, user_id=b, document_number=c),
        fields.check_confirmation(a, b, what="la contraseña"),
        fields.check_country(a),
        fields.check_address(a),
        fields.check_phone(a, required=True),
        fields.check_phone(a, required=False),
        fields.check_fax(a),
        fields.check_email(a),
        fields.check_email_confirmation(a, b),
    ]
    assert all(r is None or (isinstance(r, str) and r) for r in results)
    for problems in (fields.check_location(a, b, c), fields.check_mobile(a, b)):
        assert all(isinstance(v, str) and v for v in problems.values())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
REGISTRATION_FIELDS = [
    "user_id", "document_type", "document_number", "name", "password",
    "password_confirmation", "country", "province", "city", "address", "phone1", "phone2",
    "mobile_operator", "mobile", "fax", "email", "email_confirmation", "security_code",
]  # fmt: skip
ACCOUNT_FIELDS = [
    *REGISTRATION_FIELDS, "version", "keep_email", "current_password", "new_password",
    "new_password_confirmation", "senae_email",
]  # fmt: skip


def someone() -> User:
    return a_user(
        user_id="juan.perez1",
        name="Juan Pérez",
        password_hash="$argon2id$",
        province="09",
        city="0901",
        address="Av. 9 de Octubre 100",
        phone1="042345678",
        email="juan@example.com",
        senae_email="juan.perez1@correo.aduana.gob.ec",
    )


@settings(max_examples=300)
@given(
    st.dictionaries(st.sampled_from(REGISTRATION_FIELDS), json_values),
    st.dictionaries(st.sampled_from(ACCOUNT_FIELDS), json_values),
)
def test_any_json_body_is_read_into_a_form_or_refused_with_an_api_error(
    registration: dict[str, Any], update: dict[str, Any]
) -> None:
    for read in (
        lambda: forms.read_registration(registration),
        lambda: read_account_update(update, someone()),
        lambda: read_login(registration),
    ):
        try:
            read()
        except errors.ApiError as error:
            assert 400 <= error.status < 500
            assert error.message
