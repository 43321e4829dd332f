"""«Descargar mis datos» (api.md "Privacy", R-PRIV-3)."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import (
    PASSWORD,
    account_post,
    assert_conforms,
    assert_export_holds_no_secret,
    audit_events,
    aws_calls,
    bearer,
    call,
    log_in,
    signed_in,
    user_item,
)

EXPORT = "/v1/account/data-export"


def export(client: Any, token: str, password: str = PASSWORD) -> Any:
    return account_post(client, token, "data-export", {"password": password})


def test_export_holds_profile_trail_sessions_and_delivery_r_priv_3(
    client: Any, document: dict[str, Any]
) -> None:
    token = signed_in(client)
    answer = export(client, token)
    assert answer.status == 200, answer.body
    assert re.fullmatch(
        r'attachment; filename="mis-datos-juan\.perez1-\d{4}-\d{2}-\d{2}\.json"',
        answer.headers["Content-Disposition"],
    )
    body = answer.body
    assert body["account"]["user_id"] == "juan.perez1"
    assert body["account"]["status"] == "ACTIVE"
    assert body["account"]["email"] == "juan.perez1@example.com"
    events = [e["event"] for e in body["audit"]]
    assert {"REGISTERED", "LOGGED_IN"} <= set(events)
    assert all(e["source_ip"] for e in body["audit"])
    assert body["privacy_acknowledgements"][0]["event"] == "REGISTERED"
    assert len(body["sessions"]) == 1 and body["sessions"][0]["current"] is True
    assert body["email_delivery"]["deliverable"] is True
    assert_conforms(document, EXPORT, "POST", answer)


def test_export_holds_no_hash_token_code_or_key(client: Any) -> None:
    token = signed_in(client)
    other = log_in(client).body["token"]
    body = export(client, token).body
    assert_export_holds_no_secret(body, [user_item()["password_hash"]["S"], token, other, PASSWORD])


def test_export_is_audited(client: Any) -> None:
    token = signed_in(client)
    assert export(client, token).status == 200
    (event,) = audit_events("DATA_EXPORTED")
    assert event["source_ip"]["S"]


def test_wrong_password_counts_toward_the_lock_out(client: Any, document: dict[str, Any]) -> None:
    token = signed_in(client)
    answer = export(client, token, "Otra2026clave")
    assert answer.status == 401
    assert answer.error["code"] == "INVALID_CREDENTIALS"
    assert answer.error["attempts_left"] == 4
    assert_conforms(document, EXPORT, "POST", answer)
    for _ in range(4):
        last = export(client, token, "Otra2026clave")
    assert last.status == 423
    assert audit_events("DATA_EXPORTED") == []


def test_export_needs_a_session_and_a_password(client: Any) -> None:
    assert call(client, "POST", EXPORT, {"password": PASSWORD}).status == 401
    token = signed_in(client)
    answer = call(client, "POST", EXPORT, {}, **bearer(token))
    assert answer.status == 400
    assert "password" in answer.error["fields"]


def test_trail_is_read_by_query_never_scan(client: Any) -> None:
    token = signed_in(client)
    with aws_calls() as calls:
        assert export(client, token).status == 200
    assert not any(call.endswith(":Scan") for call in calls)
    assert "dynamodb:Query" in calls


def test_the_file_name_is_readable_by_the_web_page_on_its_own_origin_r_priv_3(
    client: Any,
) -> None:
    """The web form is served from another origin: CORS must expose Content-Disposition for
    «Descargar mis datos» to save the file under the API's name."""
    token = signed_in(client)
    answer = export(client, token)
    assert answer.status == 200
    exposed = [
        h.strip().lower() for h in answer.headers["Access-Control-Expose-Headers"].split(",")
    ]
    assert "content-disposition" in exposed and "retry-after" in exposed
