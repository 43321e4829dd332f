"""The session list, ending one session and ending the others (R-SEC-1, api.md "Sessions" of
the second wave), through the API against in-process moto."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.config import get_settings
from chalicelib.domain.sessions import token_hash
from chalicelib.store.sessions import DynamoSessionStore
from chalicelib.wiring import services
from tests.helpers import (
    PASSWORD,
    Answer,
    assert_conforms,
    audit_events,
    aws_calls,
    bearer,
    call,
    dynamodb,
    log_in,
    post,
    put,
    register,
    registration_body,
    signed_in,
    update_body,
    user_item,
)

SESSIONS = "/v1/account/sessions"
END_OTHERS = "/v1/account/sessions/end-others"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def log_in_with(client: Any, user_agent: str, user_id: str = "juan.perez1") -> str:
    answer = post(
        client,
        "/v1/sessions",
        {"user_id": user_id, "password": PASSWORD},
        **{"User-Agent": user_agent},
    )
    assert answer.status == 201, answer.body
    return str(answer.body["token"])


def listed(client: Any, token: str) -> Answer:
    return call(client, "GET", SESSIONS, **bearer(token))


def end(client: Any, token: str, session_id: str) -> Answer:
    return call(client, "DELETE", f"{SESSIONS}/{session_id}", **bearer(token))


def end_others(client: Any, token: str, body: Any = None) -> Answer:
    return post(client, END_OTHERS, body, **bearer(token))


def works(client: Any, token: str) -> bool:
    answer = call(client, "GET", "/v1/account", **bearer(token))
    assert answer.status in (200, 401), answer.body
    return answer.status == 200


def three_sessions(client: Any) -> tuple[str, str, str]:
    """One account signed in from three devices: Firefox on Windows, Safari on an iPhone and
    Chrome on Android (the one the tests act from)."""
    assert register(client).status == 201
    return (
        log_in_with(client, FIREFOX_WINDOWS),
        log_in_with(client, SAFARI_IPHONE),
        log_in_with(client, CHROME_ANDROID),
    )


# The list --------------------------------------------------------------------------------------


def test_the_list_shows_each_open_session_with_its_device_and_this_one_first_r_sec_1(
    client: Any, clock: Any
) -> None:
    _firefox, safari, chrome = three_sessions(client)
    clock.advance(120)
    assert works(client, safari)  # last seen moves on, at most once a minute
    answer = listed(client, chrome)
    assert answer.status == 200, answer.body
    assert answer.headers["Cache-Control"] == "no-store"
    items = answer.body["items"]
    assert [(i["device"], i["current"]) for i in items] == [
        ("Chrome en Android", True),
        ("Safari en iPhone", False),
        ("Firefox en Windows", False),
    ]
    started = items[0]["created_at"]
    assert all(i["created_at"] == started for i in items)
    assert items[1]["last_seen_at"] > started == items[2]["last_seen_at"]
    assert {i["source_ip"] for i in items} == {items[0]["source_ip"]}
    assert items[0]["source_ip"]
    assert len({i["id"] for i in items}) == 3


def test_a_session_id_is_neither_the_token_nor_its_stored_hash_r_sec_1(client: Any) -> None:
    token = signed_in(client)
    (item,) = listed(client, token).body["items"]
    secret = token.rpartition(".")[2]
    assert secret not in item["id"] and item["id"] not in token
    assert item["id"] != token_hash(services().hash_key, token)
    assert item["id"] not in token_hash(services().hash_key, token)
    # And it is no credential: as a bearer token it opens nothing.
    assert call(client, "GET", "/v1/account", **bearer(item["id"])).status == 401
    assert call(client, "GET", "/v1/account", **bearer(f"juan.perez1.{item['id']}")).status == 401


def test_the_list_is_one_query_of_the_users_index_after_the_session_check_r_sec_1(
    client: Any,
) -> None:
    token = signed_in(client)
    with aws_calls() as calls:
        assert listed(client, token).status == 200
    assert calls == ["dynamodb:BatchGetItem", "dynamodb:Query"]


def test_sessions_ended_by_a_password_change_or_idle_are_not_listed_r_sec_1(
    client: Any, clock: Any
) -> None:
    _firefox, safari, chrome = three_sessions(client)
    clock.advance(29 * 60)
    assert works(client, chrome) and works(client, safari)
    clock.advance(2 * 60)  # Firefox's session is now idle past 30 minutes (R-AUTH-1)
    devices = [i["device"] for i in listed(client, chrome).body["items"]]
    assert devices == ["Chrome en Android", "Safari en iPhone"]

    profile = call(client, "GET", "/v1/account", **bearer(chrome)).body
    change = update_body(
        profile,
        current_password=PASSWORD,
        new_password="Cambiada2026ok",
        new_password_confirmation="Cambiada2026ok",
    )
    assert put(client, chrome, change).status == 200
    devices = [i["device"] for i in listed(client, chrome).body["items"]]
    assert devices == ["Chrome en Android"]  # R-AUTH-4 ended the iPhone's


def test_a_session_opened_before_the_list_existed_is_listed_as_unknown_r_sec_1(
    client: Any, clock: Any
) -> None:
    """Items written before sources and devices were kept have neither: no migration needed."""
    token = signed_in(client)
    old_hash = "f" * 64
    now = int(clock())
    dynamodb().put_item(
        TableName=get_settings().sessions_table,
        Item={
            "token_hash": {"S": old_hash},
            "user_id": {"S": "juan.perez1"},
            "epoch": {"N": user_item()["session_epoch"]["N"]},
            "created_at": {"N": str(now - 60)},
            "last_seen": {"N": str(now - 60)},
            "expires_at": {"N": str(now + 1800)},
        },
    )
    items = listed(client, token).body["items"]
    assert [(i["device"], i["source_ip"], i["current"]) for i in items][1:] == [
        ("Navegador desconocido", None, False)
    ]
    assert end(client, token, items[1]["id"]).status == 204
    assert len(listed(client, token).body["items"]) == 1


def test_another_accounts_sessions_are_never_listed_r_sec_1(client: Any) -> None:
    mine = signed_in(client, 1)
    theirs = signed_in(client, 2)
    assert len(listed(client, mine).body["items"]) == 1
    assert len(listed(client, theirs).body["items"]) == 1
    assert listed(client, mine).body != listed(client, theirs).body


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", SESSIONS), ("DELETE", f"{SESSIONS}/{'a' * 32}"), ("POST", END_OTHERS)],
)
def test_every_session_route_needs_a_session(client: Any, method: str, path: str) -> None:
    answer = call(client, method, path)
    assert answer.status == 401
    assert answer.error["code"] == "UNAUTHORIZED"


# Ending one ------------------------------------------------------------------------------------


def test_ending_another_session_makes_its_token_unauthorized_r_sec_1(client: Any) -> None:
    firefox, safari, chrome = three_sessions(client)
    items = listed(client, chrome).body["items"]
    (iphone,) = [i for i in items if i["device"] == "Safari en iPhone"]
    with aws_calls() as calls:
        answer = end(client, chrome, iphone["id"])
    assert answer.status == 204 and answer.body is None
    assert calls == ["dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:TransactWriteItems"]
    assert not works(client, safari)
    assert works(client, chrome) and works(client, firefox)
    assert iphone["id"] not in [i["id"] for i in listed(client, chrome).body["items"]]
    (event,) = audit_events("SESSION_ENDED")
    assert event["detail"]["S"].startswith("Safari en iPhone, ")


def test_an_ended_or_unknown_session_id_is_not_found_r_sec_1(client: Any) -> None:
    _firefox, _safari, chrome = three_sessions(client)
    (iphone,) = [i for i in listed(client, chrome).body["items"] if "iPhone" in i["device"]]
    assert end(client, chrome, iphone["id"]).status == 204
    for session_id in (iphone["id"], "0" * 32, "no-es-una-sesion"):
        answer = end(client, chrome, session_id)
        assert answer.status == 404, session_id
        assert answer.error["code"] == "NOT_FOUND"
        assert "Actualice la lista" in answer.error["message"]


def test_another_accounts_session_id_is_not_found_and_stays_open_r_sec_1(client: Any) -> None:
    mine = signed_in(client, 1)
    theirs = signed_in(client, 2)
    (their_session,) = listed(client, theirs).body["items"]
    before = audit_events(user_id=None)
    answer = end(client, mine, their_session["id"])
    assert answer.status == 404
    assert answer.error["code"] == "NOT_FOUND"
    assert works(client, theirs)
    assert audit_events(user_id=None) == before


def test_ending_this_session_by_its_id_logs_it_out_r_sec_1(client: Any) -> None:
    token = signed_in(client)
    (item,) = listed(client, token).body["items"]
    assert end(client, token, item["id"]).status == 204
    assert not works(client, token)


def test_a_session_logged_out_between_the_list_and_the_delete_is_not_found_r_sec_1(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The delete is conditional: the list read it, but it was gone when the write came."""
    _firefox, safari, chrome = three_sessions(client)
    (iphone,) = [i for i in listed(client, chrome).body["items"] if "iPhone" in i["device"]]
    listed_once = DynamoSessionStore.sessions_of

    def then_logged_out(self: DynamoSessionStore, user_id: str) -> list[Any]:
        found = listed_once(self, user_id)
        assert call(client, "DELETE", "/v1/sessions/current", **bearer(safari)).status == 204
        return found

    monkeypatch.setattr(DynamoSessionStore, "sessions_of", then_logged_out)
    assert end(client, chrome, iphone["id"]).status == 404
    assert audit_events("SESSION_ENDED") == []


# Ending the others -----------------------------------------------------------------------------


def test_ending_the_others_keeps_only_this_session_open_r_sec_1(client: Any) -> None:
    firefox, safari, chrome = three_sessions(client)
    other_account = signed_in(client, 2)
    with aws_calls() as calls:
        answer = end_others(client, chrome)
    assert answer.status == 200
    assert answer.body == {"ended": 2}
    assert calls == ["dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:TransactWriteItems"]
    assert works(client, chrome) and works(client, other_account)
    assert not works(client, firefox) and not works(client, safari)
    assert [i["device"] for i in listed(client, chrome).body["items"]] == ["Chrome en Android"]
    # Deleted, not only outdated: they leave the table at once (and the data export with it).
    stored = dynamodb().scan(TableName=get_settings().sessions_table)["Items"]
    assert len(stored) == 2
    (event,) = audit_events("OTHER_SESSIONS_ENDED")
    assert event["detail"]["S"] == "sesiones cerradas: 2"
    assert end_others(client, chrome).body == {"ended": 0}


def test_ending_the_others_also_ends_one_the_index_does_not_show_yet_r_sec_1(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DynamoDB updates an index a moment after its table: a session opened just before the
    button was pressed may be missing from the Query. The epoch moves on, so it ends anyway."""
    firefox, safari, chrome = three_sessions(client)
    monkeypatch.setattr(DynamoSessionStore, "sessions_of", lambda self, user_id: [])
    assert end_others(client, chrome).body == {"ended": 0}
    assert works(client, chrome)
    assert not works(client, firefox) and not works(client, safari)


def test_ending_the_others_takes_no_body_or_a_json_object_r_hard_7(client: Any) -> None:
    token = signed_in(client)
    assert end_others(client, token).status == 200
    assert end_others(client, token, {}).status == 200
    answer = end_others(client, token, "no es json")
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"


def test_a_password_change_after_ending_the_others_keeps_this_session_r_auth_4(
    client: Any,
) -> None:
    _firefox, _safari, chrome = three_sessions(client)
    assert end_others(client, chrome).status == 200
    profile = call(client, "GET", "/v1/account", **bearer(chrome)).body
    change = update_body(
        profile,
        current_password=PASSWORD,
        new_password="Cambiada2026ok",
        new_password_confirmation="Cambiada2026ok",
    )
    assert put(client, chrome, change).status == 200
    assert works(client, chrome)
    fresh = log_in(client, password="Cambiada2026ok").body["token"]
    assert [i["current"] for i in listed(client, fresh).body["items"]] == [True, False]


def test_a_deactivated_accounts_sessions_cannot_be_listed_r_del_2(client: Any) -> None:
    token = signed_in(client)
    other = log_in(client).body["token"]
    body = {"reason": "Ya no uso esta cuenta.", "password": PASSWORD}
    assert post(client, "/v1/account/deactivation", body, **bearer(token)).status == 200
    assert listed(client, other).status == 401
    assert end_others(client, other).status == 401


# The contract ----------------------------------------------------------------------------------


def test_session_list_answers_conform_to_the_document(
    client: Any, document: dict[str, Any]
) -> None:
    _firefox, safari, chrome = three_sessions(client)
    assert_conforms(document, SESSIONS, "GET", listed(client, chrome))
    assert_conforms(document, SESSIONS, "GET", call(client, "GET", SESSIONS))
    (iphone,) = [i for i in listed(client, chrome).body["items"] if "iPhone" in i["device"]]
    one = f"{SESSIONS}/{{session_id}}"
    assert_conforms(document, one, "DELETE", end(client, chrome, iphone["id"]))
    assert_conforms(document, one, "DELETE", end(client, chrome, iphone["id"]))
    assert_conforms(document, END_OTHERS, "POST", end_others(client, chrome))
    assert_conforms(document, END_OTHERS, "POST", end_others(client, chrome, "x"))
    assert_conforms(document, END_OTHERS, "POST", end_others(client, safari))
    assert registration_body(1)["user_id"] == "juan.perez1"
