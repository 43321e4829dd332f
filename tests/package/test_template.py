"""The packaged CloudFormation template (R-OPS-1): tables, least-privilege IAM, gateway errors.

Reads `build/package/sam.json` as `make package` (which `make test` runs first) leaves it; when
that file is missing or older than what it is built from, the test packages into a temporary
folder itself, so it never reads a stale template and never skips (the `packaged` and `template`
fixtures, tests/iam.py, which the operators' policy's tests share).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import botocore.client
import pytest

from chalicelib.domain import errors
from chalicelib.store.models import ALL_MODELS, TTL_ATTRIBUTES
from tests import flows
from tests.helpers import ROOT
from tests.iam import (
    TABLE_VARIABLES,
    api_function,
    as_list,
    functions,
    granted,
    not_granted,
    recorded_checks,
    resources,
    statements,
    table_of_variable,
)

pytestmark = pytest.mark.xdist_group("template")

CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
DEPLOYED_STAGES = ("dev", "prod")
CONFIGURATION_SET_ARN = (
    "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/"
    "${SesConfigurationSet}"
)


# Each function and the role it runs under (R-OPS-1, R-MAIL-1, R-PRIV-4): the API's, SES's
# feedback handler's, the retention job's.
ROLES = {"APIHandler": "ApiHandlerRole", "SesEvents": "SesEventsRole", "Retention": "RetentionRole"}
LOG_GROUPS = {
    "APIHandler": "ApiHandlerLogGroup",
    "SesEvents": "SesEventsLogGroup",
    "Retention": "RetentionLogGroup",
}


def model_tables(template: dict[str, Any]) -> dict[str, Any]:
    """Logical table id -> PynamoDB model, matched through the environment variable that names it
    (the tests run with the `dev` stage's variables, the template maps the same ones to Refs)."""
    by_name = {os.environ[v]: table_of_variable(template, v) for v in TABLE_VARIABLES}
    return {by_name[model.Meta.table_name]: model for model in ALL_MODELS}


# --- tables ----------------------------------------------------------------------------------


def test_template_declares_exactly_one_table_per_model_with_its_key_schema(template):
    """R-OPS-1: every table the code uses comes from the template, and no other."""
    declared = resources(template, "AWS::DynamoDB::Table")
    expected = model_tables(template)
    assert set(declared) == set(expected)
    for logical, model in expected.items():
        props = declared[logical]["Properties"]
        keys = {"HASH": model._hash_keyname}
        if model._range_keyname:
            keys["RANGE"] = model._range_keyname
        assert {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]} == keys, logical
        schema = model._get_schema()
        assert {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]} == {
            a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]
        }, logical
        types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
        assert {types[name] for name in keys.values()} == {"S"}, logical
        assert declared_indexes(props) == model_indexes(model), logical
        assert "LocalSecondaryIndexes" not in props


def declared_indexes(props: dict[str, Any]) -> dict[str, Any]:
    return {
        index["IndexName"]: (
            {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]},
            index["Projection"]["ProjectionType"],
            sorted(index["Projection"].get("NonKeyAttributes", [])),
        )
        for index in props.get("GlobalSecondaryIndexes", [])
    }


def model_indexes(model: Any) -> dict[str, Any]:
    """The model's global secondary indexes as the template spells them: R-SEC-1's session
    list reads the sessions of an account through one."""
    return {
        index["index_name"]: (
            {k["KeyType"]: k["AttributeName"] for k in index["key_schema"]},
            index["projection"]["ProjectionType"],
            sorted(index["projection"].get("NonKeyAttributes", [])),
        )
        for index in model._get_schema()["global_secondary_indexes"]
    }


def test_tables_are_on_demand_recoverable_encrypted_protected_and_retained(template):
    """R-OPS-1: pay per request, point-in-time recovery, SSE, deletion protection, Retain."""
    for logical, table in resources(template, "AWS::DynamoDB::Table").items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", logical
        assert "ProvisionedThroughput" not in props, logical
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"]["SSEEnabled"] is True, logical
        assert props["DeletionProtectionEnabled"] is True, logical
        assert table["DeletionPolicy"] == "Retain", logical
        assert table["UpdateReplacePolicy"] == "Retain", logical


def test_ttl_is_enabled_on_the_attribute_each_expiring_model_declares(template):
    """R-OPS-1: codes, sessions and rate-limit counters expire through DynamoDB's TTL."""
    declared = resources(template, "AWS::DynamoDB::Table")
    for logical, model in model_tables(template).items():
        ttl = declared[logical]["Properties"].get("TimeToLiveSpecification")
        if model in TTL_ATTRIBUTES:
            assert ttl == {"AttributeName": TTL_ATTRIBUTES[model], "Enabled": True}, logical
            assert TTL_ATTRIBUTES[model] in model.get_attributes()
        else:
            assert ttl is None, logical


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_stage_table_names_are_the_ones_the_stack_named_after_the_stage_creates(template, stage):
    """docs/deploy.md names the stacks `ecuapass-<stage>`; the template names tables after the
    stack, so the stage's own table names in .chalice/config.json are what AWS will hold."""
    env = CONFIG["stages"][stage]["environment_variables"]
    declared = resources(template, "AWS::DynamoDB::Table")
    for variable in TABLE_VARIABLES:
        kind = variable.removesuffix("_TABLE").lower()
        name = declared[table_of_variable(template, variable)]["Properties"]["TableName"]
        assert name == {"Fn::Sub": "${AWS::StackName}-" + kind}
        assert env[variable] == f"ecuapass-{stage}-{kind}"
    assert env["HASH_KEY_PARAMETER"] == f"/ecuapass-{stage}/hash-key"


# --- functions -------------------------------------------------------------------------------


def test_functions_get_table_names_by_reference_not_as_strings(template):
    tables = set(resources(template, "AWS::DynamoDB::Table"))
    assert functions(template)
    for name, function in functions(template).items():
        variables = function["Properties"]["Environment"]["Variables"]
        for variable in TABLE_VARIABLES:
            assert variables[variable] in [{"Ref": t} for t in tables], (name, variable)


def test_every_function_starts_by_importing_the_app_and_so_its_logging_r_ops_3(template):
    """A handler in another module would start without app.py's logging set-up: no JSON, no
    redaction, and its INFO lines dropped by Lambda's default WARNING level."""
    for name, function in functions(template).items():
        assert function["Properties"]["Handler"].startswith("app."), name


def test_functions_run_python_3_13_under_the_declared_role_and_log_group(template):
    assert set(functions(template)) == set(ROLES)
    for name, function in functions(template).items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.13", name
        assert props["Role"] == {"Fn::GetAtt": [ROLES[name], "Arn"]}, name
        assert props["LoggingConfig"]["LogGroup"] == {"Ref": LOG_GROUPS[name]}, name
        assert props["MemorySize"] == CONFIG["stages"]["prod"]["lambda_memory_size"]
        group = template["Resources"][LOG_GROUPS[name]]["Properties"]
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_deployment_package_carries_linux_builds_of_the_compiled_dependencies(packaged):
    """argon2 and cffi are compiled: the zip must hold their manylinux x86_64 builds for 3.13."""
    with zipfile.ZipFile(packaged.parent / "deployment.zip") as bundle:
        names = set(bundle.namelist())
    assert any(re.fullmatch(r"_argon2_cffi_bindings/_ffi\.abi3\.so", n) for n in names)
    assert "_cffi_backend.cpython-313-x86_64-linux-gnu.so" in names
    assert "chalicelib/data/common-passwords.txt" in names
    assert "chalicelib/data/reserved-user-ids.txt" in names  # R-HARD-2
    assert "app.py" in names


# --- IAM -------------------------------------------------------------------------------------


def test_policy_has_no_wildcard_action_or_resource(template):
    """R-OPS-1: no `*` action, no `*` resource (every call this code makes has a narrower ARN)."""
    found = statements(template)
    assert found
    for statement in found:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        for action in as_list(statement["Action"]):
            assert "*" not in action, statement
        for resource in as_list(statement["Resource"]):
            assert resource != "*", statement
            assert not (isinstance(resource, str) and resource.endswith(":*")), statement


def test_ses_may_send_only_as_the_stage_sender(template):
    (ses,) = [s for s in statements(template) if any(a.startswith("ses:") for a in s["Action"])]
    assert ses["Action"] == ["ses:SendEmail"]
    assert ses["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "MailSender"}}}
    # R-MAIL-1: the send names the configuration set, which IAM checks as a resource too.
    assert {"Fn::Sub": CONFIGURATION_SET_ARN} in ses["Resource"]
    function = api_function(template)
    assert function["Properties"]["Environment"]["Variables"]["MAIL_SENDER"] == {
        "Ref": "MailSender"
    }
    prod_sender = CONFIG["stages"]["prod"]["environment_variables"]["MAIL_SENDER"]
    assert template["Parameters"]["MailSender"]["Default"] == prod_sender


def test_the_only_readable_parameter_is_the_stage_hash_key(template):
    (ssm,) = [s for s in statements(template) if any(a.startswith("ssm:") for a in s["Action"])]
    assert ssm["Action"] == ["ssm:GetParameter"]
    arn = ssm["Resource"]["Fn::Sub"]
    name = api_function(template)["Properties"]["Environment"]["Variables"]["HASH_KEY_PARAMETER"][
        "Fn::Sub"
    ]
    assert arn.endswith(":parameter" + name)
    assert not any(s["Action"][0].startswith("kms:") for s in statements(template))


def test_logs_may_be_written_only_to_the_function_log_group(template):
    for function, role in ROLES.items():
        (logs,) = [
            s for s in statements(template, role) if any(a.startswith("logs:") for a in s["Action"])
        ]
        assert sorted(logs["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert logs["Resource"] == {"Fn::GetAtt": [LOG_GROUPS[function], "Arn"]}


@pytest.fixture
def aws_calls(client: Any) -> Iterator[list[tuple[str, str]]]:
    """Every IAM check the API's AWS calls would meet, once the tables and sender are set up."""
    with recorded_checks() as seen:
        yield seen


def _not_granted(
    template: dict[str, Any], seen: list[tuple[str, str]], role: str = "ApiHandlerRole"
) -> set[tuple[str, str]]:
    return not_granted(seen, granted(template, role))


def test_policy_allows_every_aws_call_of_a_registration(template, client, aws_calls):
    """R-OPS-1: what the registration journey does in moto, IAM would let it do in AWS."""
    flows.registration(client, 41)
    assert aws_calls, "the journey made no AWS call: the recorder is not seeing them"
    missing = _not_granted(template, aws_calls)
    assert not missing, f"add to infra/resources.json's ApiHandlerRole: {sorted(missing)}"


def test_policy_allows_every_aws_call_of_log_in_account_changes_and_deactivation(
    template, client, aws_calls
):
    """R-OPS-1 for api.md "Sessions" and "Account" (issue 3's routes)."""
    journey = flows.sign_up(client, 42)
    flows.account(client, journey, "juana.nueva42@example.org", "OtraClave2026firme")
    missing = _not_granted(template, aws_calls)
    assert not missing, f"add to infra/resources.json's ApiHandlerRole: {sorted(missing)}"


def test_policy_allows_every_aws_call_of_recovery_and_the_undo_of_an_e_mail_change(
    template, client, aws_calls
):
    """R-OPS-1 for issue 8's routes: the undo link in the codes table, the claims it moves, the
    lock-out and recovery notices."""
    journey = flows.sign_up(client, 45)
    flows.recovery(client, journey, "ana.nueva45@example.org", "Recuperada2026ok")
    missing = _not_granted(template, aws_calls)
    assert not missing, f"add to infra/resources.json's ApiHandlerRole: {sorted(missing)}"


@contextmanager
def a_concurrent_write_lost_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The lock-out state's first conditional write loses to a concurrent attempt, as in a
    parallel burst: the gate then reads the state again (R-HARD-1)."""
    from chalicelib.store.accounts import DynamoAccountStore

    real = DynamoAccountStore.save_login_state
    lost: list[bool] = []

    def lose_once(self: DynamoAccountStore, user_id: str, **kwargs: Any) -> bool:
        if not lost:
            lost.append(True)
            return False
        return real(self, user_id, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(DynamoAccountStore, "save_login_state", lose_once)
        yield
    assert lost, "no lock-out write happened"


@contextmanager
def the_attempt_taken_back_meanwhile(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A right password's first write loses to a concurrent one that already took its attempt
    back (the run of failures cleared meanwhile): the retry then finds nothing to change on the
    user item and only checks its state, with a ConditionCheck of the users table (R-HARD-1)."""
    from chalicelib.store.accounts import DynamoAccountStore
    from chalicelib.store.models import UserModel

    real = DynamoAccountStore.open_session
    lost: list[bool] = []

    def lose_once(self: DynamoAccountStore, session: Any, audit: Any, **kwargs: Any) -> bool:
        if not lost:
            lost.append(True)
            UserModel(session.user_id).update(actions=[UserModel.failed_logins.set([])])
            return False
        return real(self, session, audit, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(DynamoAccountStore, "open_session", lose_once)
        yield
    assert lost, "no log-in write happened"


def taken_back_log_in(client: Any, journey: flows.Journey, monkeypatch: pytest.MonkeyPatch) -> None:
    with the_attempt_taken_back_meanwhile(monkeypatch):
        flows.log_in(client, journey, journey.password)


def test_policy_allows_the_state_check_of_a_log_in_whose_attempt_was_taken_back_meanwhile(
    template, client, aws_calls, monkeypatch
):
    """R-HARD-1, R-OPS-1: the rare retry that writes nothing to the user item still checks it."""
    journey = flows.sign_up(client, 48)
    aws_calls.clear()
    taken_back_log_in(client, journey, monkeypatch)
    assert ("dynamodb:ConditionCheckItem", os.environ["USERS_TABLE"]) in aws_calls
    missing = _not_granted(template, aws_calls)
    assert not missing, f"add to infra/resources.json's ApiHandlerRole: {sorted(missing)}"


def test_policy_allows_every_aws_call_of_the_session_list_r_sec_1(template, client, aws_calls):
    """R-OPS-1 for the session list: the Query of the sessions' by-user index, and the
    transactions that end one session and all the others."""
    flows.session_list(client, flows.sign_up(client, 46))
    assert any(target.endswith("/index/by-user") for _, target in aws_calls)
    missing = _not_granted(template, aws_calls)
    assert not missing, f"add to infra/resources.json's ApiHandlerRole: {sorted(missing)}"


def test_policy_allows_every_aws_call_of_the_second_factor_r_sec_2(template, client, aws_calls):
    """R-OPS-1 for the second factor: enrolment, confirmation, the log-in's challenge and code
    step (TOTP, wrong, recovery code) and the deactivation; the challenge lives in the codes
    table, so no new grant."""
    flows.second_factor(client, flows.sign_up(client, 47))
    missing = _not_granted(template, aws_calls)
    assert not missing, f"add to infra/resources.json's ApiHandlerRole: {sorted(missing)}"


def test_policy_grants_no_dynamodb_or_ses_action_the_api_never_uses(
    template, client, aws_calls, monkeypatch
):
    """Least privilege the other way round: every grant is used by some journey."""
    flows.registration(client, 43)
    flows.account(client, flows.sign_up(client, 44), "ana.nueva44@example.org", "Nueva2026ok")
    flows.session_list(client, flows.sign_up(client, 47))
    with a_concurrent_write_lost_once(monkeypatch):
        flows.guesses(client, "nadie.registrado")
    taken_back_log_in(client, flows.sign_up(client, 49), monkeypatch)
    used = set(aws_calls)
    unused = granted(template) - used
    assert not unused, f"remove from infra/resources.json's ApiHandlerRole: {sorted(unused)}"


def test_policy_grants_the_ses_feedback_handler_exactly_what_it_uses_r_mail_2(
    template, client, aws_calls
):
    """R-MAIL-1, R-MAIL-2: the SNS handler's role is as narrow as the API's: every call of its
    journey (bounces, complaints, deliveries, a redelivery, an owner's mirror) is granted, and
    every grant is used."""
    journey = flows.sign_up(client, 50)
    aws_calls.clear()
    flows.ses_feedback(client, journey)
    assert aws_calls
    missing = _not_granted(template, aws_calls, "SesEventsRole")
    assert not missing, f"add to infra/resources.json's SesEventsRole: {sorted(missing)}"
    unused = granted(template, "SesEventsRole") - set(aws_calls)
    assert not unused, f"remove from infra/resources.json's SesEventsRole: {sorted(unused)}"
    assert not any(action.startswith(("ses:", "ssm:")) for action, _ in aws_calls)


def test_policy_grants_the_retention_job_exactly_what_it_uses_r_priv_4(template, client, aws_calls):
    """R-PRIV-4: the retention job's role allows every call of its runs (the cursors, the two
    sparse indexes, an account's trail, the stripping and the anonymisation) and nothing more;
    in the limits table, only the cursors' keys."""
    flows.retention(client, flows.sign_up(client, 51), aws_calls)
    missing = _not_granted(template, aws_calls, "RetentionRole")
    assert not missing, f"add to infra/resources.json's RetentionRole: {sorted(missing)}"
    unused = granted(template, "RetentionRole") - set(aws_calls)
    assert not unused, f"remove from infra/resources.json's RetentionRole: {sorted(unused)}"
    (cursors,) = [
        s
        for s in statements(template, "RetentionRole")
        if s["Resource"] == {"Fn::GetAtt": ["LimitsTable", "Arn"]}
    ]
    assert cursors["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["RETENTION#*"]}
    }


def test_a_notification_the_handler_fails_on_waits_in_a_dead_letter_queue_r_mail_2(template):
    """SNS invokes the handler asynchronously: after Lambda's two retries a failed notification
    would be dropped. It goes to an encrypted queue the handler's role alone may send to, and an
    alarm tells the operators (docs/operations.md has the replay)."""
    resources_ = template["Resources"]
    function = resources_["SesEvents"]["Properties"]
    queue = {"Fn::GetAtt": ["SesEventsDeadLetters", "Arn"]}
    assert function["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": queue}
    props = resources_["SesEventsDeadLetters"]["Properties"]
    assert props["SqsManagedSseEnabled"] is True and props["MessageRetentionPeriod"] == 14 * 86400
    (send,) = [s for s in statements(template, "SesEventsRole") if s["Resource"] == queue]
    assert send["Action"] == ["sqs:SendMessage"]
    alarm = resources_["SesEventsDeadLettersAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [{"Ref": "OperatorsTopic"}]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"


def test_every_send_email_names_the_stage_configuration_set_r_mail_1(template, client):
    """R-MAIL-1: every mail the journeys send goes through the configuration set the template
    declares, whose event destination feeds the handler."""
    sent: list[dict[str, Any]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "SendEmail":
            sent.append(params)
        return original(self, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
        flows.registration(client, 48)
        journey = flows.sign_up(client, 49)
        flows.recovery(client, journey, "ana.nueva49@example.org", "Recuperada2026ok")
    assert sent
    expected = os.environ["SES_CONFIGURATION_SET"]
    assert {params.get("ConfigurationSetName") for params in sent} == {expected}
    for stage in DEPLOYED_STAGES:
        env = CONFIG["stages"][stage]["environment_variables"]
        # The configuration set is named after the stack, `ecuapass-<stage>` (docs/deploy.md).
        assert env["SES_CONFIGURATION_SET"] == f"ecuapass-{stage}"
        assert env["SES_EVENTS_TOPIC"] == f"ecuapass-{stage}-ses-events"
    config_set = template["Resources"]["SesConfigurationSet"]["Properties"]
    assert config_set["Name"] == {"Fn::Sub": "${AWS::StackName}"}
    assert config_set["ReputationOptions"] == {"ReputationMetricsEnabled": True}
    assert api_function(template)["Properties"]["Environment"]["Variables"][
        "SES_CONFIGURATION_SET"
    ] == {"Ref": "SesConfigurationSet"}


def test_ses_events_reach_the_handler_through_a_topic_only_ses_of_this_account_publishes_to(
    template,
):
    """R-MAIL-1: the event destination sends bounces, complaints and deliveries to the topic;
    the topic's policy lets SES of this account, for this configuration set, publish, and
    nobody else; the handler is subscribed to that topic."""
    res = template["Resources"]
    destination = res["SesEventDestination"]["Properties"]
    assert destination["ConfigurationSetName"] == {"Ref": "SesConfigurationSet"}
    event = destination["EventDestination"]
    assert event["Enabled"] is True
    assert {"bounce", "complaint", "delivery"} <= set(event["MatchingEventTypes"])
    assert event["SnsDestination"] == {"TopicARN": {"Ref": "SesEventsTopic"}}
    policy = res["SesEventsTopicPolicy"]["Properties"]
    assert policy["Topics"] == [{"Ref": "SesEventsTopic"}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"]["StringEquals"] == {
        "AWS:SourceAccount": {"Ref": "AWS::AccountId"}
    }
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == {"Fn::Sub": CONFIGURATION_SET_ARN}
    topic = res["SesEventsTopic"]["Properties"]["TopicName"]
    assert topic == {"Fn::Sub": "${AWS::StackName}-ses-events"}
    (subscription,) = functions(template)["SesEvents"]["Properties"]["Events"].values()
    assert subscription["Type"] == "SNS"
    assert subscription["Properties"]["Topic"] == {
        "Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:"
        "${AWS::StackName}-ses-events"
    }


def test_every_alarm_alerts_the_operators_topic_r_mail_5(template):
    """R-MAIL-5: every alarm has an action, the operators' topic, whose e-mail subscription is a
    parameter; the alarms the requirement lists are all there, at its thresholds."""
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert alarms
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "OperatorsTopic"}], name
    subscription = template["Resources"]["OperatorsSubscription"]
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "OperatorsEmail"}

    def metric(name: str) -> tuple[str, str, Any, str]:
        props = alarms[name]["Properties"]
        return (
            props["Namespace"],
            props["MetricName"],
            props["Threshold"],
            props["ComparisonOperator"],
        )

    at_least = "GreaterThanOrEqualToThreshold"
    assert metric("SesBounceRateAlarm") == ("AWS/SES", "Reputation.BounceRate", 0.02, at_least)
    assert metric("SesComplaintRateAlarm") == (
        "AWS/SES",
        "Reputation.ComplaintRate",
        0.0005,
        at_least,
    )
    assert metric("Api5xxAlarm")[:2] == ("AWS/ApiGateway", "5XXError")
    watched = {
        (alarms[n]["Properties"].get("MetricName"), str(alarms[n]["Properties"].get("Dimensions")))
        for n in alarms
    }
    for function in ROLES:
        for kind in ("Errors", "Throttles"):
            assert (kind, str([{"Name": "FunctionName", "Value": {"Ref": function}}])) in watched
    throttled = {
        stat["MetricStat"]["Metric"]["MetricName"]
        + str(stat["MetricStat"]["Metric"]["Dimensions"][0]["Value"])
        for name in ("DynamoDbReadThrottlesAlarm", "DynamoDbWriteThrottlesAlarm")
        for stat in alarms[name]["Properties"]["Metrics"]
        if "MetricStat" in stat
    }
    tables = resources(template, "AWS::DynamoDB::Table")
    assert throttled == {
        f"{kind}ThrottleEvents{ {'Ref': table} }" for kind in ("Read", "Write") for table in tables
    }
    assert metric("SesEventsDeliveryFailedAlarm")[:2] == ("AWS/SNS", "NumberOfNotificationsFailed")
    spike = alarms["CodeRequestsSpikeAlarm"]["Properties"]
    assert (spike["MetricName"], spike["Period"], spike["Threshold"]) == (
        "CodesSent",
        300,
        {"Ref": "CodeRequestsPerFiveMinutes"},
    )


# --- API Gateway's own errors ----------------------------------------------------------------

GATEWAY_ERRORS = {
    "DEFAULT_4XX": (None, "VALIDATION_ERROR"),
    "DEFAULT_5XX": ("503", "SERVICE_UNAVAILABLE"),
    "MISSING_AUTHENTICATION_TOKEN": ("404", "NOT_FOUND"),
    "RESOURCE_NOT_FOUND": ("404", "NOT_FOUND"),
    "THROTTLED": ("429", "TOO_MANY_REQUESTS"),
    "QUOTA_EXCEEDED": ("429", "TOO_MANY_REQUESTS"),
    "REQUEST_TOO_LARGE": ("413", "VALIDATION_ERROR"),
    "UNSUPPORTED_MEDIA_TYPE": ("415", "VALIDATION_ERROR"),
    "UNAUTHORIZED": ("401", "UNAUTHORIZED"),
    "ACCESS_DENIED": ("401", "UNAUTHORIZED"),
    "EXPIRED_TOKEN": ("401", "UNAUTHORIZED"),
    "AUTHORIZER_FAILURE": ("503", "SERVICE_UNAVAILABLE"),
    "AUTHORIZER_CONFIGURATION_ERROR": ("503", "SERVICE_UNAVAILABLE"),
    "INTEGRATION_TIMEOUT": ("503", "SERVICE_UNAVAILABLE"),
}
API_ERRORS: list[type[errors.ApiError]] = [errors.ApiError, *errors.ApiError.__subclasses__()]
API_CODES = {cls.code for cls in API_ERRORS}


def gateway_responses(template: dict[str, Any]) -> dict[str, Any]:
    # In the API definition rather than as GatewayResponse resources: SAM re-imports the
    # definition on every deployment and that import drops responses declared beside it.
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    return body["x-amazon-apigateway-gateway-responses"]


@pytest.mark.parametrize("kind", sorted(GATEWAY_ERRORS))
def test_gateway_errors_answer_in_the_api_shape_with_cors(template, kind):
    """api.md error shape and CORS headers on what API Gateway answers by itself."""
    status, code = GATEWAY_ERRORS[kind]
    response = gateway_responses(template)[kind]
    assert response.get("statusCode") == status
    (body,) = response["responseTemplates"].values()
    assert not re.search(r"[$#]", body), "VTL would interpret $ and #"
    error = json.loads(body)["error"]
    assert error["code"] == code and code in API_CODES
    assert re.search(r"[áéíóúñ]|\b(el|la|de|en|un|su|no|y|e)\b", error["message"]), (
        "message in Spanish"
    )
    headers = response["responseParameters"]
    assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == {
        "Fn::Sub": "'${CorsOrigin}'"
    }
    assert "Content-Type" in headers["gatewayresponse.header.Access-Control-Allow-Headers"]
    assert "Authorization" in headers["gatewayresponse.header.Access-Control-Allow-Headers"]
    if status == "429":
        assert re.fullmatch(r"'\d+'", headers["gatewayresponse.header.Retry-After"])


def test_gateway_cors_origin_is_the_one_the_packaged_preflight_answers(template):
    """The OPTIONS answers are fixed when packaging; the gateway's errors must name the same."""
    origin = CONFIG["stages"]["prod"]["environment_variables"]["CORS_ORIGIN"]
    assert template["Parameters"]["CorsOrigin"]["Default"] == origin
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    preflights = [p["options"] for p in paths.values() if "options" in p]
    assert preflights
    for options in preflights:
        answer = options["x-amazon-apigateway-integration"]["responses"]["default"]
        allowed = answer["responseParameters"]["method.response.header.Access-Control-Allow-Origin"]
        assert allowed == f"'{origin}'"


def test_templates_pass_cfn_lint_with_no_error_or_warning(packaged):
    """The same check `make template-check` runs, kept here so a bare pytest run has it too."""
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent))
    assert cfn_lint, "cfn-lint is not installed in the venv (requirements-dev.txt)"
    result = subprocess.run(
        [cfn_lint, str(packaged), str(WEB)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the web form's hosting (infra/web.json) ----------------------------------------------------

WEB = ROOT / "infra" / "web.json"


def test_web_bucket_is_private_and_read_only_by_its_own_distribution():
    web = json.loads(WEB.read_text(encoding="utf-8"))
    bucket = resources(web, "AWS::S3::Bucket")["WebBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (statement,) = web["Resources"]["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${WebDistribution}")
    config = web["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
