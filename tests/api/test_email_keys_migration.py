"""scripts/migrate_email_keys.py: the EMAIL claims written before R-HARD-3 move to the canonical
key, so that an address registered before the change is matched by every spelling after it."""

from __future__ import annotations

import importlib.util
import json
import sys
from typing import Any

import pytest

from chalicelib.store.models import AuditModel, ClaimModel, UserModel
from tests.helpers import ROOT, post, register

IDN = "same@xn--exmple-cua.com"


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "migrate_email_keys", ROOT / "scripts" / "migrate_email_keys.py"
    )
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # its dataclasses look their module up by name
    spec.loader.exec_module(script)
    return script


def registered_before_the_change(client: Any, n: int, typed: str) -> str:
    """An account as the service stored it before R-HARD-3: the address as typed (domain only
    lower-cased) in the user item, and its claim under normalise_email(typed).lower()."""
    canonical = f"juan.perez{n}@example.com"
    assert register(client, n, email=canonical, email_confirmation=canonical).status == 201
    user_id = f"juan.perez{n}"
    ClaimModel(f"EMAIL#{canonical}").delete()
    local, _, domain = typed.rpartition("@")
    legacy = f"{local}@{domain.lower()}"
    ClaimModel(f"EMAIL#{legacy.lower()}", owner=user_id).save()
    user = UserModel.get(user_id)
    user.update(actions=[UserModel.email.set(legacy)])
    return user_id


def email_claims() -> dict[str, str]:
    return {c.claim: c.owner for c in ClaimModel.scan() if c.claim.startswith("EMAIL#")}


def available(client: Any, address: str) -> bool:
    pair = {"email": address, "email_confirmation": address}
    return bool(post(client, "/v1/registration/email-availability", pair).body["available"])


def test_an_address_stored_before_the_change_is_matched_by_every_spelling_after_it_r_hard_3(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    user_id = registered_before_the_change(client, 1, "same@EXÄMPLE.com")
    assert available(client, IDN)  # the gap the migration closes
    script = load_script()

    assert script.main([]) == 0  # a dry run writes nothing
    assert email_claims() == {"EMAIL#same@exämple.com": user_id}
    assert script.main(["--apply", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert report["moved"] == [
        {"owner": user_id, "old_key": "same@exämple.com", "new_key": IDN, "email": IDN}
    ]
    assert email_claims() == {f"EMAIL#{IDN}": user_id}
    assert UserModel.get(user_id).email == IDN  # an address SES can deliver to
    assert [a.event for a in AuditModel.query(user_id)][-1] == "EMAIL_KEY_MIGRATED"
    for spelling in ("same@exämple.com", IDN, "same@ｅxämple.com", "same@exa\u0308mple.com"):
        assert not available(client, spelling), spelling
    # Idempotent, and the ASCII addresses of other accounts were never touched.
    assert register(client, 2).status == 201
    assert script.migrate(apply=True).moved == []
    assert email_claims() == {
        f"EMAIL#{IDN}": user_id,
        "EMAIL#juan.perez2@example.com": "juan.perez2",
    }


def test_two_accounts_of_one_mailbox_are_left_to_an_operator_r_hard_3(
    client: Any, clock: Any
) -> None:
    """The duplicate R-HARD-3 prevents from now on, made before it: the migration reports it
    and changes neither account."""
    legacy = registered_before_the_change(client, 1, "same@exämple.com")
    clock.advance(60)
    assert register(client, 2, email=IDN, email_confirmation=IDN).status == 201
    before = email_claims()
    report = load_script().migrate(apply=True)
    assert report.collisions == [
        {
            "owner": legacy,
            "old_key": "same@exämple.com",
            "new_key": IDN,
            "canonical_key_owner": "juan.perez2",
        }
    ]
    assert (report.moved, report.needs_operator) == ([], True)
    assert email_claims() == before
    assert load_script().main(["--apply"]) == 1


def test_a_local_part_that_is_not_ascii_moves_to_its_nfc_key_and_is_listed_r_hard_3(
    client: Any,
) -> None:
    user_id = registered_before_the_change(client, 1, "jose\u0301@example.com")
    report = load_script().migrate(apply=True)
    assert [m["new_key"] for m in report.moved] == ["jos\u00e9@example.com"]
    assert report.undeliverable == report.moved
    assert email_claims() == {"EMAIL#jos\u00e9@example.com": user_id}
