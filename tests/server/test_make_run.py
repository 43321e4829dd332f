"""`make run`'s stack ends whole on SIGTERM and SIGINT alike, and says what the README says
(R-OPS-2, R-UX: the newcomer's first minutes).

The stack is started as `make run` starts it (`python -m devstack.run`), in a process group of
its own, and the signal goes to the whole group, as a process manager, a closing terminal or a
test harness sends it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devstack.run import banner
from tests.helpers import ROOT
from tests.stack import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("make-run")]


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_group_ends_every_process_of_the_stack(
    tmp_path: Path, signum: signal.Signals
) -> None:
    ports = {"MOTO_PORT": free_port(), "API_PORT": free_port(), "WEB_PORT": free_port()}
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}}
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        stack = subprocess.Popen(
            [sys.executable, "-m", "devstack.run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while "Ctrl-C para detener." not in log.read_text(errors="replace"):
                assert stack.poll() is None, log.read_text()[-2000:]
                assert time.monotonic() < deadline, "the stack did not come up"
                time.sleep(0.3)
            api = children_of(stack.pid)
            assert api, "the API runs as a child process"
            os.killpg(stack.pid, signum)
            assert stack.wait(timeout=20) == 0, log.read_text()[-2000:]
        finally:
            if stack.poll() is None:
                os.killpg(stack.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in api) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in api), "the API process outlived the stack"
    for name, port in ports.items():
        assert not listening(port), f"{name} {port} still listens"
    assert "Traceback" not in log.read_text(), log.read_text()[-2000:]


def test_the_readme_shows_the_banner_make_run_prints() -> None:
    printed = banner("http://127.0.0.1:8080", "http://127.0.0.1:8000", "http://127.0.0.1:5000")
    assert printed in (ROOT / "README.md").read_text()


def test_the_readmes_test_documents_pass_the_documents_rules_r_reg_2() -> None:
    """A newcomer types the README's numbers: each must be accepted as it says."""
    import re

    from chalicelib.domain.fields import check_document_number

    table = (ROOT / "README.md").read_text().split("| document | valid test numbers |")[1]
    rows = table.split("\n\n")[0].splitlines()[2:]
    kinds = {"Cédula": "CEDULA", "RUC": "RUC", "Pasaporte": "PASAPORTE"}
    checked = 0
    for row in rows:
        kind = next(code for name, code in kinds.items() if row.strip("| ").startswith(name))
        for number in re.findall(r"`([0-9A-Z]{5,20})`", row):
            assert check_document_number(kind, number) is None, (kind, number)
            checked += 1
    assert checked >= 5
