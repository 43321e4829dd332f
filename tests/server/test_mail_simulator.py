"""The local stack plays SES's mailbox simulator (R-MAIL-4): `make run`'s processes, a code to
bounce@simulator.amazonses.com, and the next code request for it is EMAIL_UNDELIVERABLE,
through the same feedback handler as in AWS; the outbox shows each mail's delivery state."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.helpers import ROOT, STAGE_ENVIRONMENT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def outbox(web: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{web}/outbox.json", timeout=5) as answer:
        return list(json.loads(answer.read()))


def test_a_bounce_of_the_simulator_makes_the_next_code_request_undeliverable(
    tmp_path: Path,
) -> None:
    ports = {name: str(free_port()) for name in ("MOTO_PORT", "API_PORT", "WEB_PORT")}
    env = {
        **os.environ,
        **ports,
        "RATE_LIMITS_PER_IP": "off",
        "CODE_RESEND_SECONDS": "0",
        "PROOF_OF_WORK": "off",
    }
    for key in (*STAGE_ENVIRONMENT, "AWS_ENDPOINT_URL", "HASH_KEY"):
        env.pop(key, None)
    # The proof of work (R-ABUSE-1) has its own tests; here it would only slow the requests.
    env["PROOF_OF_WORK"] = "off"
    api = f"http://127.0.0.1:{ports['API_PORT']}"
    web = f"http://127.0.0.1:{ports['WEB_PORT']}"
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
            path = f"{api}/v1/registration/security-code"
            for address in ("success@simulator.amazonses.com", "bounce@simulator.amazonses.com"):
                answer = post(path, {"email": address})
                assert answer[0] == 202, answer
            # SES publishes within seconds; the simulator within about one.
            deadline = time.monotonic() + 5
            while True:
                status, body = post(path, {"email": "bounce@simulator.amazonses.com"})
                if status == 400 or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            assert status == 400, body
            assert body["error"]["code"] == "EMAIL_UNDELIVERABLE"
            assert set(body["error"]["fields"]) == {"email"}
            assert post(path, {"email": "success@simulator.amazonses.com"})[0] == 202
            deadline = time.monotonic() + 3
            while True:
                states = {m["to"]: m["delivery"] for m in outbox(web)}
                shown = states["bounce@simulator.amazonses.com"]
                if shown != "pendiente" or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            assert shown == "rebotado (permanente)", states
            check = f"{api}/v1/registration/email-availability"
            pair = {"email": "bounce@simulator.amazonses.com"}
            pair["email_confirmation"] = pair["email"]
            assert post(check, pair) == (200, {"available": True, "deliverable": False})
        finally:
            os.killpg(stack.pid, 15)
            stack.wait(timeout=20)
