"""OperatorPolicy (R-ADM-3) is exactly what `ecuapass-admin` uses: every registered command runs
its journey against moto, every AWS call it makes is turned into what IAM would check (tests/iam.py,
the rules the API's roles are replayed by), and the policy must allow each of them and grant
nothing that no journey used.

A command registered in admin.cli.COMMANDS without a journey here fails the suite: a new command
comes with its journey and, if it needs one, its grant in infra/resources.json.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from admin.cli import COMMANDS, main
from tests.helpers import (
    WRONG,
    FakeClock,
    bounce_of,
    cedula,
    enable_totp,
    log_in,
    register,
    signed_in,
)
from tests.iam import (
    NEEDS_NO_GRANT,
    NO_RESOURCE,
    as_list,
    granted_by,
    policy_statements,
    recorded_checks,
    recorded_item_keys,
)

pytestmark = pytest.mark.xdist_group("template")

POLICY = "OperatorPolicy"
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
# The writes the help desk's commands make, and no other: no item deletion but the delivery state
# and the claims a correction or a deactivation releases (R-ADM-3, "nothing destructive").
DELETES_ALLOWED = {"LimitsTable", "ClaimsTable"}
ITEM_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
}


class Desk:
    """Runs the tool as an operator would, keeping what IAM would check for each AWS call."""

    def __init__(self, client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]):
        self.client = client
        self.clock = clock
        self.capsys = capsys
        self.checks: list[tuple[str, str]] = []
        self.items: list[tuple[str, str, str]] = []

    def __call__(self, *argv: str) -> None:
        self.capsys.readouterr()
        with recorded_checks() as seen, recorded_item_keys() as items:
            done = main([*argv, "--stage", "dev"])
        assert done == 0, (argv, self.capsys.readouterr().err)
        self.checks.extend(seen)
        self.items.extend(items)


@pytest.fixture
def desk(client: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> Desk:
    return Desk(client, clock, capsys)


# --- the journeys: each command as the help desk uses it, on an account of its own --------------


def _user(n: int) -> str:
    return f"juan.perez{n}"


def _locked(desk: Desk, n: int) -> str:
    assert register(desk.client, n).status == 201
    for _ in range(5):
        log_in(desk.client, _user(n), WRONG)
    return _user(n)


def find(desk: Desk, n: int) -> None:
    assert register(desk.client, n).status == 201
    desk("find", "--user-id", _user(n))
    desk("find", "--document", "CEDULA", cedula(n))
    desk("find", "--email", f"{_user(n)}@example.com")


def show(desk: Desk, n: int) -> None:
    user = _locked(desk, n)
    bounce_of(desk.client, f"{user}@example.com", desk.clock())
    desk("show", user)


def audit(desk: Desk, n: int) -> None:
    desk("audit", _locked(desk, n))


def unlock(desk: Desk, n: int) -> None:
    desk("unlock", _locked(desk, n), "--ticket", "MDA-1")


def end_sessions(desk: Desk, n: int) -> None:
    signed_in(desk.client, n)
    desk("end-sessions", _user(n), "--ticket", "MDA-2")


def deactivate(desk: Desk, n: int) -> None:
    signed_in(desk.client, n)
    desk("deactivate", _user(n), "--reason", "La persona lo pidió por escrito", "--ticket", "MDA-3")


def correct(desk: Desk, n: int) -> None:
    assert register(desk.client, n).status == 201
    desk("correct", _user(n), "--name", "Juana Pérez", "--ticket", "MDA-4")
    desk("correct", _user(n), "--document", "CEDULA", cedula(n + 500), "--ticket", "MDA-5")


def mail_status(desk: Desk, n: int) -> None:
    assert register(desk.client, n).status == 201
    bounce_of(desk.client, f"{_user(n)}@example.com", desk.clock())
    desk("mail-status", f"{_user(n)}@example.com")


def mail_clear(desk: Desk, n: int) -> None:
    from chalicelib import aws
    from chalicelib.config import get_settings

    address = f"{_user(n)}@example.com"
    assert register(desk.client, n).status == 201
    bounce_of(desk.client, address, desk.clock())
    with Stubber(aws.client("sesv2", get_settings().region)) as suppression_list:
        suppression_list.add_response(
            "delete_suppressed_destination", {}, {"EmailAddress": address}
        )
        desk("mail-clear", address, "--ticket", "MDA-6")


def totp_reset(desk: Desk, n: int) -> None:
    enable_totp(desk.client, signed_in(desk.client, n), desk.clock)
    desk("totp-reset", _user(n), "--ticket", "MDA-7")


def export(desk: Desk, n: int, folder: Path) -> None:
    signed_in(desk.client, n)
    desk("export", _user(n), "--ticket", "MDA-8", "--json")
    desk("export", _user(n), "--ticket", "MDA-9", "--output", str(folder / f"{n}.json"))


def erase(desk: Desk, n: int) -> None:
    signed_in(desk.client, n)
    desk("erase", _user(n), "--ticket", "MDA-10")
    other = n + 100
    signed_in(desk.client, other)
    desk(
        "deactivate",
        _user(other),
        "--reason",
        "La persona lo pidió por escrito",
        "--ticket",
        "MDA-11",
    )
    desk("erase", _user(other), "--ticket", "MDA-12")


Journey = Callable[[Desk, int, Path], None]


def _plain(journey: Callable[[Desk, int], None]) -> Journey:
    return lambda desk, n, _: journey(desk, n)


JOURNEYS: dict[str, Journey] = {
    "find": _plain(find),
    "show": _plain(show),
    "audit": _plain(audit),
    "unlock": _plain(unlock),
    "end-sessions": _plain(end_sessions),
    "deactivate": _plain(deactivate),
    "correct": _plain(correct),
    "mail-status": _plain(mail_status),
    "mail-clear": _plain(mail_clear),
    "totp-reset": _plain(totp_reset),
    "export": export,
    # An active and a deactivated account anonymised (R-PRIV-4).
    "erase": _plain(erase),
}


def test_every_registered_command_has_its_journey_here_r_adm_3():
    missing = sorted(set(COMMANDS) - set(JOURNEYS))
    assert not missing, f"add the journey of {missing} to JOURNEYS in {__file__}"
    assert not set(JOURNEYS) - set(COMMANDS), "a journey of a command that is not registered"


def _allowed(template: dict[str, Any]) -> set[tuple[str, str]]:
    return granted_by(template, policy_statements(template, POLICY))


def _leading_keys(statement: dict[str, Any]) -> list[str]:
    """The partition keys a statement limits its items to (R-ADM-3: the claims and the limits
    table's items the tool touches, and no other); empty: any."""
    condition = statement["Condition"].get("ForAllValues:StringLike", {})
    return list(condition.get("dynamodb:LeadingKeys", []))


def _admits(statement: dict[str, Any], key: str) -> bool:
    patterns = _leading_keys(statement)
    return not patterns or any(fnmatchcase(key, pattern) for pattern in patterns)


def _keys_not_admitted(template: dict[str, Any], items: list[tuple[str, str, str]]) -> set[Any]:
    statements = policy_statements(template, POLICY)
    return {
        (action, table, key)
        for action, table, key in items
        if not any(
            (action, table) in granted_by(template, [s]) and _admits(s, key) for s in statements
        )
    }


def _key_patterns_unused(template: dict[str, Any], items: list[tuple[str, str, str]]) -> set[Any]:
    return {
        (action, table, pattern)
        for statement in policy_statements(template, POLICY)
        for pattern in _leading_keys(statement)
        for action, table in granted_by(template, [statement])
        if not any((a, t) == (action, table) and fnmatchcase(key, pattern) for a, t, key in items)
    }


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_operator_policy_allows_every_aws_call_of_the_command_r_adm_3(
    template, desk, tmp_path, name
):
    JOURNEYS[name](desk, 1, tmp_path)
    assert desk.checks, "the journey made no AWS call: the recorder is not seeing them"
    missing = {c for c in desk.checks if c[0] not in NEEDS_NO_GRANT} - _allowed(template)
    missing |= _keys_not_admitted(template, desk.items)
    assert not missing, f"add to infra/resources.json's {POLICY}: {sorted(missing)}"


def test_operator_policy_grants_nothing_no_command_uses_r_adm_3(template, desk, tmp_path):
    for n, journey in enumerate(JOURNEYS.values(), start=1):
        journey(desk, n, tmp_path)
    unused = _allowed(template) - set(desk.checks) | _key_patterns_unused(template, desk.items)
    assert not unused, f"remove from infra/resources.json's {POLICY}: {sorted(unused)}"
    assert not any(action.startswith(("ssm:", "kms:")) for action, _ in desk.checks)


# --- the policy as written -----------------------------------------------------------------------


def test_operator_policy_needs_mfa_and_has_no_scan_wildcard_or_table_action_r_adm_3(template):
    statements = policy_statements(template, POLICY)
    assert statements
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        assert statement["Condition"]["Bool"] == MFA["Bool"], statement.get("Sid")
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement
            assert action not in {"dynamodb:Scan", "dynamodb:DeleteTable"}, statement
            assert action.split(":")[1].endswith(("Item", "Query", "Email", "Destination"))
            if action == "dynamodb:DeleteItem":
                (resource,) = as_list(statement["Resource"])
                assert resource["Fn::GetAtt"][0] in DELETES_ALLOWED, statement
                assert _leading_keys(statement), "a deletion limited to the tool's own items"
            if _leading_keys(statement):
                # ForAllValues holds for a call that names no key (a Scan, a Query's index):
                # only actions on named items may carry it.
                assert action in ITEM_ACTIONS, statement
        for resource in as_list(statement["Resource"]):
            # Only the suppression list, which has no ARN, is "*" (tests/iam.py).
            if resource == NO_RESOURCE:
                assert as_list(statement["Action"]) == ["ses:DeleteSuppressedDestination"]


def test_operator_policy_sends_only_as_the_stage_sender_through_its_configuration_set(template):
    """The notices are the API's own mails (R-ADM-2): the same condition and resources as the
    API's role (R-MAIL-1)."""
    from tests.iam import statements as role_statements

    def sending(found: list[dict[str, Any]]) -> dict[str, Any]:
        (statement,) = [s for s in found if "ses:SendEmail" in as_list(s["Action"])]
        return statement

    operators, api = (
        sending(policy_statements(template, POLICY)),
        sending(role_statements(template)),
    )
    assert operators["Resource"] == api["Resource"]
    assert operators["Condition"] == {**api["Condition"], **MFA}


def test_operator_policy_is_exported_for_the_agency_s_help_desk_role_r_adm_3(template):
    output = template["Outputs"]["OperatorPolicyArn"]
    assert output["Value"] == {"Ref": POLICY}
    assert output["Export"] == {"Name": {"Fn::Sub": "${AWS::StackName}-OperatorPolicyArn"}}
    policy = template["Resources"][POLICY]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    # Attached by the agency to its own role or group: the stack itself attaches it to nobody.
    assert not {"Roles", "Users", "Groups"} & set(policy["Properties"])
