"""`ecuapass-admin` as the help desk runs it (R-ADM-1): the console script `pip install .` puts
on PATH, started as a process of its own against a moto server, which the test then reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from tests.helpers import (
    PASSWORD,
    ROOT,
    USER,
    WRONG,
    audit_events,
    log_in,
    mails_to,
    register,
)
from tests.stack import moto_stack

pytestmark = pytest.mark.xdist_group("admin-console-script")

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
EMAIL = "juan.perez1@example.com"
# `make run` and `make test` install the project editable into .venv (the Makefile's $(STAMP)).
INSTALLED = Path(sys.executable).with_name("ecuapass-admin")
LAUNCHERS = {
    "python -m admin": [sys.executable, "-m", "admin"],
    **({"ecuapass-admin": [str(INSTALLED)]} if INSTALLED.exists() else {}),
}


def test_the_console_script_is_admin_cli_main_and_needs_what_the_lambda_needs():
    from admin import cli

    assert PYPROJECT["project"]["scripts"] == {"ecuapass-admin": "admin.cli:main"}
    assert callable(cli.main)
    pinned = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert PYPROJECT["project"]["dependencies"] == pinned
    assert PYPROJECT["project"]["requires-python"] == ">=3.13"


@pytest.mark.slow
def test_pip_install_puts_a_working_ecuapass_admin_with_its_data_on_path(tmp_path):
    """What `pip install .` gives a help-desk machine: the script, both packages and the data
    files (R-ADM-1). Built with the venv's own setuptools, so no index is needed."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "--target", str(target), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    assert (target / "chalicelib" / "openapi.json").is_file()
    assert (target / "chalicelib" / "data" / "reserved-user-ids.txt").is_file()
    assert (target / "admin" / "cli.py").is_file()
    # Run from elsewhere, with only the installed copy importable.
    env = {**os.environ, "PYTHONPATH": str(target)}
    shown = subprocess.run(
        [str(target / "bin" / "ecuapass-admin"), "--help"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "uso: ecuapass-admin" in shown.stdout
    imports = "import admin, chalicelib; print(admin.__file__, chalicelib.__file__)"
    where = subprocess.run(
        [sys.executable, "-c", imports],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert where.stdout.count(str(target)) == 2


@pytest.fixture
def server_client() -> Iterator[tuple[Client, str]]:
    """The API in this process and the tool in another, on one moto server."""
    from app import app

    with moto_stack() as server, Client(app, stage_name="dev") as client:
        yield client, server.url


def run(launcher: list[str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*launcher, *argv, "--stage", "dev"],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def as_json(launcher: list[str], *argv: str) -> dict[str, Any]:
    done = run(launcher, *argv, "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.slow
@pytest.mark.parametrize("launcher", list(LAUNCHERS.values()), ids=list(LAUNCHERS))
def test_find_show_unlock_in_a_process_of_its_own_r_adm_1_r_adm_2(server_client, launcher):
    client, _ = server_client
    assert register(client).status == 201
    for _ in range(5):
        log_in(client, USER, WRONG)
    assert log_in(client, USER, PASSWORD).status == 423

    assert as_json(launcher, "find", "--email", EMAIL) == {"user_id": USER, "status": "ACTIVE"}
    shown = run(launcher, "show", USER)
    assert shown.returncode == 0, shown.stderr
    assert "BLOQUEADA hasta" in shown.stdout
    done = as_json(launcher, "unlock", USER, "--ticket", "MDA-42")
    assert done["was_locked"] is True and done["ticket"] == "MDA-42"

    (event,) = audit_events("OPERATOR_UNLOCKED")
    assert event["ticket"]["S"] == "MDA-42" and event["operator"]["S"].startswith("arn:aws:")
    assert mails_to(EMAIL)[-1].subject == "Ecuapass: se desbloqueó el ingreso a su cuenta"
    assert log_in(client).status == 201

    refused = run(launcher, "unlock", USER, "--ticket", "MDA-43")
    assert refused.returncode == 1 and "no está bloqueada" in refused.stderr
    usage = run(launcher, "unlock", USER)
    assert usage.returncode == 2 and "--ticket" in usage.stderr
