"""Which stage a run of `ecuapass-admin` works on (R-ADM-1): a deployed stage's tables, sender,
configuration set and web form, as the API has them; the local stage only on `make run`'s moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from admin.stage import LOCAL_AWS, STAGE_VARIABLES, stage_variables
from tests.helpers import ROOT

STAGES = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))["stages"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_deployed_stage_gives_what_its_notices_and_export_need_r_mail_1_r_priv_3(stage):
    variables = stage_variables(stage)
    declared = STAGES[stage]["environment_variables"]
    assert variables == {name: declared[name] for name in STAGE_VARIABLES if name in declared}
    assert variables["SES_CONFIGURATION_SET"] == f"ecuapass-{stage}"
    assert variables["WEB_BASE_URL"] == declared["WEB_BASE_URL"]
    assert variables["USERS_TABLE"] == f"ecuapass-{stage}-users"


def test_the_local_stage_needs_the_address_make_run_prints():
    """Run in a process of its own: this one's models are bound to the `dev` stage's tables."""
    env = {name: value for name, value in os.environ.items() if name != "AWS_ENDPOINT_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "admin", "show", "juan.perez1", "--stage", "local"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "AWS_ENDPOINT_URL=http://127.0.0.1:5000" in done.stderr and done.stdout == ""


def test_the_local_stage_sends_no_real_credential_and_reads_moto_s_region(monkeypatch):
    """`make run` creates its tables in us-east-1 with fake keys: a developer's profile, session
    token or region must neither reach moto's tables elsewhere nor leave the machine."""
    from admin import stage

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    for name in stage.REAL_CREDENTIALS:
        monkeypatch.setenv(name, "real")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "sa-east-1")
    assert stage._local_aws() == LOCAL_AWS
    assert LOCAL_AWS["AWS_DEFAULT_REGION"] == LOCAL_AWS["AWS_REGION"] == "us-east-1"
    assert not set(stage.REAL_CREDENTIALS) & set(os.environ)
