"""What an undeliverable address changes for the API (R-MAIL-3): code requests refused at once
with nothing sent, `deliverable` in the availability checks, `email_deliverable` on the account,
notices and recovery mails not sent, and the calls per action unchanged."""

from __future__ import annotations

from typing import Any

from devstack import simulator
from tests.helpers import (
    PASSWORD,
    FakeClock,
    account_post,
    assert_error,
    aws_calls,
    bounce_of,
    get_profile,
    mails_to,
    notify,
    post,
    registration_body,
    request_code,
    request_recovery,
)

DAY = 86400
NEW = "ana.nueva@example.org"
FREE = "libre@example.org"


def pair(address: str) -> dict[str, str]:
    return {"email": address, "email_confirmation": address}


def test_a_code_request_for_a_bounced_address_is_refused_before_the_resend_wait(
    client: Any, clock: FakeClock
) -> None:
    assert request_code(client, FREE).status == 202
    bounce_of(client, FREE, clock())
    answer = request_code(client, FREE.upper())
    error = assert_error(answer, 400, "EMAIL_UNDELIVERABLE")
    assert set(error["fields"]) == {"email"}
    assert "otro correo" in error["fields"]["email"]
    assert len(mails_to(FREE)) == 1


def test_a_complained_address_gets_no_code_and_the_state_ends_after_undeliverable_days(
    client: Any, clock: FakeClock
) -> None:
    notify(client, simulator.complaint("m-1", FREE, clock()))
    assert_error(request_code(client, FREE), 400, "EMAIL_UNDELIVERABLE")
    assert mails_to(FREE) == []
    clock.advance(30 * DAY)
    assert request_code(client, FREE).status == 202


def test_a_transient_bounce_does_not_stop_the_codes(client: Any, clock: FakeClock) -> None:
    bounce_of(client, FREE, clock(), bounce_type="Transient", subtype="MailboxFull")
    assert request_code(client, FREE).status == 202


def test_a_code_request_reads_the_delivery_state_in_the_batch_it_already_makes(
    client: Any, clock: FakeClock
) -> None:
    with aws_calls() as calls:
        assert request_code(client, FREE).status == 202
    dynamodb = [c for c in calls if c.startswith("dynamodb:")]
    assert dynamodb.count("dynamodb:BatchGetItem") == 1
    assert "dynamodb:GetItem" not in dynamodb


def test_registration_availability_reports_deliverable_in_one_read(
    client: Any, clock: FakeClock
) -> None:
    path = "/v1/registration/email-availability"
    assert post(client, path, pair(FREE)).body == {"available": True, "deliverable": True}
    bounce_of(client, FREE, clock())
    with aws_calls() as calls:
        answer = post(client, path, pair(FREE))
    assert (answer.status, answer.body) == (200, {"available": True, "deliverable": False})
    # The source's budget and one BatchGetItem of the claim and the state.
    assert sorted(calls) == ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"]


def test_an_e_mail_change_to_an_undeliverable_address_is_refused(
    client: Any, clock: FakeClock, token: str
) -> None:
    bounce_of(client, NEW, clock())
    answer = account_post(client, token, "email-availability", pair(NEW))
    assert answer.body == {"available": True, "deliverable": False}
    answer = account_post(client, token, "security-code", {"email": NEW})
    assert_error(answer, 400, "EMAIL_UNDELIVERABLE")
    assert mails_to(NEW) == []


def test_the_account_shows_its_address_undeliverable_with_no_read_more(
    client: Any, clock: FakeClock, token: str
) -> None:
    assert get_profile(client, token).body["email_deliverable"] is True
    bounce_of(client, registration_body()["email"], clock())
    with aws_calls() as calls:
        answer = get_profile(client, token)
    assert answer.body["email_deliverable"] is False
    assert calls == ["dynamodb:BatchGetItem"]
    clock.advance(30 * DAY)
    # The session's idle limit is long past: a new log-in shows the state expired.
    token = post(client, "/v1/sessions", {"user_id": "juan.perez1", "password": PASSWORD}).body[
        "token"
    ]
    assert get_profile(client, token).body["email_deliverable"] is True


def test_recovery_answers_alike_and_sends_nothing_to_an_undeliverable_address(
    client: Any, clock: FakeClock, token: str
) -> None:
    address = registration_body()["email"]
    first = request_recovery(client, user_id="juan.perez1")
    assert first.status == 202
    sent = len(mails_to(address))
    bounce_of(client, address, clock())
    clock.advance(120)
    second = request_recovery(client, user_id="juan.perez1")
    assert (second.status, second.body) == (first.status, first.body)
    assert len(mails_to(address)) == sent


def test_security_notices_skip_an_undeliverable_address(
    client: Any, clock: FakeClock, token: str
) -> None:
    address = registration_body()["email"]
    bounce_of(client, address, clock())
    sent = len(mails_to(address))
    body = {"reason": "Ya no uso esta cuenta del portal.", "password": PASSWORD}
    assert account_post(client, token, "deactivation", body).status == 200
    assert len(mails_to(address)) == sent
