"""`ecuapass-admin` through its entry point, against moto (R-ADM-1, R-ADM-2): what each command
prints and exits with, and what the tables and the owner's mailbox hold afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest

from admin.cli import main
from tests.helpers import (
    OPERATOR,
    PASSWORD,
    USER,
    WRONG,
    audit_events,
    bearer,
    call,
    cedula,
    claim_owner,
    log_in,
    mails_to,
    register,
    run_admin,
    signed_in,
    stored_state,
    user_item,
)

EMAIL = "juan.perez1@example.com"


def as_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    status, out, err = run_admin(capsys, *argv, "--json")
    assert status == 0, err
    return dict(json.loads(out))


def lock(client: Any) -> None:
    for _ in range(5):
        log_in(client, USER, WRONG)
    assert log_in(client, USER, PASSWORD).status == 423


def test_find_names_the_account_by_id_document_or_email_r_adm_1(client, capsys):
    assert register(client).status == 201
    assert as_json(capsys, "find", "--user-id", "Juan.Perez1") == {
        "user_id": USER,
        "status": "ACTIVE",
    }
    assert as_json(capsys, "find", "--document", "cedula", cedula(1))["user_id"] == USER
    assert as_json(capsys, "find", "--email", "JUAN.PEREZ1@Example.com")["user_id"] == USER
    status, out, _ = run_admin(capsys, "find", "--email", EMAIL)
    assert status == 0 and USER in out and "ID de usuario" in out


def test_find_of_no_account_exits_1_with_a_spanish_message_r_adm_1(client, capsys):
    status, out, err = run_admin(capsys, "find", "--user-id", "nadie.aqui")
    assert (status, out) == (1, "")
    assert "No existe ninguna cuenta" in err
    status, _, err = run_admin(capsys, "find", "--document", "CEDULA", "1234567890")
    assert status == 1 and "cédula no es válido" in err


def test_usage_errors_exit_2_and_say_so_in_spanish(client, capsys):
    status, _, err = run_admin(capsys, "unlock", USER)
    assert status == 2 and "faltan estos datos: --ticket" in err
    assert main(["show", USER]) == 2
    assert "--stage" in capsys.readouterr().err
    status, _, err = run_admin(capsys, "find", "--user-id", USER, "--email", EMAIL)
    assert status == 2 and "no se puede usar junto con" in err
    status = main(["show", USER, "--stage", "marte"])
    err = capsys.readouterr().err
    assert status == 2 and "La etapa «marte» no existe" in err


def test_help_is_spanish_and_lists_every_command():
    from admin.cli import COMMANDS, parser

    text = parser().format_help()
    assert "uso: ecuapass-admin" in text and "docs/help-desk.md" in text
    for name in COMMANDS:
        assert name in text


def test_show_gives_profile_lock_state_and_recent_audit_but_no_secret_r_adm_1(client, capsys):
    assert register(client).status == 201
    lock(client)
    shown = as_json(capsys, "show", USER)
    assert shown["profile"]["user_id"] == USER and shown["profile"]["email"] == EMAIL
    assert shown["lock"]["locked"] is True and shown["lock"]["locked_until"]
    assert "ACCOUNT_LOCKED" in [e["event"] for e in shown["audit"]]
    assert "password_hash" not in json.dumps(shown) and "argon2" not in json.dumps(shown)
    status, out, _ = run_admin(capsys, "show", USER)
    assert status == 0 and "BLOQUEADA hasta" in out and "ACCOUNT_LOCKED" in out
    # Every row is labelled in Spanish for the clerk (R-ADM-1), the profile's flags included.
    assert "Segundo factor" in out and "Recibe correos" in out and "totp_enabled" not in out


def test_show_lists_the_open_sessions_with_device_and_source_never_a_token_r_adm_1(client, capsys):
    token = signed_in(client)
    shown = as_json(capsys, "show", USER)
    (session,) = shown["sessions"]
    assert session["source_ip"] == "127.0.0.1" and session["device"]
    assert token not in json.dumps(shown)
    status, out, _ = run_admin(capsys, "show", USER)
    assert status == 0 and "Sesiones abiertas" in out and "127.0.0.1" in out


def test_show_of_an_erased_account_says_its_data_are_gone_r_priv_4(client, capsys):
    signed_in(client)
    assert run_admin(capsys, "erase", USER, "--ticket", "MDA-77")[0] == 0
    shown = as_json(capsys, "show", USER)
    assert shown["anonymised_at"] and shown["mail"] is None and shown["sessions"] == []
    status, out, _ = run_admin(capsys, "show", USER)
    assert status == 0 and "ELIMINADOS" in out


def test_show_lists_only_the_latest_20_events_and_audit_all_of_them_r_adm_1(client, clock, capsys):
    assert register(client).status == 201
    for _ in range(22):
        assert log_in(client).status == 201
        clock.advance(1)
    trail = as_json(capsys, "audit", USER)["audit"]
    assert len(trail) == len(audit_events()) > 20
    recent = as_json(capsys, "show", USER)["audit"]
    assert recent == trail[-20:]


def test_unlock_ends_the_lock_audits_operator_and_ticket_and_tells_the_owner_r_adm_2(
    client, capsys
):
    assert register(client).status == 201
    lock(client)
    before = len(mails_to(EMAIL))
    done = as_json(capsys, "unlock", USER, "--ticket", "MDA-1234")
    assert done == {"user_id": USER, "was_locked": True, "ticket": "MDA-1234", "operator": OPERATOR}
    assert log_in(client).status == 201
    (event,) = audit_events("OPERATOR_UNLOCKED")
    assert event["operator"]["S"] == OPERATOR and event["ticket"]["S"] == "MDA-1234"
    (notice,) = mails_to(EMAIL)[before:]
    assert notice.subject == "Ecuapass: se desbloqueó el ingreso a su cuenta"
    assert "MDA-1234" in notice.body


def test_unlock_of_an_account_with_nothing_to_unlock_changes_nothing_r_adm_2(client, capsys):
    assert register(client).status == 201
    before = stored_state()
    status, _, err = run_admin(capsys, "unlock", USER, "--ticket", "MDA-1")
    assert status == 1 and "no está bloqueada" in err
    assert stored_state() == before


def test_a_change_without_a_real_ticket_is_refused_before_anything_r_adm_2(client, capsys):
    assert register(client).status == 201
    lock(client)
    before = stored_state()
    status, _, err = run_admin(capsys, "unlock", USER, "--ticket", "  ")
    assert status == 1 and "--ticket" in err
    assert stored_state() == before


def test_end_sessions_ends_every_open_session_r_auth_4(client, capsys):
    token = signed_in(client)
    other = str(log_in(client).body["token"])
    assert call(client, "GET", "/v1/account", **bearer(token)).status == 200
    as_json(capsys, "end-sessions", USER, "--ticket", "MDA-7")
    for each in (token, other):
        assert call(client, "GET", "/v1/account", **bearer(each)).status == 401
    assert log_in(client).status == 201
    (event,) = audit_events("OPERATOR_SESSIONS_ENDED")
    assert event["ticket"]["S"] == "MDA-7"


def test_deactivate_is_the_owners_deactivation_with_a_notice_r_del_2_r_adm_2(client, capsys):
    token = signed_in(client)
    reason = "La persona lo pidió por escrito"
    done = as_json(capsys, "deactivate", USER, "--reason", reason, "--ticket", "MDA-9")
    assert done["status"] == "DEACTIVATED"
    assert user_item()["status"]["S"] == "DEACTIVATED"
    assert claim_owner(f"DOC#CEDULA#{cedula(1)}") is None
    assert claim_owner(f"EMAIL#{EMAIL}") is None
    assert claim_owner(f"USERID#{USER}") == USER
    assert call(client, "GET", "/v1/account", **bearer(token)).status == 401
    (event,) = audit_events("DEACTIVATED")
    assert event["detail"]["S"] == reason and event["operator"]["S"] == OPERATOR
    assert mails_to(EMAIL)[-1].subject == "Ecuapass: su usuario fue dado de baja"
    status, _, err = run_admin(capsys, "end-sessions", USER, "--ticket", "MDA-10")
    assert status == 1 and "dada de baja" in err


def test_deactivate_needs_the_reason_rule_of_r_del_1(client, capsys):
    assert register(client).status == 201
    status, _, err = run_admin(capsys, "deactivate", USER, "--reason", "corto", "--ticket", "T-1")
    assert status == 1 and "10 a 500" in err
    assert user_item()["status"]["S"] == "ACTIVE"


def test_correct_name_rectifies_a_name_the_form_refuses_and_tells_the_owner_r_adm_1(client, capsys):
    """Ana Torres -> Carlos Mendoza is refused by R-MOD-3 in the form; a documented request
    (LOPDP Art. 14) lets the help desk do it, and it becomes the name rule's baseline."""
    assert register(client, name="Ana Torres").status == 201
    done = as_json(capsys, "correct", USER, "--name", "  Carlos   Mendoza ", "--ticket", "R-5")
    assert done["name"] == "Carlos Mendoza"
    item = user_item()
    assert item["name"]["S"] == item["registered_name"]["S"] == "Carlos Mendoza"
    assert item["version"]["N"] == "2"
    (event,) = audit_events("OPERATOR_CORRECTED")
    assert event["detail"]["S"] == "Ana Torres -> Carlos Mendoza"
    notice = mails_to(EMAIL)[-1]
    assert notice.subject == "Ecuapass: se corrigieron los datos de su cuenta"
    assert "Carlos Mendoza" in notice.body and "R-5" in notice.body
    status, _, err = run_admin(capsys, "correct", USER, "--name", "J0hn", "--ticket", "R-6")
    assert status == 1 and "nombre" in err


def test_correct_document_moves_the_claim_in_one_transaction_r_adm_1(client, capsys):
    assert register(client).status == 201
    new = cedula(77)
    as_json(capsys, "correct", USER, "--document", "CEDULA", new, "--ticket", "R-8")
    assert user_item()["document_number"]["S"] == new
    assert claim_owner(f"DOC#CEDULA#{new}") == USER
    assert claim_owner(f"DOC#CEDULA#{cedula(1)}") is None
    assert as_json(capsys, "find", "--document", "CEDULA", new)["user_id"] == USER


def test_correct_document_refuses_one_another_account_holds_and_changes_nothing_r_reg_13(
    client, capsys
):
    assert register(client, 1).status == 201
    assert register(client, 2).status == 201
    before = stored_state()
    status, _, err = run_admin(
        capsys, "correct", USER, "--document", "CEDULA", cedula(2), "--ticket", "R-9"
    )
    assert status == 1 and "pertenece a otra cuenta" in err
    assert stored_state() == before
