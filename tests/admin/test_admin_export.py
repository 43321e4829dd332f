"""`ecuapass-admin export ID --ticket T` against moto (R-PRIV-3, R-ADM-1, R-ADM-2): the person's
own «Descargar mis datos» document, made by the help desk, audited with operator and ticket."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import (
    OPERATOR,
    PASSWORD,
    USER,
    FakeClock,
    account_post,
    assert_export_holds_no_secret,
    audit_events,
    bearer,
    call,
    enable_totp,
    log_in,
    run_admin,
    signed_in,
    stored_state,
    user_item,
)

EXPORTED = "DATA_EXPORTED"


def exported(capsys: pytest.CaptureFixture[str], ticket: str) -> dict[str, Any]:
    status, out, err = run_admin(capsys, "export", USER, "--ticket", ticket, "--json")
    assert status == 0, err
    return dict(json.loads(out))


def as_of_the_trail(document: dict[str, Any]) -> dict[str, Any]:
    """The document without its time and without the exports themselves, which differ by who
    exported and when; the sessions without `current`, which only a signed-in owner has."""
    return {
        **{key: value for key, value in document.items() if key != "exported_at"},
        "audit": [e for e in document["audit"] if e["event"] != EXPORTED],
        "sessions": [{**s, "current": None} for s in document["sessions"]],
    }


def test_export_is_the_apis_document_audited_with_operator_and_ticket_r_priv_3_r_adm_2(
    client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    signed_in(client)
    clock.advance(120)
    # The owner exports from the last active session, which both list first.
    token = str(log_in(client).body["token"])
    desk = exported(capsys, "MDA-50")
    own = account_post(client, token, "data-export", {"password": PASSWORD})
    assert own.status == 200, own.body
    assert as_of_the_trail(desk) == as_of_the_trail(own.body)
    assert [s["current"] for s in desk["sessions"]] == [False, False]
    assert sorted(e["event"] for e in desk["audit"]) == ["LOGGED_IN", "LOGGED_IN", "REGISTERED"]
    # Both in the same second: told apart by who made them, not by their order.
    (by_desk,) = [e for e in audit_events(EXPORTED) if "operator" in e]
    assert (by_desk["operator"]["S"], by_desk["ticket"]["S"]) == (OPERATOR, "MDA-50")
    assert len(audit_events(EXPORTED)) == 2
    (seen_by_owner,) = [e for e in own.body["audit"] if e["event"] == EXPORTED]
    assert (seen_by_owner["by_help_desk"], seen_by_owner["ticket"]) == (True, "MDA-50")


def test_export_by_the_help_desk_holds_no_hash_token_code_or_key_r_priv_3(
    client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    token = signed_in(client)
    secret, recovery = enable_totp(client, token, clock)
    document = exported(capsys, "MDA-51")
    assert document["account"]["totp_enabled"] is True
    item = user_item()
    secrets = [item["password_hash"]["S"], token, PASSWORD, secret, *recovery]
    assert_export_holds_no_secret(document, secrets)


def test_export_writes_the_file_the_api_names_and_a_spanish_summary_r_priv_3(
    client: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(client)
    monkeypatch.chdir(tmp_path)
    status, out, err = run_admin(capsys, "export", "Juan.Perez1", "--ticket", "MDA-52")
    assert status == 0, err
    (written,) = tmp_path.iterdir()
    assert written.name == f"mis-datos-{USER}-2026-09-21.json"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    document = json.loads(written.read_text(encoding="utf-8"))
    assert document["account"]["user_id"] == USER
    assert "Datos exportados" in out and written.name in out and "MDA-52" in out
    assert "15 días" in out and "Entregue el archivo solo a la persona titular" in out
    # The same day's file is there: refused before anything is exported, audited or overwritten.
    before = stored_state()
    status, _, err = run_admin(capsys, "export", USER, "--ticket", "MDA-53")
    assert status == 1 and "Ya existe el archivo" in err and "No se exportó nada" in err
    assert stored_state() == before
    assert json.loads(written.read_text(encoding="utf-8")) == document


def test_export_to_a_named_file_also_prints_the_document_with_json_r_priv_3(
    client: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    signed_in(client)
    target = tmp_path / "solicitud-MDA-54.json"
    status, out, err = run_admin(
        capsys, "export", USER, "--ticket", "MDA-54", "--output", str(target), "--json"
    )
    assert status == 0, err
    assert json.loads(out) == json.loads(target.read_text(encoding="utf-8"))


def test_export_of_a_deactivated_account_still_works_r_priv_3(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its owner can no longer sign in to download it: the help desk is the way left."""
    token = signed_in(client)
    reason = {"password": PASSWORD, "reason": "Ya no uso este usuario"}
    assert call(client, "POST", "/v1/account/deactivation", reason, **bearer(token)).status == 200
    document = exported(capsys, "MDA-55")
    assert document["account"]["status"] == "DEACTIVATED"
    assert document["sessions"] == []


def test_export_of_no_account_exits_1_and_leaves_no_file(
    client: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run_admin(capsys, "export", "nadie.aqui", "--ticket", "MDA-56")
    assert (status, out) == (1, "") and "No existe ninguna cuenta" in err
    status, _, err = run_admin(
        capsys, "export", "nadie.aqui", "--ticket", "MDA-56", "--output", "x"
    )
    assert status == 1
    assert list(tmp_path.iterdir()) == []
    assert audit_events(EXPORTED, user_id=None) == []


def test_export_needs_a_ticket_r_adm_2(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(client)
    status, _, err = run_admin(capsys, "export", USER, "--json")
    assert status == 2 and "--ticket" in err
    assert audit_events(EXPORTED) == []
