"""`ecuapass-admin erase ID --ticket T` against moto (R-PRIV-4, R-ADM-1, R-ADM-2): the account
anonymised now, as the retention job does after its period; the owner told before; the erasure
audited with operator and ticket; the ID kept reserved."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain import retention
from tests.helpers import (
    OPERATOR,
    PASSWORD,
    USER,
    FakeClock,
    audit_events,
    bearer,
    claim_owner,
    log_in,
    mails_to,
    post,
    register,
    registration_body,
    run_admin,
    signed_in,
    user_item,
)

EMAIL = "juan.perez1@example.com"


def erase(capsys: pytest.CaptureFixture[str], ticket: str = "MDA-90") -> dict[str, Any]:
    status, out, err = run_admin(capsys, "erase", USER, "--ticket", ticket, "--json")
    assert status == 0, err
    return dict(json.loads(out))


def test_erase_anonymises_an_active_account_now_and_tells_the_owner_first_r_priv_4_r_adm_2(
    client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    body = registration_body(1)
    token = signed_in(client)
    answer = erase(capsys)
    assert answer["status"] == "DEACTIVATED" and answer["ticket"] == "MDA-90"

    item = user_item()
    assert item["name"]["S"] == retention.ANONYMISED_NAME
    assert item["anonymised_at"]["S"] == answer["anonymised_at"]
    stored = json.dumps([item, *audit_events()], ensure_ascii=False)
    for value in (body["name"], body["document_number"], body["address"], body["phone1"], EMAIL):
        assert value not in stored, value
    assert "127.0.0.1" not in stored
    # The session ended with the deactivation; the ID stays reserved, the document is free.
    assert (
        post(
            client, "/v1/account/password-check", {"current_password": PASSWORD}, **bearer(token)
        ).status
        == 401
    )
    assert claim_owner(f"USERID#{USER}") == USER
    assert log_in(client).status == 401
    clock.advance(61)  # the address's code resend wait
    again = {
        k: body[k] for k in ("document_type", "document_number", "email", "email_confirmation")
    }
    assert register(client, 2, **again).status == 201
    # Told before: a mail to the address says what is erased, with the ticket.
    (notice,) = [m for m in mails_to(EMAIL) if "serán eliminados" in m.subject]
    assert "MDA-90" in notice.body and USER in notice.body


def test_erase_is_audited_with_operator_and_ticket_r_adm_2(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    signed_in(client)
    erase(capsys, "MDA-91")
    (erased,) = audit_events("OPERATOR_ERASED")
    assert (erased["operator"]["S"], erased["ticket"]["S"]) == (OPERATOR, "MDA-91")
    (deactivated,) = audit_events("DEACTIVATED")
    assert deactivated["operator"]["S"] == OPERATOR
    # Written before the anonymisation, the others lost their detail and origin with it.
    others = [e for e in audit_events() if e["event"]["S"] != "OPERATOR_ERASED"]
    assert all("detail" not in e and "user_agent" not in e for e in others)


def test_erase_of_a_deactivated_account_anonymises_it_without_a_second_deactivation(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    token = signed_in(client)
    answer = post(
        client,
        "/v1/account/deactivation",
        {"reason": "Ya no la uso para nada.", "password": PASSWORD},
        **bearer(token),
    )
    assert answer.status == 200
    erase(capsys)
    assert [e["event"]["S"] for e in audit_events()].count("DEACTIVATED") == 1
    assert user_item()["name"]["S"] == retention.ANONYMISED_NAME


def test_erase_twice_is_refused_with_a_spanish_message_r_adm_1(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    signed_in(client)
    erase(capsys)
    before = (user_item(), audit_events())
    status, out, err = run_admin(capsys, "erase", USER, "--ticket", "MDA-92")
    assert (status, out) == (1, "")
    assert "ya fue anonimizada" in err
    assert (user_item(), audit_events()) == before


def test_erase_needs_a_ticket_and_an_existing_account(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_admin(capsys, "erase", USER)
    assert status == 2 and "--ticket" in err
    status, _, err = run_admin(capsys, "erase", "nadie.aqui", "--ticket", "MDA-93")
    assert status == 1 and "No existe ninguna cuenta" in err
