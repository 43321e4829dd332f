"""`ecuapass-admin mail-status` and `mail-clear` (R-MAIL-3, R-ADM-1, R-ADM-2) against moto.

moto 5.2.5 does not implement sesv2 DeleteSuppressedDestination: its call is answered here by
botocore's Stubber on the very client the tool uses (the answers SES documents: an empty 200,
or NotFoundException for an address not on the list)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.helpers import (
    USER,
    FakeClock,
    audit_events,
    bounce_of,
    delivery_item,
    register,
    run_admin,
    user_item,
)

EMAIL = "juan.perez1@example.com"


@pytest.fixture
def suppression_list() -> Iterator[Stubber]:
    from chalicelib import aws
    from chalicelib.config import get_settings

    client = aws.client("sesv2", get_settings().region)
    with Stubber(client) as stubber:
        yield stubber


def on_the_list(stubber: Stubber, address: str, *, listed: bool) -> None:
    if listed:
        stubber.add_response("delete_suppressed_destination", {}, {"EmailAddress": address})
    else:
        stubber.add_client_error(
            "delete_suppressed_destination",
            service_error_code="NotFoundException",
            http_status_code=404,
            expected_params={"EmailAddress": address},
        )


def test_mail_status_tells_an_undeliverable_address_and_its_account(
    client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert register(client).status == 201
    status, out, _ = run_admin(capsys, "mail-status", EMAIL, "--json")
    assert status == 0
    assert json.loads(out)["deliverable"] is True
    bounce_of(client, EMAIL, clock(), "ses-9")
    status, out, _ = run_admin(capsys, "mail-status", EMAIL.upper(), "--json")
    found = json.loads(out)
    assert (found["deliverable"], found["state"], found["kind"], found["subtype"]) == (
        False,
        "UNDELIVERABLE",
        "Bounce",
        "General",
    )
    assert (found["ses_message_id"], found["account"]) == ("ses-9", USER)
    status, out, _ = run_admin(capsys, "show", USER)
    assert "NO ENTREGABLE" in out and "mail-clear" in out


def test_mail_clear_ends_the_state_its_mirror_and_the_ses_entry_with_audit(
    client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str], suppression_list: Stubber
) -> None:
    assert register(client).status == 201
    bounce_of(client, EMAIL, clock())
    assert "email_undeliverable_until" in user_item()
    on_the_list(suppression_list, EMAIL, listed=True)
    status, out, err = run_admin(capsys, "mail-clear", EMAIL, "--ticket", "MDA-77", "--json")
    assert status == 0, err
    done = json.loads(out)
    assert (done["state_cleared"], done["ses_suppression_cleared"], done["account"]) == (
        True,
        True,
        USER,
    )
    assert delivery_item(EMAIL) is None
    assert "email_undeliverable_until" not in user_item()
    (event,) = [e for e in audit_events("OPERATOR_MAIL_CLEARED")]
    assert event["ticket"] == {"S": "MDA-77"}
    suppression_list.assert_no_pending_responses()


def test_mail_clear_of_a_clear_address_changes_nothing_and_exits_1(
    client: Any, capsys: pytest.CaptureFixture[str], suppression_list: Stubber
) -> None:
    on_the_list(suppression_list, "nadie@example.org", listed=False)
    status, _, err = run_admin(capsys, "mail-clear", "nadie@example.org", "--ticket", "MDA-78")
    assert status == 1
    assert "ya puede recibir correos" in err


def test_mail_clear_needs_a_ticket(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, _ = run_admin(capsys, "mail-clear", EMAIL)
    assert status != 0
