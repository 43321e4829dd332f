"""Retention (R-PRIV-4): the scheduled job, invoked with the event EventBridge sends it, against
moto, with time moved by the injected clock. Deactivated accounts are anonymised after
DEACTIVATED_RETENTION_DAYS, audit events lose address and browser after
AUDIT_DETAIL_RETENTION_DAYS, nothing is read by Scan, and a second run changes nothing."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain import retention
from chalicelib.domain.clock import DAY
from chalicelib.wiring import services
from tests import flows
from tests.helpers import (
    PASSWORD,
    USER,
    FakeClock,
    account_post,
    audit_events,
    aws_calls,
    bearer,
    call,
    claim_owner,
    dynamodb,
    log_in,
    post,
    register,
    registration_body,
    run_retention,
    signed_in,
    user_item,
)

CHROME = {"User-Agent": "Mozilla/5.0 (Android 14) Chrome/140"}
DEACTIVATED_DAYS = get_settings().deactivated_retention_days
DETAIL_DAYS = get_settings().audit_detail_retention_days


def deactivated(client: Any, n: int = 1) -> dict[str, Any]:
    """Register user n, log in from a phone, deactivate; the registration body."""
    body = registration_body(n)
    token = signed_in(client, n)
    answer = post(
        client,
        "/v1/account/deactivation",
        {"reason": "Ya no trabajo con la aduana.", "password": PASSWORD},
        **bearer(token),
        **CHROME,
    )
    assert answer.status == 200, answer.body
    return body


def everything_stored_of(user_id: str, now: float) -> str:
    """Every item of every table that names the account, as text; but those DynamoDB's TTL has
    deleted by `now` (codes, sessions, counters), which moto keeps."""
    from chalicelib.store.models import ALL_MODELS, TTL_ATTRIBUTES

    found = []
    for model in ALL_MODELS:
        ttl = TTL_ATTRIBUTES.get(model)
        for item in dynamodb().scan(TableName=model.Meta.table_name)["Items"]:
            if ttl and ttl in item and float(item[ttl]["N"]) <= now:
                continue
            text = json.dumps(item, ensure_ascii=False)
            if user_id in text:
                found.append(text)
    return "\n".join(found)


def personal_values(body: dict[str, Any]) -> list[str]:
    return [
        body["name"],
        body["document_number"],
        body["address"],
        body["phone1"],
        body["email"],
        *(body[k] for k in ("phone2", "mobile", "fax") if body.get(k)),
    ]


def test_a_deactivated_account_is_anonymised_once_its_period_is_over_r_priv_4(
    client: Any, clock: FakeClock
) -> None:
    body = deactivated(client)
    before = user_item()
    source_ip = audit_events("DEACTIVATED")[0]["source_ip"]["S"]

    clock.advance(DEACTIVATED_DAYS * DAY)
    assert run_retention(client)["accounts_anonymised"] == 0
    assert user_item()["name"] == before["name"]

    clock.advance(DAY)
    assert run_retention(client)["accounts_anonymised"] == 1
    stored = everything_stored_of(USER, clock())
    for value in [
        *personal_values(body),
        source_ip,
        CHROME["User-Agent"],
        before["password_hash"]["S"],
    ]:
        assert value not in stored, value
    item = user_item()
    assert item["name"]["S"] == retention.ANONYMISED_NAME
    assert item["status"]["S"] == "DEACTIVATED"
    assert item["anonymised_at"]["S"]
    assert "deactivated_on" not in item and "deactivation_reason" not in item


def test_the_anonymised_account_keeps_its_id_and_its_trail_of_what_and_when_r_priv_4(
    client: Any, clock: FakeClock
) -> None:
    deactivated(client)
    trail_before = [(e["event"]["S"], e["at"]["S"]) for e in audit_events()]
    clock.advance((DEACTIVATED_DAYS + 1) * DAY)
    run_retention(client)

    assert claim_owner(f"USERID#{USER}") == USER
    answer = post(client, "/v1/registration/user-id-availability", {"user_id": USER})
    assert answer.body["available"] is False
    trail = audit_events()
    assert [(e["event"]["S"], e["at"]["S"]) for e in trail] == trail_before
    for event in trail:
        assert not {"source_ip", "user_agent", "detail", "detail_on"} & set(event), event


def test_an_anonymised_account_cannot_log_in_and_its_document_can_register_again_r_priv_4(
    client: Any, clock: FakeClock
) -> None:
    body = deactivated(client)
    clock.advance((DEACTIVATED_DAYS + 1) * DAY)
    run_retention(client)

    answer = log_in(client, USER, PASSWORD)
    assert (answer.status, answer.error["code"]) == (401, "INVALID_CREDENTIALS")
    again = {
        k: body[k] for k in ("document_type", "document_number", "email", "email_confirmation")
    }
    assert register(client, 2, **again).status == 201


def test_an_active_accounts_events_lose_address_and_browser_after_their_period_r_priv_4(
    client: Any, clock: FakeClock
) -> None:
    token = signed_in(client)
    phone = log_in(client, USER, PASSWORD)
    assert phone.status == 201
    sessions = call(client, "GET", "/v1/account/sessions", **bearer(token)).body["items"]
    other = next(s["id"] for s in sessions if not s["current"])
    assert call(client, "DELETE", f"/v1/account/sessions/{other}", **bearer(token)).status == 204
    old = audit_events()
    assert all("source_ip" in e for e in old)
    assert "SESSION_ENDED" in [e["event"]["S"] for e in old]

    clock.advance(DETAIL_DAYS * DAY - DAY)
    assert log_in(client).status == 201  # a recent event, which keeps its details
    clock.advance(2 * DAY)
    report = run_retention(client)
    assert report["events_stripped"] == len(old)

    by_key = {e["at_event"]["S"]: e for e in audit_events()}
    for event in old:
        stripped = by_key[event["at_event"]["S"]]
        assert not {"source_ip", "user_agent", "detail_on"} & set(stripped)
        assert stripped["event"] == event["event"] and stripped["at"] == event["at"]
        if event["event"]["S"] == "SESSION_ENDED":
            assert "detail" not in stripped
    recent = [e["event"]["S"] for e in by_key.values() if e not in old and "source_ip" in e]
    assert recent == ["LOGGED_IN"]
    token = log_in(client).body["token"]
    # The account is untouched, and the export shows the trail as it now is (R-PRIV-3).
    export = account_post(client, token, "data-export", {"password": PASSWORD}).body
    assert [e["source_ip"] for e in export["audit"]][: len(old)] == [None] * len(old)


def test_a_second_run_changes_nothing_and_a_quiet_hour_costs_two_reads_r_priv_4(
    client: Any, clock: FakeClock
) -> None:
    deactivated(client)
    clock.advance((DEACTIVATED_DAYS + 1) * DAY)
    run_retention(client)
    after = (user_item(), audit_events())
    with aws_calls() as calls:
        report = run_retention(client)
    assert (report["accounts_anonymised"], report["events_stripped"]) == (0, 0)
    assert (user_item()["version"], audit_events()) == (after[0]["version"], after[1])
    # The two cursors; nothing is due until the next day.
    assert calls == ["dynamodb:GetItem", "dynamodb:GetItem"]


def test_the_job_never_scans_r_priv_4(client: Any) -> None:
    with aws_calls() as calls:
        flows.retention(client, flows.sign_up(client, 1), calls)
    assert set(calls) == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    }


def test_a_run_stops_at_its_batch_and_the_next_goes_on_from_there_r_priv_4(
    client: Any, clock: FakeClock
) -> None:
    for n in (1, 2, 3):
        deactivated(client, n)
    clock.advance((DEACTIVATED_DAYS + 1) * DAY)
    deps = services().retention()
    small = dataclasses.replace(deps, policy=dataclasses.replace(deps.policy, batch=2))

    first = retention.run(small, rules=[retention.DEACTIVATED])
    assert (first.accounts_anonymised, first.more) == (2, True)
    second = retention.run(small, rules=[retention.DEACTIVATED])
    assert (second.accounts_anonymised, second.more) == (1, False)
    for n in (1, 2, 3):
        assert user_item(f"juan.perez{n}")["name"]["S"] == retention.ANONYMISED_NAME


def test_a_shorter_period_set_later_covers_the_days_it_newly_reaches_r_priv_4(
    client: Any, clock: FakeClock
) -> None:
    deactivated(client)
    clock.advance(100 * DAY)
    deps = services().retention()
    assert retention.run(deps).accounts_anonymised == 0
    shorter = dataclasses.replace(
        deps, policy=dataclasses.replace(deps.policy, deactivated_days=90)
    )
    assert retention.run(shorter).accounts_anonymised == 1


def test_an_account_still_active_is_never_anonymised(client: Any, clock: FakeClock) -> None:
    signed_in(client)
    clock.advance((DEACTIVATED_DAYS + 1) * DAY)
    assert run_retention(client)["accounts_anonymised"] == 0
    assert log_in(client).status == 201
