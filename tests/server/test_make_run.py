"""`make run`'s stack ends whole on SIGTERM and SIGINT alike, says what the README says, and the
help desk's command its banner prints works on it (R-OPS-2, R-ADM-1, R-UX: the newcomer's first
minutes).

The stack is started as `make run` starts it (`python -m devstack.run`), in a process group of
its own, and the signal goes to the whole group, as a process manager, a closing terminal or a
test harness sends it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from devstack.run import banner, help_desk_command
from tests.helpers import CODE_IN_MAIL, PASSWORD, ROOT, WRONG, registration_body
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


@dataclass(frozen=True)
class Stack:
    process: subprocess.Popen[bytes]
    log: Path
    ports: dict[str, int]

    def url(self, port: str) -> str:
        return f"http://127.0.0.1:{self.ports[port]}"


@contextmanager
def make_run(tmp_path: Path, **settings: str) -> Iterator[Stack]:
    """`python -m devstack.run` as `make run` starts it, on free ports, in a process group of its
    own, once its banner is out; the whole group is killed after the block if still running."""
    ports = {"MOTO_PORT": free_port(), "API_PORT": free_port(), "WEB_PORT": free_port()}
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}, **settings}
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
            yield Stack(stack, log, ports)
        finally:
            if stack.poll() is None:
                os.killpg(stack.pid, signal.SIGKILL)
                stack.wait(timeout=20)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_group_ends_every_process_of_the_stack(
    tmp_path: Path, signum: signal.Signals
) -> None:
    with make_run(tmp_path) as stack:
        api = children_of(stack.process.pid)
        assert api, "the API runs as a child process"
        os.killpg(stack.process.pid, signum)
        assert stack.process.wait(timeout=20) == 0, stack.log.read_text()[-2000:]
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in api) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in api), "the API process outlived the stack"
    for name, port in stack.ports.items():
        assert not listening(port), f"{name} {port} still listens"
    assert "Traceback" not in stack.log.read_text(), stack.log.read_text()[-2000:]


def _post(url: str, body: dict[str, Any]) -> int:
    return requests.post(url, json=body, timeout=30).status_code


def test_the_help_desk_command_of_the_banner_finds_shows_and_unlocks_on_the_stack_r_adm_1(
    tmp_path: Path,
) -> None:
    """The command the banner prints, typed in a fresh terminal (no AWS setting, no profile),
    reads and changes what the stack's API wrote."""
    with make_run(tmp_path, PROOF_OF_WORK="off") as stack:
        api, web, moto = (stack.url(p) for p in ("API_PORT", "WEB_PORT", "MOTO_PORT"))
        body = registration_body(7)
        user = body["user_id"]
        assert _post(f"{api}/v1/registration/security-code", {"email": body["email"]}) == 202
        (mail,) = requests.get(f"{web}/outbox.json", timeout=10).json()
        body["security_code"] = CODE_IN_MAIL.findall(mail["body"])[0]
        assert _post(f"{api}/v1/registration", body) == 201
        for _ in range(5):
            _post(f"{api}/v1/sessions", {"user_id": user, "password": WRONG})
        assert _post(f"{api}/v1/sessions", {"user_id": user, "password": PASSWORD}) == 423

        command = help_desk_command(web, moto)
        assert command in stack.log.read_text()
        terminal = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}

        def tool(*argv: str) -> subprocess.CompletedProcess[str]:
            typed = command.replace("show ID", " ".join(argv))
            return subprocess.run(
                ["bash", "-c", typed],
                cwd=ROOT, env=terminal, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip

        found = tool("find", "--email", body["email"], "--json")
        assert found.returncode == 0, found.stderr
        assert json.loads(found.stdout) == {"user_id": user, "status": "ACTIVE"}
        shown = tool("show", user)
        assert shown.returncode == 0 and "BLOQUEADA hasta" in shown.stdout, shown.stderr
        unlocked = tool("unlock", user, "--ticket", "MDA-1")
        assert unlocked.returncode == 0 and "Bloqueo levantado" in unlocked.stdout
        assert _post(f"{api}/v1/sessions", {"user_id": user, "password": PASSWORD}) == 201
        notice = requests.get(f"{web}/outbox.json", timeout=10).json()[-1]
        assert notice["subject"] == "Ecuapass: se desbloqueó el ingreso a su cuenta"
        # The notice links to this stack's own pages, not to a deployed stage's.
        assert f"{web}/privacidad.html" in notice["body"]


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
