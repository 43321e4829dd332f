"""The IAM replay shared by the template's tests (the API's roles, tests/package/test_template.py)
and the help desk's (OperatorPolicy, tests/admin/test_admin_iam.py): the packaged template, the
statements of a role or a managed policy, what IAM would check for each AWS call a journey makes
in moto, and what a policy grants, spelled the same way (R-OPS-1, R-ADM-3).

Like tests/helpers.py, nothing here reads the environment or binds a table when imported.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

from tests.helpers import ROOT

PACKAGED = ROOT / "build" / "package" / "sam.json"
MERGED = ROOT / "infra" / "resources.json"
SOURCES = [
    MERGED,
    ROOT / ".chalice" / "config.json",
    ROOT / "requirements.txt",
    ROOT / "app.py",
    *sorted((ROOT / "chalicelib").rglob("*.py")),
]
TABLE_VARIABLES = (
    "USERS_TABLE",
    "CLAIMS_TABLE",
    "CODES_TABLE",
    "SESSIONS_TABLE",
    "AUDIT_TABLE",
    "LIMITS_TABLE",
)


# --- the template ------------------------------------------------------------------------------


def _package(into: Path) -> Path:
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HASH_KEY"):
        env.pop(name, None)
    subprocess.run(
        [str(chalice), "package", "--stage", "prod", "--merge-template", str(MERGED), str(into)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return into / "sam.json"


def packaged(scratch: Path) -> Path:
    """`build/package/sam.json` as `make package` (which `make test` runs first) leaves it; when
    that file is missing or older than what it is built from, packaged into `scratch` here, so
    a test never reads a stale template and never skips."""
    newest_source = max(path.stat().st_mtime for path in SOURCES)
    if PACKAGED.exists() and PACKAGED.stat().st_mtime >= newest_source:
        return PACKAGED
    return _package(scratch)


def read_template(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources(template, "AWS::Serverless::Function")


def api_function(template: dict[str, Any]) -> dict[str, Any]:
    return functions(template)["APIHandler"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(template: dict[str, Any], role: str | None = None) -> list[dict[str, Any]]:
    """Every statement of every role and inline policy, the functions' grants (or of `role`
    alone); an operators' managed policy is not a function's: `policy_statements`."""
    found = []
    roles = resources(template, "AWS::IAM::Role")
    for name, role_resource in roles.items():
        if role is not None and name != role:
            continue
        for policy in role_resource["Properties"].get("Policies", []):
            found.extend(policy["PolicyDocument"]["Statement"])
    if role is not None:
        return found
    for policy in resources(template, "AWS::IAM::Policy").values():
        found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def policy_statements(template: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The statements of the managed policy `name` (R-ADM-3's OperatorPolicy)."""
    policy = resources(template, "AWS::IAM::ManagedPolicy")[name]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def table_of_variable(template: dict[str, Any], variable: str) -> str:
    """The logical id of the table whose name the function gets in `variable`."""
    value = api_function(template)["Properties"]["Environment"]["Variables"][variable]
    assert isinstance(value, dict) and set(value) == {"Ref"}, f"{variable} is {value!r}"
    return str(value["Ref"])


# --- what IAM checks for each call ---------------------------------------------------------------

# TransactWriteItems has no action of its own: IAM checks each of its items as the matching
# single-item action on that item's table.
TRANSACT_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
# SES v2's account-level suppression list has no ARN: IAM checks its actions against "*".
NO_RESOURCE = "*"
# STS answers the caller's own identity to anyone signed in, whatever their policies deny.
NEEDS_NO_GRANT = frozenset({"sts:GetCallerIdentity"})


def iam_checks(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(IAM action, what it acts on: table name, From address or parameter name) for one call."""
    if service == "dynamodb" and operation == "TransactWriteItems":
        return [
            (f"dynamodb:{TRANSACT_ITEM_ACTIONS[kind]}", item["TableName"])
            for entry in params["TransactItems"]
            for kind, item in entry.items()
        ]
    if service == "dynamodb" and operation == "TransactGetItems":
        return [("dynamodb:GetItem", e["Get"]["TableName"]) for e in params["TransactItems"]]
    if service == "dynamodb" and operation.startswith("Batch"):
        return [(f"dynamodb:{operation}", table) for table in params["RequestItems"]]
    if service == "dynamodb" and "IndexName" in params:
        # IAM checks a Query of an index against the index's own ARN, not the table's.
        return [(f"dynamodb:{operation}", f"{params['TableName']}/index/{params['IndexName']}")]
    if service == "dynamodb":
        return [(f"dynamodb:{operation}", params["TableName"])]
    if service == "ses":
        return [(f"ses:{operation}", params["Source"])]
    if service == "sesv2":
        # SES v2's actions share SES's IAM prefix.
        return [(f"ses:{operation}", NO_RESOURCE)]
    if service == "ssm":
        return [(f"ssm:{operation}", params["Name"])]
    return [(f"{service}:{operation}", "")]


def item_keys(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(IAM action, table name, partition key) of each item a DynamoDB call names by its key:
    what a `dynamodb:LeadingKeys` condition is checked against (a Query's key is left out)."""
    if service != "dynamodb":
        return []
    from chalicelib.store.models import ALL_MODELS

    partition = {model.Meta.table_name: str(model._hash_keyname) for model in ALL_MODELS}

    def key(table: str, item: dict[str, Any]) -> str:
        (value,) = item[partition[table]].values()
        return str(value)

    if operation == "TransactWriteItems":
        return [
            (
                f"dynamodb:{TRANSACT_ITEM_ACTIONS[kind]}",
                i["TableName"],
                key(i["TableName"], i.get("Key") or i["Item"]),
            )
            for entry in params["TransactItems"]
            for kind, i in entry.items()
        ]
    if operation == "BatchGetItem":
        return [
            ("dynamodb:BatchGetItem", table, key(table, k))
            for table, request in params["RequestItems"].items()
            for k in request["Keys"]
        ]
    if operation in {"GetItem", "UpdateItem", "DeleteItem", "PutItem"}:
        table = params["TableName"]
        return [(f"dynamodb:{operation}", table, key(table, params.get("Key") or params["Item"]))]
    return []


@contextmanager
def _recorded(translate: Callable[[str, str, dict[str, Any]], list[Any]]) -> Iterator[list[Any]]:
    import botocore.client

    seen: list[Any] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation: str, params: dict[str, Any]) -> Any:
        seen.extend(translate(self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    with patch.object(botocore.client.BaseClient, "_make_api_call", recording):
        yield seen


def recorded_checks() -> AbstractContextManager[list[tuple[str, str]]]:
    """Every IAM check the AWS calls made inside the block would meet."""
    return _recorded(iam_checks)


def recorded_item_keys() -> AbstractContextManager[list[tuple[str, str, str]]]:
    """Every item the DynamoDB calls made inside the block name by key (`item_keys`)."""
    return _recorded(item_keys)


# --- what a policy grants ----------------------------------------------------------------------


def granted_by(template: dict[str, Any], found: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(action, target) pairs the statements allow, targets spelled as the calls spell them in
    the tests: the `dev` stage's table names and sender."""
    names = {table_of_variable(template, v): os.environ[v] for v in TABLE_VARIABLES}
    allowed = set()
    for statement in found:
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                if isinstance(resource, dict) and "Fn::GetAtt" in resource:
                    logical = resource["Fn::GetAtt"][0]
                    if logical in names:
                        allowed.add((action, names[logical]))
                if isinstance(resource, dict) and "Fn::Sub" in resource:
                    # An index: "${SessionsTable.Arn}/index/by-user" (R-SEC-1).
                    index = re.fullmatch(r"\$\{(\w+)\.Arn\}(/index/[\w.-]+)", resource["Fn::Sub"])
                    if index and index.group(1) in names:
                        allowed.add((action, names[index.group(1)] + index.group(2)))
                if resource == NO_RESOURCE:
                    allowed.add((action, NO_RESOURCE))
            if action == "ses:SendEmail":
                allowed.add((action, os.environ["MAIL_SENDER"]))
    return allowed


def granted(template: dict[str, Any], role: str = "ApiHandlerRole") -> set[tuple[str, str]]:
    """What the function's role `role` allows."""
    return granted_by(template, statements(template, role))


def not_granted(seen: list[tuple[str, str]], allowed: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The DynamoDB and SES checks of `seen` that `allowed` does not cover."""
    return {check for check in seen if check[0].startswith(("dynamodb:", "ses:"))} - allowed
