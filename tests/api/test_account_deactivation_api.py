"""Deactivation of the logged-in user's account through the API (R-DEL-1, R-DEL-2, api.md
"Account")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import (
    NEW_EMAIL,
    NEW_PASSWORD,
    PASSWORD,
    REASON,
    WRONG,
    account_post,
    audit_events,
    claim_owner,
    email_change,
    last_code,
    log_in,
    mails_to,
    new_email_body,
    new_password,
    post,
    put,
    register,
    unverify_sender,
    update_body,
    user_item,
)

# Deactivation (R-DEL-1, R-DEL-2) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"reason", "password"}),
        ({"reason": "corto", "password": PASSWORD}, {"reason"}),
        ({"reason": "x" * 501, "password": PASSWORD}, {"reason"}),
        ({"reason": REASON}, {"password"}),
        ({"reason": 12345678901, "password": PASSWORD}, {"reason"}),
    ],
)
def test_deactivation_needs_a_reason_of_10_to_500_characters_and_the_password_r_del_1(
    client: Any, token: str, body: dict[str, Any], fields: set[str]
) -> None:
    answer = account_post(client, token, "deactivation", body)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert set(answer.error["fields"]) == fields
    assert user_item()["status"]["S"] == "ACTIVE"


def test_deactivation_refuses_a_wrong_password_and_counts_it_r_del_1(
    client: Any, token: str
) -> None:
    answer = account_post(client, token, "deactivation", {"reason": REASON, "password": WRONG})
    assert answer.status == 401
    assert answer.error["code"] == "INVALID_CREDENTIALS"
    item = user_item()
    assert item["status"]["S"] == "ACTIVE"
    assert len(item["failed_logins"]["L"]) == 1


def test_deactivation_releases_document_and_email_and_keeps_the_id_r_del_2(
    client: Any, token: str, profile: dict[str, Any], clock: Any
) -> None:
    answer = account_post(client, token, "deactivation", {"reason": REASON, "password": PASSWORD})
    assert answer.status == 200
    assert answer.body == {"status": "DEACTIVATED"}

    item = user_item()  # nothing is deleted
    assert item["status"]["S"] == "DEACTIVATED"
    assert item["deactivation_reason"]["S"] == REASON
    assert item["deactivated_at"]["S"]
    assert item["name"]["S"] == profile["name"]
    document = f"DOC#CEDULA#{profile['document_number']}"
    assert claim_owner(document) is None
    assert claim_owner(f"EMAIL#{profile['email']}") is None
    assert claim_owner("USERID#juan.perez1") == "juan.perez1"

    (mail,) = [m for m in mails_to(profile["email"]) if "baja" in m.subject]
    assert "juan.perez1" in mail.body
    (event,) = audit_events("DEACTIVATED")
    assert event["detail"]["S"] == REASON

    # The same person registers a new ID with the same document and e-mail …
    clock.advance(60)
    again = register(
        client,
        7,
        document_number=profile["document_number"],
        email=profile["email"],
        email_confirmation=profile["email"],
    )
    assert again.status == 201, again.body
    # … but the old ID stays taken forever.
    availability = post(client, "/v1/registration/user-id-availability", {"user_id": "juan.perez1"})
    assert availability.body == {"available": False}
    taken = register(client, 8, user_id="juan.perez1")
    assert taken.error["code"] == "USER_ID_TAKEN"


def test_deactivation_on_stale_data_releases_nothing_r_mod_7(
    client: Any, token: str, profile: dict[str, Any], clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An e-mail change committed between the session check and the deactivation must not
    leave its new address claimed by a deactivated account."""
    from dataclasses import replace

    from chalicelib.store.sessions import DynamoSessionStore

    assert email_change(client, token, profile, NEW_EMAIL).status == 200
    real_load = DynamoSessionStore.load

    def load_as_before_the_change(self: Any, token_hash: str, user_id: str) -> Any:
        session, user = real_load(self, token_hash, user_id)
        assert user is not None
        return session, replace(user, email=profile["email"], version=profile["version"])

    monkeypatch.setattr(DynamoSessionStore, "load", load_as_before_the_change)
    before = user_item()
    body = {"reason": REASON, "password": PASSWORD}
    answer = account_post(client, token, "deactivation", body)
    assert answer.status == 409
    assert answer.error["code"] == "STALE_UPDATE"
    assert user_item() == before
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez1"


def test_a_deactivated_accounts_data_cannot_be_saved_any_more(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    other = log_in(client).body["token"]
    deactivation = {"reason": REASON, "password": PASSWORD}
    assert account_post(client, token, "deactivation", deactivation).status == 200
    assert put(client, other, update_body(profile, address="Otra 123")).status == 401


def test_a_refused_notice_does_not_undo_a_committed_change(
    client: Any, token: str, profile: dict[str, Any]
) -> None:
    assert account_post(client, token, "security-code", {"email": NEW_EMAIL}).status == 202
    body = new_email_body(
        profile,
        NEW_EMAIL,
        last_code(NEW_EMAIL),
        current_password=PASSWORD,
        **new_password(NEW_PASSWORD),
    )
    unverify_sender()
    answer = put(client, token, body)
    assert answer.status == 200
    assert answer.body["email"] == NEW_EMAIL
    assert claim_owner(f"EMAIL#{NEW_EMAIL}") == "juan.perez1"
    deactivation = {"reason": REASON, "password": NEW_PASSWORD}
    assert account_post(client, token, "deactivation", deactivation).status == 200
    assert user_item()["status"]["S"] == "DEACTIVATED"
