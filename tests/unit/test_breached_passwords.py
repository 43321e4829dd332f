"""The breached-password rule, without I/O (R-ABUSE-2)."""

from __future__ import annotations

import pytest

from chalicelib.domain import errors
from chalicelib.domain.breached_passwords import (
    BREACHED,
    is_breached,
    refuse_if_breached,
    split_hash,
    suffix_listed,
)

# SHA-1("password"), the range API's documented example.
PREFIX, SUFFIX = "5BAA6", "1E4C9B93F3F0682250B6CF8331B7EE68FD8"


def test_only_five_uppercase_hex_digits_are_the_prefix_r_abuse_2() -> None:
    assert split_hash("password") == (PREFIX, SUFFIX)


def test_a_listed_suffix_with_a_count_is_a_hit_whatever_its_case_r_abuse_2() -> None:
    assert suffix_listed(
        f"0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n{SUFFIX.lower()}:3861493", SUFFIX
    )


def test_a_padding_entry_with_count_0_is_no_hit_r_abuse_2() -> None:
    assert not suffix_listed(f"{SUFFIX}:0\r\n", SUFFIX)
    assert not suffix_listed("", SUFFIX)


def test_an_unavailable_range_lets_the_password_through_r_abuse_2() -> None:
    assert not is_breached(lambda prefix: None, "password")


def test_a_hit_is_a_validation_error_on_the_named_field_r_abuse_2() -> None:
    asked: list[str] = []

    def lookup(prefix: str) -> str:
        asked.append(prefix)
        return f"{SUFFIX}:10"

    with pytest.raises(errors.ValidationFailed) as refused:
        refuse_if_breached(lookup, "password", "new_password")
    assert refused.value.fields == {"new_password": BREACHED}
    assert asked == [PREFIX]


def test_no_look_up_when_the_check_is_off_r_abuse_2() -> None:
    refuse_if_breached(None, "password", "password")
