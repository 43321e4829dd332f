"""Browser tests: the real web/ pages in Debian's Chromium against the real local stack.

The stack is `python -m devstack.run` (what `make run` starts) on free ports. If Chromium or the
stack cannot start, the tests error out: a browser test that cannot run fails CI, never skips.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.helpers import STAGE_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CODE = re.compile(r"^[2-9A-HJ-NP-Z]{8}$", re.M)


def pytest_configure(config: pytest.Config) -> None:
    # xdist registers its marker only when loaded; `-p no:xdist` with --strict-markers would
    # otherwise stop the whole run at collection.
    if not config.pluginmanager.hasplugin("xdist"):
        config.addinivalue_line("markers", "xdist_group(name): run on the group's one worker")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    web: str
    api: str
    # moto's endpoint (DynamoDB, SES): to set up a state no page or route can reach.
    moto: str

    def mails(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.web}/outbox.json", timeout=5) as r:
            return json.loads(r.read())

    def last_code(self, address: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in reversed(self.mails()):
                if address in mail["to"] and (match := CODE.search(mail["text"])):
                    return match.group(0)
            time.sleep(0.2)
        raise AssertionError(f"no security code mailed to {address}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    ports = {name: str(_free_port()) for name in ("MOTO_PORT", "API_PORT", "WEB_PORT")}
    env = {**os.environ, **ports, "RATE_LIMITS_PER_IP": "off"}
    # The stack must see what a developer's shell has, not the `dev` stage values that
    # tests/conftest.py exported for the in-process tests (CORS_ORIGIN=*, the dev tables, …).
    for key in (*STAGE_ENVIRONMENT, "AWS_ENDPOINT_URL", "HASH_KEY"):
        env.pop(key, None)
    # A file, not a pipe: nobody reads the stack's console while the tests run, and a full pipe
    # would block it.
    log_path = tmp_path_factory.mktemp("stack") / "stack.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    result = Stack(
        f"http://127.0.0.1:{ports['WEB_PORT']}",
        f"http://127.0.0.1:{ports['API_PORT']}",
        f"http://127.0.0.1:{ports['MOTO_PORT']}",
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{result.api}/v1/health", timeout=2):
                break
        except OSError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text()
                raise RuntimeError(f"local stack did not start: {exc}\n{output}") from exc
            time.sleep(0.3)
    yield result
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    context = browser.new_context(locale="es-EC", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
