"""The rules of the second factor (R-SEC-2): codes and their window, no replay, the sealing of
the secret, and the recovery codes."""

from __future__ import annotations

import pyotp
import pytest

from chalicelib.domain import totp

KEY = b"unit-test-hash-key-not-a-secret!"
NOW = 1_790_000_000.0


@pytest.fixture
def secret() -> str:
    return totp.new_secret()


def test_codes_are_the_rfc_6238_ones_of_the_library(secret: str) -> None:
    step = totp.step_at(NOW)
    assert totp.code_at(secret, step) == pyotp.TOTP(secret).at(NOW)
    assert len(totp.code_at(secret, step)) == 6


def test_the_code_of_now_and_of_one_step_either_side_is_accepted(secret: str) -> None:
    step = totp.step_at(NOW)
    for delta in (-1, 0, 1):
        code = totp.code_at(secret, step + delta)
        assert totp.accepted_step(secret, code, NOW, 0) == step + delta


def test_codes_two_steps_away_are_refused(secret: str) -> None:
    step = totp.step_at(NOW)
    for delta in (-2, 2):
        assert totp.accepted_step(secret, totp.code_at(secret, step + delta), NOW, 0) is None


def test_a_code_at_or_before_the_last_accepted_step_is_refused(secret: str) -> None:
    step = totp.step_at(NOW)
    code = totp.code_at(secret, step)
    assert totp.accepted_step(secret, code, NOW, step) is None
    assert totp.accepted_step(secret, code, NOW, step + 1) is None
    assert totp.accepted_step(secret, code, NOW, step - 1) == step


def test_anything_but_six_digits_is_no_totp_code(secret: str) -> None:
    assert totp.accepted_step(secret, "12345", NOW, 0) is None
    assert totp.accepted_step(secret, "abcdef", NOW, 0) is None


def test_sealing_round_trips_and_hides_the_secret(secret: str) -> None:
    sealed = totp.seal(KEY, "juan.perez1", secret)
    assert sealed.startswith("v1.") and secret not in sealed
    assert totp.unseal(KEY, "juan.perez1", sealed) == secret
    # A fresh nonce each time.
    assert totp.seal(KEY, "juan.perez1", secret) != sealed


def test_a_sealed_secret_does_not_open_on_another_account(secret: str) -> None:
    sealed = totp.seal(KEY, "juan.perez1", secret)
    with pytest.raises(totp.SealBroken):
        totp.unseal(KEY, "ana.lopez22", sealed)


def test_a_sealed_secret_does_not_open_with_another_key_or_when_tampered(secret: str) -> None:
    sealed = totp.seal(KEY, "juan.perez1", secret)
    with pytest.raises(totp.SealBroken):
        totp.unseal(b"another-key-another-key-another!", "juan.perez1", sealed)
    tampered = sealed[:-2] + ("AA" if not sealed.endswith("AA") else "BB")
    with pytest.raises(totp.SealBroken):
        totp.unseal(KEY, "juan.perez1", tampered)
    with pytest.raises(totp.SealBroken):
        totp.unseal(KEY, "juan.perez1", "v0.abc")


def test_recovery_codes_are_ten_distinct_unambiguous_codes() -> None:
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == 10
    for code in codes:
        left, _, right = code.partition("-")
        assert len(left) == len(right) == 5
        assert set(left + right) <= set(totp.RECOVERY_ALPHABET)
        assert not set(left + right) & set("01ILO")


def test_a_recovery_code_is_read_whatever_its_case_spaces_or_hyphen() -> None:
    assert totp.normalise_recovery_code("abcde-fghjk") == "ABCDEFGHJK"
    assert totp.normalise_recovery_code(" ABCDE FGHJK ") == "ABCDEFGHJK"
    assert totp.normalise_recovery_code("ABCDE-FGHJ") is None
    assert totp.normalise_recovery_code("ABCDE-FGHJ0") is None


def test_match_finds_a_totp_code_or_an_unused_recovery_code(secret: str) -> None:
    code = "ABCDE-FGHJK"
    stored = (totp.recovery_hash(KEY, "juan.perez1", "ABCDEFGHJK"),)
    found = totp.match(
        KEY, "juan.perez1", secret, code.lower(), now=NOW, last_step=0, recovery_hashes=stored
    )
    assert found == totp.FactorUse(recovery_hash=stored[0])
    assert (
        totp.match(KEY, "juan.perez1", secret, code, now=NOW, last_step=0, recovery_hashes=())
        is None
    )
    now_code = totp.code_at(secret, totp.step_at(NOW))
    used = totp.match(
        KEY, "juan.perez1", secret, now_code, now=NOW, last_step=0, recovery_hashes=()
    )
    assert used == totp.FactorUse(step=totp.step_at(NOW))
    # The hash is keyed by the account: another account's list does not hold it.
    assert totp.recovery_hash(KEY, "ana.lopez22", "ABCDEFGHJK") != stored[0]


def test_the_qr_code_is_an_inline_svg_of_the_uri(secret: str) -> None:
    uri = totp.provisioning_uri(secret, "juan.perez1")
    assert uri.startswith("otpauth://totp/Ecuapass:juan.perez1?") and f"secret={secret}" in uri
    svg = totp.qr_svg(uri)
    assert svg.startswith("<svg") and not svg.startswith("<?xml")
