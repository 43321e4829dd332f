"""The logged-in user's e-mail change through the API: availability, the code mailed to the new
address, the change and its notice (R-MOD-6, api.md "Account")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import (
    NEW_EMAIL,
    account_post,
    audit_events,
    aws_calls,
    claim_owner,
    email_change,
    get_profile,
    last_code,
    mails_to,
    new_email_body,
    post,
    put,
    register,
    registration_body,
    request_code,
    update_body,
    user_item,
)

# E-mail (R-MOD-6) -------------------------------------------------------------------------------


def test_keep_email_defaults_to_no_so_the_new_address_is_required_r_mod_6(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    body = update_body(profile, address="Nueva dirección 777")
    del body["keep_email"]
    answer = put(client, token, body)
    assert answer.status == 400
    assert {"email", "email_confirmation"} <= set(answer.error["fields"])


def test_the_current_address_typed_again_needs_no_code_r_mod_6(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    email = profile["email"].upper()
    body = update_body(
        profile, keep_email=False, email=email, email_confirmation=email, address="Otra 123"
    )
    answer = put(client, token, body)
    assert answer.status == 200, answer.body
    assert answer.body["email"] == profile["email"]


def test_email_availability_counts_the_own_address_as_available(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    register(client, 2)

    def available(address: str) -> Any:
        pair = {"email": address, "email_confirmation": address}
        answer = account_post(client, token, "email-availability", pair)
        assert answer.status == 200
        assert answer.headers["Cache-Control"] == "no-store"
        return answer.body["available"]

    assert available(profile["email"]) is True
    assert available(NEW_EMAIL) is True
    assert available("JUAN.PEREZ2@example.com") is False


def test_email_availability_refuses_a_mismatched_confirmation(client: Any, token: str) -> None:
    pair = {"email": NEW_EMAIL, "email_confirmation": "otra@example.com"}
    answer = account_post(client, token, "email-availability", pair)
    assert answer.status == 400
    assert set(answer.error["fields"]) == {"email_confirmation"}


def test_the_code_goes_to_the_new_address_r_mod_6(client: Any, token: str) -> None:
    answer = account_post(client, token, "security-code", {"email": NEW_EMAIL})
    assert answer.status == 202
    assert answer.body == {"expires_in_seconds": 900, "resend_after_seconds": 60}
    (mail,) = mails_to(NEW_EMAIL)
    assert mail.subject == "ACTIVACIÓN DE CORREO ELECTRÓNICO"


def test_no_code_for_an_address_of_another_account_r_mod_6(client: Any, token: str) -> None:
    register(client, 2)
    answer = account_post(client, token, "security-code", {"email": "juan.perez2@example.com"})
    assert answer.status == 409
    assert answer.error["code"] == "EMAIL_TAKEN"


def test_no_code_for_the_own_current_address(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    answer = account_post(client, token, "security-code", {"email": profile["email"]})
    assert answer.status == 400
    assert set(answer.error["fields"]) == {"email"}


def test_code_requests_are_throttled_like_registration_r_reg_11(client: Any, token: str) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    again = account_post(client, token, "security-code", {"email": NEW_EMAIL})
    assert again.status == 429
    assert again.error["code"] == "TOO_MANY_REQUESTS"
    assert int(again.headers["Retry-After"]) == 60


def test_an_email_change_end_to_end_moves_the_claim_r_mod_6(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    old = profile["email"]
    answer = email_change(client, token, profile, NEW_EMAIL)
    assert answer.status == 200, answer.body
    assert answer.body["email"] == NEW_EMAIL
    assert answer.body["version"] == 2
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez1"
    assert claim_owner(f"EMAIL#{old}") is None

    # The old address got the notice, and is free for someone else's registration.
    (notice,) = [m for m in mails_to(old) if "reemplazado" in m.subject]
    assert "ju***@example.com" in notice.body
    clock.advance(60)
    assert register(client, 3, email=old, email_confirmation=old).status == 201
    # The new one is taken.
    taken = request_code(client, NEW_EMAIL)
    assert taken.status == 409
    assert taken.error["code"] == "EMAIL_TAKEN"

    (event,) = audit_events("EMAIL_CHANGED")
    assert event["fields"]["SS"] == ["email"]
    # The code is single use.
    profile = get_profile(client, token).body
    body = new_email_body(profile, "tercera@example.com", last_code(NEW_EMAIL))
    assert put(client, token, body).error["code"] == "SECURITY_CODE_NOT_REQUESTED"


def test_an_email_change_is_three_aws_calls_and_the_notice(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    body = new_email_body(profile, NEW_EMAIL, last_code(NEW_EMAIL))
    with aws_calls() as calls:
        assert put(client, token, body).status == 200
    # The session read; the code's try counted in the write that reads it (R-HARD-1); the save;
    # the notice's daily cap counted (R-HARD-8), and the notice.
    assert calls == [
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "dynamodb:TransactWriteItems",
        "dynamodb:UpdateItem",
        "ses:SendEmail",
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (None, "SECURITY_CODE_REQUIRED"),
        ("", "SECURITY_CODE_REQUIRED"),
        ("ABCDEFGH", "SECURITY_CODE_INVALID"),
    ],
)
def test_an_email_change_needs_the_right_code_r_mod_6(
    client: Any, token: str, profile: dict[str, Any], code: str | None, expected: str
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    before = user_item()
    body = new_email_body(profile, NEW_EMAIL, code)
    answer = put(client, token, body)
    assert answer.status == 400
    assert answer.error["code"] == expected
    assert user_item() == before
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") is None


def test_an_email_change_without_a_requested_code_r_mod_6(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    body = new_email_body(profile, NEW_EMAIL, "ABCDEFGH")
    answer = put(client, token, body)
    assert answer.status == 400
    assert answer.error["code"] == "SECURITY_CODE_NOT_REQUESTED"


def test_an_expired_code_is_refused_r_reg_11(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    clock.advance(900)
    body = new_email_body(profile, NEW_EMAIL, last_code(NEW_EMAIL))
    assert put(client, token, body).error["code"] == "SECURITY_CODE_EXPIRED"


def test_five_wrong_codes_kill_it_r_reg_11(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    body = new_email_body(profile, NEW_EMAIL, "ABCDEFGH")
    codes = [put(client, token, body).error["code"] for _ in range(5)]
    assert codes == ["SECURITY_CODE_INVALID"] * 4 + ["SECURITY_CODE_LOCKED"]
    body["security_code"] = last_code(NEW_EMAIL)
    assert put(client, token, body).error["code"] == "SECURITY_CODE_LOCKED"


def test_wrong_tries_counted_after_the_right_code_do_not_undo_the_save_r_hard_1(
    client: Any, token: str, profile: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store.codes import DynamoCodeStore

    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    real_count = DynamoCodeStore.count_try

    def counted_then_rival_wrong_tries(self: DynamoCodeStore, *args: Any) -> Any:
        tried = real_count(self, *args)
        for _ in range(5):  # parallel guesses land between this try and its save
            real_count(self, *args)
        return tried

    monkeypatch.setattr(DynamoCodeStore, "count_try", counted_then_rival_wrong_tries)
    body = new_email_body(profile, NEW_EMAIL, last_code(NEW_EMAIL))
    answer = put(client, token, body)
    assert answer.status == 200, answer.body
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez1"


def test_codes_of_registration_and_of_email_change_are_kept_apart(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    # A registration code for the address does not change an account's e-mail …
    assert request_code(client, NEW_EMAIL).status == 202
    body = new_email_body(profile, NEW_EMAIL, last_code(NEW_EMAIL))
    assert put(client, token, body).error["code"] == "SECURITY_CODE_NOT_REQUESTED"
    # … and an e-mail-change code does not register anyone.
    other = "maria.lopez@example.com"
    assert account_post(client, token, "security-code", {"email": other}).status == 202
    registration = registration_body(
        4, email=other, email_confirmation=other, security_code=last_code(other)
    )
    answer = post(client, "/v1/registration", registration)
    assert answer.error["code"] == "SECURITY_CODE_NOT_REQUESTED"


def test_an_email_change_code_proves_only_the_address_it_was_mailed_to_r_hard_3(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    """Codes are kept per mailbox: the one mailed to `juan.nuevo+1@` cannot move the account
    to `juan.nuevo@`, which never got one."""
    tagged = "juan.nuevo+1@example.com"
    assert account_post(client, token, "security-code", {"email": tagged}).status == 202
    before = user_item()
    body = new_email_body(profile, NEW_EMAIL, last_code(tagged))
    assert put(client, token, body).error["code"] == "SECURITY_CODE_NOT_REQUESTED"
    assert user_item() == before
    answer = put(client, token, new_email_body(profile, tagged, last_code(tagged)))
    assert answer.status == 200, answer.body
    assert claim_owner(f"EMAIL#{tagged}") == "juan.perez1"


def test_another_spelling_of_an_address_of_another_account_is_taken_r_hard_3(
    client: Any, token: str
) -> None:
    taken = "same@xn--exmple-cua.com"
    assert register(client, 2, email=taken, email_confirmation=taken).status == 201
    for spelling in ("same@exämple.com", "SAME@EXA\u0308MPLE.COM"):
        pair = {"email": spelling, "email_confirmation": spelling}
        answer = account_post(client, token, "email-availability", pair)
        assert answer.body == {"available": False, "deliverable": True}
        answer = account_post(client, token, "security-code", {"email": spelling})
        assert answer.error["code"] == "EMAIL_TAKEN"


def test_an_address_taken_after_its_code_was_sent_is_refused_whole_r_mod_7(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    code = last_code(NEW_EMAIL)
    clock.advance(60)
    # Someone registers the address in between.
    assert register(client, 5, email=NEW_EMAIL, email_confirmation=NEW_EMAIL).status == 201
    before = user_item()
    body = new_email_body(profile, NEW_EMAIL, code, address="Dirección nueva 999")
    answer = put(client, token, body)
    assert answer.status == 409
    assert answer.error["code"] == "EMAIL_TAKEN"
    assert user_item() == before
    assert claim_owner(f"EMAIL#{profile['email']}") == "juan.perez1"
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez5"


def test_a_refused_save_names_every_problem_at_once_r_ux_1(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    """A malformed phone, a new address another account holds and a code never requested for
    it: one answer names the three, at the cost of one read and no code try."""
    other = "otra.persona@example.com"
    assert register(client, 2, email=other, email_confirmation=other).status == 201
    body = new_email_body(profile, other, "ABCDEFGH")
    body["phone1"] = "12"
    with aws_calls() as calls:
        answer = put(client, token, body)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert {"phone1", "email", "security_code"} <= set(answer.error["fields"])
    assert calls == ["dynamodb:BatchGetItem", "dynamodb:BatchGetItem"]


def test_a_refused_save_that_keeps_the_address_reads_nothing_more_r_ux_1(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    body = update_body(profile, phone1="12", address="")
    with aws_calls() as calls:
        answer = put(client, token, body)
    assert answer.status == 400
    assert {"phone1", "address"} <= set(answer.error["fields"])
    assert calls == ["dynamodb:BatchGetItem"]


def test_a_refused_code_of_a_save_also_names_a_taken_new_address_r_ux_1(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    """Fields fine, a code never requested for an address another account now holds: both in
    one answer."""
    other = "tercera.persona@example.com"
    assert register(client, 3, email=other, email_confirmation=other).status == 201
    answer = put(client, token, new_email_body(profile, other, "ABCDEFGH"))
    assert answer.status == 400
    assert answer.error["code"] == "SECURITY_CODE_NOT_REQUESTED"
    assert {"email", "security_code"} <= set(answer.error["fields"])
