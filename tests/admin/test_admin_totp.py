"""`ecuapass-admin totp-reset` against moto (R-SEC-2, R-ADM-2): the help desk removes a second
factor on a documented request, audited with operator and ticket, and the owner is told."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import (
    OPERATOR,
    USER,
    FakeClock,
    audit_events,
    enable_totp,
    get_profile,
    log_in,
    mails_to,
    run_admin,
    signed_in,
    stored_state,
    user_item,
)

EMAIL = "juan.perez1@example.com"


def test_totp_reset_removes_the_factor_audits_and_tells_the_owner_r_sec_2(
    client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    token = signed_in(client)
    enable_totp(client, token, clock)
    assert log_in(client).status == 401
    before = len(mails_to(EMAIL))
    status, out, err = run_admin(capsys, "totp-reset", USER, "--ticket", "MDA-77", "--json")
    assert status == 0, err
    assert json.loads(out) == {
        "user_id": USER,
        "totp_enabled": False,
        "ticket": "MDA-77",
        "operator": OPERATOR,
    }
    assert not {"totp_secret", "totp_recovery"} & set(user_item())
    assert log_in(client).status == 201
    assert get_profile(client, token).body["totp_enabled"] is False
    (event,) = audit_events("OPERATOR_TOTP_REMOVED")
    assert event["operator"]["S"] == OPERATOR and event["ticket"]["S"] == "MDA-77"
    (notice,) = mails_to(EMAIL)[before:]
    assert notice.subject == "Ecuapass: la mesa de ayuda retiró el segundo factor de su cuenta"
    assert "MDA-77" in notice.body


def test_totp_reset_without_a_factor_changes_nothing_r_sec_2(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    signed_in(client)
    before = stored_state()
    status, _, err = run_admin(capsys, "totp-reset", USER, "--ticket", "MDA-78")
    assert status == 1 and "no tiene activado el segundo factor" in err
    assert stored_state() == before


def test_totp_reset_needs_a_ticket_r_adm_2(
    client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    token = signed_in(client)
    enable_totp(client, token, clock)
    status, _, _ = run_admin(capsys, "totp-reset", USER)
    assert status == 2
    assert "totp_secret" in user_item()
