"""The privacy notice, its versioned acknowledgement and the notice's link in every mail
(api.md "Privacy", R-PRIV-1, R-PRIV-2)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib.config import DEFAULT_NOTICE_VERSION, get_settings
from chalicelib.wiring import services
from tests.helpers import (
    account_post,
    assert_conforms,
    audit_events,
    bearer,
    call,
    get_profile,
    outbox,
    post,
    put,
    register,
    registration_body,
    request_code,
    signed_in,
    update_body,
    user_item,
)

NOTICE = "/v1/privacy-notice"
ACK = "privacy-notice-acknowledgement"
NEW_VERSION = "2027-03-15"


def new_notice_version(monkeypatch: pytest.MonkeyPatch, version: str = NEW_VERSION) -> None:
    """The agency publishes a new notice (PRIVACY_NOTICE_VERSION changes)."""
    api = services()
    monkeypatch.setattr(api, "settings", replace(api.settings, privacy_notice_version=version))


def test_notice_is_public_cacheable_and_from_configuration_r_priv_1(
    client: Any, document: dict[str, Any]
) -> None:
    answer = call(client, "GET", NOTICE)
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "public, max-age=3600"
    body = answer.body
    assert body["version"] == DEFAULT_NOTICE_VERSION
    assert body["updated_at"] == DEFAULT_NOTICE_VERSION
    assert body["url"] == f"{get_settings().web_base_url}/privacidad.html"
    assert body["deactivated_retention_days"] == 1825
    assert body["audit_detail_retention_days"] == 365
    assert body["processor_region"] == "us-east-1"
    for name in ("controller", "controller_contact", "dpo_contact", "legal_basis"):
        assert isinstance(body[name], str) and body[name], name
    assert_conforms(document, NOTICE, "GET", answer)


def test_notice_follows_a_new_version(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    new_notice_version(monkeypatch)
    assert call(client, "GET", NOTICE).body["version"] == NEW_VERSION


@pytest.mark.parametrize("version", [None, "", "2020-01-01"])
def test_registration_requires_the_current_notice_version_r_priv_2(
    client: Any, version: Any
) -> None:
    body = registration_body(1, privacy_notice_version=version)
    assert request_code(client, body["email"]).status == 202
    answer = post(client, "/v1/registration", body)
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert set(answer.error["fields"]) >= {"privacy_notice_version"}
    assert "aviso de privacidad" in answer.error["fields"]["privacy_notice_version"]
    assert audit_events("REGISTERED") == []


def test_unticked_notice_is_named_with_the_other_problems_r_ux_1(client: Any) -> None:
    body = registration_body(1, privacy_notice_version=None, phone1="12", name="")
    answer = post(client, "/v1/registration", body)
    assert answer.status == 400
    assert {"privacy_notice_version", "phone1", "name", "security_code"} <= set(
        answer.error["fields"]
    )


def test_registration_keeps_the_version_and_time_on_the_account_and_audit(
    client: Any, clock: Any
) -> None:
    assert register(client, 1).status == 201
    item = user_item("juan.perez1")
    assert item["privacy_notice_version"]["S"] == DEFAULT_NOTICE_VERSION
    assert item["privacy_notice_acknowledged_at"]["S"] == item["created_at"]["S"]
    (event,) = audit_events("REGISTERED")
    assert event["privacy_notice_version"]["S"] == DEFAULT_NOTICE_VERSION


def test_profile_reports_the_version_acknowledged_and_if_current(
    client: Any, monkeypatch: pytest.MonkeyPatch, document: dict[str, Any]
) -> None:
    token = signed_in(client)
    profile = get_profile(client, token)
    assert profile.body["privacy_notice_version"] == DEFAULT_NOTICE_VERSION
    assert profile.body["privacy_notice_current"] is True
    new_notice_version(monkeypatch)
    profile = get_profile(client, token)
    assert profile.body["privacy_notice_version"] == DEFAULT_NOTICE_VERSION
    assert profile.body["privacy_notice_current"] is False
    assert_conforms(document, "/v1/account", "GET", profile)


def test_a_new_version_is_acknowledged_once_and_audited_r_priv_2(
    client: Any, clock: Any, monkeypatch: pytest.MonkeyPatch, document: dict[str, Any]
) -> None:
    token = signed_in(client)
    new_notice_version(monkeypatch)
    clock.advance(60)
    stale = account_post(client, token, ACK, {"version": DEFAULT_NOTICE_VERSION})
    assert stale.status == 400
    assert set(stale.error["fields"]) == {"version"}
    assert_conforms(document, f"/v1/account/{ACK}", "POST", stale)
    version_before = get_profile(client, token).body["version"]

    answer = account_post(client, token, ACK, {"version": NEW_VERSION})
    assert answer.status == 200
    assert answer.body == {"privacy_notice_version": NEW_VERSION}
    assert_conforms(document, f"/v1/account/{ACK}", "POST", answer)
    profile = get_profile(client, token).body
    assert profile["privacy_notice_version"] == NEW_VERSION
    assert profile["privacy_notice_current"] is True
    # The modify form open meanwhile stays valid: the profile's version did not move.
    assert profile["version"] == version_before
    (event,) = audit_events("PRIVACY_NOTICE_ACKNOWLEDGED")
    assert event["privacy_notice_version"]["S"] == NEW_VERSION
    assert event["source_ip"]["S"]
    assert user_item()["privacy_notice_acknowledged_at"]["S"] == event["at"]["S"]

    again = account_post(client, token, ACK, {"version": NEW_VERSION})
    assert again.status == 200
    assert len(audit_events("PRIVACY_NOTICE_ACKNOWLEDGED")) == 1


def test_an_unacknowledged_version_blocks_nothing_else(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = signed_in(client)
    new_notice_version(monkeypatch)
    profile = get_profile(client, token).body
    saved = put(client, token, update_body(profile, address="Av. Quito 200 y Colón"))
    assert saved.status == 200, saved.body
    assert saved.body["privacy_notice_current"] is False
    assert call(client, "GET", "/v1/account/sessions", **bearer(token)).status == 200


@pytest.mark.parametrize("body", [{}, {"version": 5}, {"version": ""}])
def test_acknowledgement_refuses_a_malformed_body(client: Any, body: Any) -> None:
    token = signed_in(client)
    answer = account_post(client, token, ACK, body)
    assert answer.status == 400
    assert "version" in answer.error["fields"]


def test_acknowledgement_needs_a_session(client: Any) -> None:
    answer = post(client, f"/v1/account/{ACK}", {"version": DEFAULT_NOTICE_VERSION})
    assert answer.status == 401
    assert answer.error["code"] == "UNAUTHORIZED"


def test_every_mail_links_the_privacy_notice_r_priv_1(client: Any) -> None:
    token = signed_in(client)
    account_post(client, token, "password-check", {"current_password": "Otra2026clave"})
    account_post(
        client,
        token,
        "deactivation",
        {"reason": "Ya no uso la cuenta.", "password": "Clave2026segura"},
    )
    url = f"{get_settings().web_base_url}/privacidad.html"
    mails = outbox()
    assert len(mails) >= 3  # code, welcome, deactivation notice
    for mail in mails:
        assert url in mail.body, mail.subject
