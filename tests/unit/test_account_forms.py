"""Reading the account routes' bodies (chalicelib/domain/account_forms.py): R-MOD-2, R-MOD-4 …
R-MOD-6, R-DEL-1, with registration's field rules reused."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.domain import errors
from chalicelib.domain.account_forms import (
    read_account_update,
    read_deactivation,
    read_login,
    refuse_locked_fields,
)
from tests.helpers import a_user

USER = replace(a_user(), password_hash="not-used-here")


def body(**changes: Any) -> dict[str, Any]:
    base = {
        "version": 3,
        "name": "Ana Torres",
        "country": "EC",
        "province": "17",
        "city": "1701",
        "address": "Av. Amazonas 100",
        "phone1": "022345678",
        "keep_email": True,
    }
    base.update(changes)
    return base


def problems_of(raw: dict[str, Any]) -> tuple[str, set[str]]:
    with pytest.raises(errors.ApiError) as raised:
        read_account_update(raw, USER)
    return raised.value.code, set(raised.value.fields)


def test_an_unchanged_form_reads_back_as_the_stored_values() -> None:
    form = read_account_update(body(), USER)
    assert form.version == 3
    assert form.email is None and form.password is None
    assert form.contact.city == "1701"


@pytest.mark.parametrize("version", [None, "3", 3.5, True])
def test_version_must_be_the_integer_that_was_read(version: Any) -> None:
    assert problems_of(body(version=version)) == ("VALIDATION_ERROR", {"version"})


def test_locked_fields_are_refused_before_any_other_problem_r_mod_2() -> None:
    raw = body(user_id="otro.id", document_number="0912345675", phone1="1")
    assert problems_of(raw) == ("FIELD_NOT_MODIFIABLE", {"user_id", "document_number"})


@pytest.mark.parametrize(
    "sent",
    [
        {"user_id": "ANA.TORRES "},
        {"document_type": "cedula", "document_number": "171003406-5"},
        {"senae_email": "Ana.Torres@CORREO.ADUANA.GOB.EC"},
        {"user_id": "", "document_number": None},
    ],
)
def test_locked_fields_sent_unchanged_or_empty_pass_r_mod_2(sent: dict[str, Any]) -> None:
    refuse_locked_fields(sent, USER)


def test_another_country_drops_province_and_city_r_mod_5() -> None:
    form = read_account_update(body(country="co"), USER)
    assert (form.contact.country, form.contact.province, form.contact.city) == ("CO", None, None)


def test_keep_email_defaults_to_false_r_mod_6() -> None:
    raw = body()
    del raw["keep_email"]
    code, fields = problems_of(raw)
    assert code == "VALIDATION_ERROR"
    assert fields == {"email", "email_confirmation"}


def test_keep_email_must_be_a_boolean() -> None:
    code, fields = problems_of(body(keep_email="Sí"))
    assert code == "VALIDATION_ERROR"
    assert "keep_email" in fields


def test_a_new_address_comes_with_its_code_normalised_r_mod_6() -> None:
    raw = body(
        keep_email=False,
        email="Nueva@Example.COM",
        email_confirmation="nueva@example.com",
        security_code="abcd-efgh",
    )
    form = read_account_update(raw, USER)
    assert form.email == "Nueva@example.com"
    assert form.security_code == "ABCDEFGH"


def test_the_current_address_given_again_is_a_keep_r_mod_6() -> None:
    raw = body(keep_email=False, email="ANA@example.com", email_confirmation="ana@example.com")
    assert read_account_update(raw, USER).email is None


def test_a_password_change_reads_all_three_fields_r_mod_4() -> None:
    raw = body(
        current_password="Clave2026segura",
        new_password="Nueva2026clave",
        new_password_confirmation="Nueva2026clave",
    )
    form = read_account_update(raw, USER)
    assert form.password is not None
    assert (form.password.current, form.password.new) == ("Clave2026segura", "Nueva2026clave")


def test_the_new_password_may_not_be_the_document_number_r_reg_4() -> None:
    raw = body(
        current_password="Clave2026segura",
        new_password="1710034065a",
        new_password_confirmation="1710034065a",
    )
    assert read_account_update(raw, USER).password is not None
    same = body(
        current_password="Clave2026segura",
        new_password=USER.document_number,
        new_password_confirmation=USER.document_number,
    )
    assert problems_of(same) == ("VALIDATION_ERROR", {"new_password"})


def test_log_in_needs_both_fields_and_lower_cases_the_id() -> None:
    assert read_login({"user_id": " Ana.Torres ", "password": " x "}).user_id == "ana.torres"
    assert read_login({"user_id": "a", "password": " x "}).password == " x "
    with pytest.raises(errors.ValidationFailed) as raised:
        read_login({"user_id": 5})
    assert set(raised.value.fields) == {"user_id", "password"}


@pytest.mark.parametrize(
    ("reason", "ok"),
    [
        ("x" * 9, False),
        ("x" * 10, True),
        ("x" * 500, True),
        ("x" * 501, False),
        ("  Me   cambio de\n ID   ", True),
        ("Motivo con \x00 nulo", False),
    ],
)
def test_the_reason_is_10_to_500_characters_r_del_1(reason: str, ok: bool) -> None:
    raw = {"reason": reason, "password": "Clave2026segura"}
    if ok:
        assert 10 <= len(read_deactivation(raw).reason) <= 500
    else:
        with pytest.raises(errors.ValidationFailed) as raised:
            read_deactivation(raw)
        assert set(raised.value.fields) == {"reason"}


def test_the_reason_keeps_its_words_with_whitespace_collapsed() -> None:
    raw = {"reason": "  Me   cambio de\n ID   ", "password": "x"}
    assert read_deactivation(raw).reason == "Me cambio de ID"
