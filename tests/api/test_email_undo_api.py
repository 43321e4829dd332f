"""The undo of an e-mail change through the API (issue 8): a one-time link to the old address,
valid EMAIL_UNDO_TTL_SECONDS (72 hours, R-HARD-9), stored hashed, that puts the old address
back, ends every session and requires a password recovery; and the take-over it exists to stop."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest

from chalicelib.config import get_settings
from tests.helpers import (
    DOCUMENT,
    PASSWORD,
    UNDO_PATH,
    assert_conforms,
    audit_events,
    claim_owner,
    email_change,
    get_profile,
    log_in,
    mails_to,
    post,
    put,
    recovery_code,
    recovery_mails,
    register,
    request_recovery,
    reset,
    signed_in,
    undo,
    undo_link,
    update_body,
    user_item,
)

USER = "juan.perez1"
OWNER_EMAIL = "juan.perez1@example.com"
INTRUDER_EMAIL = "intruso@example.org"
LINK = re.compile(
    r'href="https://registro-dev\.ecuapass\.aduana\.gob\.ec/undo-email\.html\?token=([A-Za-z0-9_-]{43})"'
)
LIFETIME = 72 * 3600


def change_email(client: Any, token: str, address: str) -> None:
    profile = get_profile(client, token).body
    answer = email_change(client, token, profile, address)
    assert answer.status == 200, answer.body


@pytest.fixture
def changed(client: Any, clock: Any) -> str:
    """The owner's account after its e-mail went to INTRUDER_EMAIL; the session that did it."""
    token = signed_in(client)
    change_email(client, token, INTRUDER_EMAIL)
    return token


def all_items() -> str:
    client = boto3.client("dynamodb", region_name="us-east-1")
    s = get_settings()
    tables = (s.users_table, s.claims_table, s.codes_table, s.sessions_table, s.audit_table)
    return json.dumps([client.scan(TableName=t)["Items"] for t in tables])


def codes_item(key: str) -> dict[str, Any] | None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    answer = client.get_item(
        TableName=get_settings().codes_table, Key={"key": {"S": key}}, ConsistentRead=True
    )
    return answer.get("Item")


# The link ---------------------------------------------------------------------------------------


def test_an_e_mail_change_mails_the_old_address_a_one_time_link_stored_hashed(
    client: Any, changed: str, clock: Any
) -> None:
    (notice,) = [m for m in mails_to(OWNER_EMAIL) if "reemplazado" in m.subject]
    token = undo_link(OWNER_EMAIL, LINK)
    assert len(token) == 43  # 256 random bits, URL-safe
    assert "3 días" in notice.body and "127.0.0.1" in notice.body
    assert "in***@example.org" in notice.body
    # No mail to the new address carries a link, and no table holds the token itself.
    assert not any(LINK.search(m.body) for m in mails_to(INTRUDER_EMAIL))
    assert token not in all_items()
    from chalicelib.domain.tokens import undo_token_hash
    from chalicelib.wiring import services

    item = codes_item(f"UNDO#{undo_token_hash(services().hash_key, token)}")
    assert item is not None
    assert item["user_id"]["S"] == USER and item["old_email"]["S"] == OWNER_EMAIL
    assert int(item["expires_at"]["N"]) == int(clock()) + LIFETIME
    assert int(item["purge_at"]["N"]) > int(item["expires_at"]["N"])


def test_the_undo_restores_the_old_address_ends_every_session_and_requires_recovery(
    client: Any, changed: str, clock: Any
) -> None:
    other = log_in(client).body["token"]
    before = user_item()
    clock.advance(3600)
    answer = undo(client, undo_link(OWNER_EMAIL, LINK))
    assert answer.status == 200, answer.body
    assert answer.body == {"status": "EMAIL_RESTORED"}
    assert answer.headers["Cache-Control"] == "no-store"

    after = user_item()
    assert after["email"]["S"] == OWNER_EMAIL
    assert after["must_recover_password"]["BOOL"] is True
    assert int(after["session_epoch"]["N"]) == int(before["session_epoch"]["N"]) + 1
    assert int(after["version"]["N"]) == int(before["version"]["N"]) + 1
    assert after["password_hash"] == before["password_hash"]
    assert claim_owner(f"EMAIL#{OWNER_EMAIL}") == USER
    assert claim_owner(f"EMAIL#{INTRUDER_EMAIL}") is None
    for token in (changed, other):
        assert get_profile(client, token).status == 401

    # The right password is no longer enough; a wrong one is still just wrong.
    refused = log_in(client)
    assert refused.status == 403
    assert refused.error["code"] == "PASSWORD_RECOVERY_REQUIRED"
    assert "¿Olvidó su contraseña?" in refused.error["message"]
    assert log_in(client, password="Otra2026clave").error["code"] == "INVALID_CREDENTIALS"

    (event,) = audit_events("EMAIL_CHANGE_UNDONE")
    assert event["fields"]["SS"] == ["email"]
    assert any("restablecido" in m.subject for m in mails_to(OWNER_EMAIL))
    assert any("ya no está asociado" in m.subject for m in mails_to(INTRUDER_EMAIL))

    # The recovery goes through the restored address and lifts the requirement.
    assert request_recovery(client, user_id=USER).status == 202
    assert reset(client, recovery_code(OWNER_EMAIL)).status == 200
    assert user_item()["must_recover_password"]["BOOL"] is False
    assert log_in(client, password="Recuperada2026ok").status == 201


def test_a_used_link_is_refused_400(client: Any, changed: str) -> None:
    token = undo_link(OWNER_EMAIL, LINK)
    assert undo(client, token).status == 200
    before = user_item()
    again = undo(client, token)
    assert again.status == 400
    assert again.error["code"] == "LINK_USED"
    assert user_item() == before


def test_an_expired_link_is_refused_410(client: Any, changed: str, clock: Any) -> None:
    token = undo_link(OWNER_EMAIL, LINK)
    before = user_item()
    clock.advance(LIFETIME + 1)
    answer = undo(client, token)
    assert answer.status == 410
    assert answer.error["code"] == "LINK_EXPIRED"
    assert "3 días" in answer.error["message"]
    assert user_item() == before
    assert claim_owner(f"EMAIL#{INTRUDER_EMAIL}") == USER


def test_a_link_used_on_its_last_second_still_works(client: Any, changed: str, clock: Any) -> None:
    token = undo_link(OWNER_EMAIL, LINK)
    clock.advance(LIFETIME - 1)
    assert undo(client, token).status == 200


def test_an_unknown_link_is_404_and_a_malformed_one_400(client: Any, changed: str) -> None:
    from chalicelib.domain import tokens

    unknown = undo(client, tokens.new_token())
    assert unknown.status == 404
    assert unknown.error["code"] == "NOT_FOUND"
    token = undo_link(OWNER_EMAIL, LINK)
    for bad in (token[:-1], token + "A", token[:-1] + "=", "", None, 12345, " " * 43):
        answer = undo(client, bad)
        assert answer.status == 400, bad
        assert answer.error["code"] == "VALIDATION_ERROR"
        assert set(answer.error["fields"]) == {"token"}
    body: str | dict[str, Any]
    for body in ("not json", "[]", {}):
        assert post(client, UNDO_PATH, body).status == 400
    # None of that spent the link.
    assert undo(client, token).status == 200


def test_the_undo_is_refused_409_while_the_old_address_is_another_account_s(
    client: Any, changed: str, clock: Any
) -> None:
    """The old address was released by the change: if another account took it meanwhile (with a
    code mailed to it, so by whoever reads that mailbox), it is not taken back. Nothing changes
    and the link stays usable until it expires."""
    clock.advance(61)
    other = register(client, 2, email=OWNER_EMAIL, email_confirmation=OWNER_EMAIL)
    assert other.status == 201
    token = undo_link(OWNER_EMAIL, LINK)
    before = user_item()
    answer = undo(client, token)
    assert answer.status == 409
    assert answer.error["code"] == "EMAIL_TAKEN"
    assert user_item() == before
    assert claim_owner(f"EMAIL#{OWNER_EMAIL}") == "juan.perez2"

    # Once the other account gives the address up, the link works.
    second = signed_in_as(client, "juan.perez2")
    reason = {"reason": "Cuenta duplicada por error.", "password": PASSWORD}
    assert post(client, "/v1/account/deactivation", reason, **auth(second)).status == 200
    assert undo(client, token).status == 200
    assert claim_owner(f"EMAIL#{OWNER_EMAIL}") == USER


def test_the_undo_of_a_deactivated_account_is_refused_403(client: Any, changed: str) -> None:
    reason = {"reason": "Ya no necesito esta cuenta.", "password": PASSWORD}
    assert post(client, "/v1/account/deactivation", reason, **auth(changed)).status == 200
    answer = undo(client, undo_link(OWNER_EMAIL, LINK))
    assert answer.status == 403
    assert answer.error["code"] == "ACCOUNT_DEACTIVATED"
    assert user_item()["status"]["S"] == "DEACTIVATED"


def test_the_undo_answers_conform_to_the_document(client: Any, changed: str, clock: Any) -> None:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    token = undo_link(OWNER_EMAIL, LINK)
    for answer in (
        undo(client, "x"),
        undo(client, "A" * 43),
        undo(client, token),
        undo(client, token),
    ):
        assert_conforms(document, UNDO_PATH, "POST", answer)


# The take-over it stops -------------------------------------------------------------------------


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in_as(client: Any, user_id: str, password: str = PASSWORD) -> str:
    answer = log_in(client, user_id, password)
    assert answer.status == 201, answer.body
    return str(answer.body["token"])


def changed_twice_by_intruder(client: Any, clock: Any) -> None:
    """The owner's account moved by an intruder to INTRUDER_EMAIL, then a minute later to a
    second address of theirs."""
    assert register(client).status == 201
    intruder = signed_in_as(client, USER)
    change_email(client, intruder, INTRUDER_EMAIL)
    clock.advance(61)
    change_email(client, intruder, "segunda@example.net")


def test_the_undo_gives_a_hijacked_account_back_to_its_owner_and_shuts_the_intruder_out(
    client: Any, clock: Any
) -> None:
    """Someone with the stolen password logs in and moves the account to their own address.
    The owner uses the link in the notice; the intruder's session dies, the stolen password no
    longer opens the account, and a recovery code can only reach the owner."""
    assert register(client).status == 201
    intruder = signed_in_as(client, USER)
    change_email(client, intruder, INTRUDER_EMAIL)
    assert get_profile(client, intruder).body["email"] == INTRUDER_EMAIL

    clock.advance(600)
    assert undo(client, undo_link(OWNER_EMAIL, LINK)).status == 200

    assert get_profile(client, intruder).status == 401
    assert log_in(client).error["code"] == "PASSWORD_RECOVERY_REQUIRED"
    # The intruder asks for a recovery code: it goes to the owner's address, not theirs.
    intruder_mails = len(mails_to(INTRUDER_EMAIL))
    assert request_recovery(client, user_id=USER).status == 202
    assert len(mails_to(INTRUDER_EMAIL)) == intruder_mails
    assert len(recovery_mails(OWNER_EMAIL)) == 1
    guess = reset(client, "ABCDEFGH", password="Intruso2026x")
    assert guess.error["code"] == "SECURITY_CODE_INVALID"

    # The owner sets a new password through the old address and logs in; the stolen one is dead.
    assert reset(client, recovery_code(OWNER_EMAIL), password="Duena2026segura").status == 200
    owner = signed_in_as(client, USER, "Duena2026segura")
    assert get_profile(client, owner).body["email"] == OWNER_EMAIL
    assert log_in(client).error["code"] == "INVALID_CREDENTIALS"


def test_a_second_change_by_the_intruder_does_not_defeat_the_owner_s_link(
    client: Any, clock: Any
) -> None:
    """Owner → intruder's first address → their second one: the owner's link still restores the
    owner's address, and the link the intruder got at their first address is void."""
    changed_twice_by_intruder(client, clock)
    owner_link = undo_link(OWNER_EMAIL, LINK)
    intruder_link = undo_link(INTRUDER_EMAIL, LINK)

    assert undo(client, owner_link).status == 200
    assert user_item()["email"]["S"] == OWNER_EMAIL
    assert claim_owner("EMAIL#segunda@example.net") is None
    assert claim_owner(f"EMAIL#{OWNER_EMAIL}") == USER

    void = undo(client, intruder_link)
    assert void.status == 410
    assert void.error["code"] == "LINK_EXPIRED"
    assert user_item()["email"]["S"] == OWNER_EMAIL


def test_the_owner_s_link_wins_even_after_the_intruder_used_theirs_first(
    client: Any, clock: Any
) -> None:
    changed_twice_by_intruder(client, clock)
    owner_link = undo_link(OWNER_EMAIL, LINK)

    # The intruder undoes their own second change, back to their first address …
    assert undo(client, undo_link(INTRUDER_EMAIL, LINK)).status == 200
    assert user_item()["email"]["S"] == INTRUDER_EMAIL
    # … and the owner's older link still takes the account back.
    assert undo(client, owner_link).status == 200
    assert user_item()["email"]["S"] == OWNER_EMAIL
    assert claim_owner(f"EMAIL#{INTRUDER_EMAIL}") is None
    assert log_in(client).error["code"] == "PASSWORD_RECOVERY_REQUIRED"


def test_links_of_changes_made_after_an_undo_work(client: Any, clock: Any) -> None:
    """The void covers only links issued before the undo."""
    token = signed_in(client)
    change_email(client, token, INTRUDER_EMAIL)
    assert undo(client, undo_link(OWNER_EMAIL, LINK)).status == 200
    assert request_recovery(client, user_id=USER).status == 202
    assert reset(client, recovery_code(OWNER_EMAIL)).status == 200
    token = signed_in_as(client, USER, "Recuperada2026ok")
    clock.advance(61)
    change_email(client, token, "nueva@example.net")
    clock.advance(61)
    assert undo(client, undo_link(OWNER_EMAIL, LINK)).status == 200
    assert user_item()["email"]["S"] == OWNER_EMAIL


def test_a_profile_edit_after_the_change_does_not_spoil_the_link(client: Any, changed: str) -> None:
    profile = get_profile(client, changed).body
    assert put(client, changed, update_body(profile, address="Calle Nueva 123")).status == 200
    assert undo(client, undo_link(OWNER_EMAIL, LINK)).status == 200
    assert user_item()["address"]["S"] == "Calle Nueva 123"
