"""How long the registration form's proof of work (R-ABUSE-1) takes to solve in Chromium: the
local stack (`python -m devstack.run`, PROOF_OF_WORK on as in every stage) and the real
registro.html, each solve a fresh challenge from GET /v1/challenge solved by the vendored widget,
timed in the page from `verify()` to the `verified` state. `make bench` runs it (bench/run.py).

    .venv/bin/python -m bench.solve_time [--runs 15] [--json build/bench/solve-time.json]

DevTools' CPU throttling (`Emulation.setCPUThrottlingRate`, ×4 and ×6: a mid-range phone, as
Lighthouse models one) slows the renderer's main thread only (Blink's ThreadCPUThrottler
interrupts it every 200 µs and has it spin in the signal handler): the widget's Web Workers get no
throttle of their own, and a worker's own DevTools target refuses the command. The script
measures that each time, before the stack starts (a fixed loop in the main thread and in a
dedicated worker, at ×1 and ×4, interleaved; and the worker target's answer).
So the throttled rows solve with no Web Worker (`window.Worker` removed before the widget loads):
the widget then runs the library's same SHA-256 search in the main thread, which throttling does
reach. Those rows also give the hash rate (the number found + 1 hashes, tried in order), from
which the expected solve (half of maxNumber) and the worst (all of it) follow.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-component-update"]

SOLVE = """async (api) => {
  const widget = document.querySelector("altcha-widget");
  const answer = await (await fetch(`${api}/v1/challenge`)).json();
  widget.configure({ challenge: answer.challenge });
  widget.reset();
  const started = performance.now();
  const payload = await new Promise((resolve) => {
    const done = (event) => {
      if (event.detail.state !== "verified") return;
      widget.removeEventListener("statechange", done);
      resolve(event.detail.payload);
    };
    widget.addEventListener("statechange", done);
    widget.verify();
  });
  const seconds = (performance.now() - started) / 1000;
  return [seconds, answer.challenge.maxNumber, JSON.parse(atob(payload)).number];
}"""

# A fixed amount of pure JavaScript work, in the page's main thread and in a dedicated worker.
LOOP = "let x = 0; for (let i = 0; i < 2e7; i++) { x = (x * 31 + i) | 0; } return x;"
THROTTLE_PAGE = f"""<!doctype html><title>throttling</title><script>
window.mainLoop = () => {{ const t = performance.now(); (() => {{ {LOOP} }})();
  return performance.now() - t; }};
const source = `onmessage = () => {{ const t = performance.now(); (() => {{ {LOOP} }})();
  postMessage(performance.now() - t); }};`;
window.worker = new Worker(URL.createObjectURL(new Blob([source], {{ type: "text/javascript" }})));
window.workerLoop = () => new Promise((resolve) => {{
  worker.onmessage = (event) => resolve(event.data); worker.postMessage("go"); }});
</script>"""
# Served by Playwright itself, on a secure-context origin with no CSP of the site's.
THROTTLE_URL = "http://localhost:9/throttling.html"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_stack() -> Iterator[tuple[str, str]]:
    """The local stack on free ports; its API and web base URLs."""
    ports = {name: str(free_port()) for name in ("MOTO_PORT", "API_PORT", "WEB_PORT")}
    env = {**os.environ, **ports, "RATE_LIMITS_PER_IP": "off"}
    api, web = f"http://127.0.0.1:{ports['API_PORT']}", f"http://127.0.0.1:{ports['WEB_PORT']}"
    stack = subprocess.Popen(
        [sys.executable, "-m", "devstack.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{api}/v1/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or stack.poll() is not None:
                    raise SystemExit("the local stack did not start") from None
                time.sleep(0.3)
        yield api, web
    finally:
        stack.terminate()
        stack.wait(timeout=10)


def worker_throttling(browser: Any, rounds: int = 7) -> dict[str, Any]:
    """Whether the page's CPU throttling reaches a dedicated worker: the same loop timed in the
    main thread and in a worker at ×1 and ×4 (medians), and what the worker's own DevTools target
    answers when asked to throttle."""
    page = browser.new_page()
    page.route(
        THROTTLE_URL, lambda route: route.fulfill(body=THROTTLE_PAGE, content_type="text/html")
    )
    cdp = page.context.new_cdp_session(page)
    workers: list[str] = []
    answers: list[dict[str, Any]] = []
    cdp.on(
        "Target.attachedToTarget",
        lambda e: workers.append(e["sessionId"]) if e["targetInfo"]["type"] == "worker" else None,
    )
    # The answer to our one command (id 1) to a worker target; its other messages are events.
    cdp.on(
        "Target.receivedMessageFromTarget",
        lambda e: answers.append(json.loads(e["message"])) if '"id":1,' in e["message"] else None,
    )
    cdp.send(
        "Target.setAutoAttach",
        {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": False},
    )
    page.goto(THROTTLE_URL)
    page.evaluate("workerLoop()")  # the worker started, and attached
    # Interleaved, so that a noisy neighbour on this machine hits both rates alike.
    samples: dict[tuple[str, int], list[float]] = {}
    for _ in range(rounds):
        for rate in (1, 4):
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            for where in ("main", "worker"):
                samples.setdefault((where, rate), []).append(page.evaluate(f"{where}Loop()"))
    timings: dict[str, dict[str, float]] = {"main": {}, "worker": {}}
    for (where, rate), values in samples.items():
        timings[where][str(rate)] = statistics.median(values)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    request = {"id": 1, "method": "Emulation.setCPUThrottlingRate", "params": {"rate": 4}}
    for session in workers:
        cdp.send(
            "Target.sendMessageToTarget", {"sessionId": session, "message": json.dumps(request)}
        )
    deadline = time.monotonic() + 5
    while workers and not answers and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    answer = answers[-1] if answers else {}
    page.close()
    return {
        "loop_ms": timings,
        "worker_target_answer": (answer.get("error") or {}).get("message")
        or ("accepted" if "result" in answer else "no worker target attached"),
    }


def solves(browser: Any, api: str, web: str, rate: int, runs: int, workers: bool) -> dict[str, Any]:
    """`runs` solves in a fresh registro.html at CPU ×`rate`, with or without Web Workers."""
    context = browser.new_context()
    page = context.new_page()
    if not workers:
        # The widget's own fallback when `"Worker" in window` is false: the same search, here.
        page.add_init_script("delete window.Worker;")
    page.goto(f"{web}/registro.html")
    page.locator("#proof-of-work[data-state='verified']").wait_for(state="attached", timeout=60_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    times, numbers, max_number = [], [], 0
    for _ in range(runs):
        seconds, max_number, number = page.evaluate(SOLVE, api)
        times.append(seconds)
        numbers.append(number)
    context.close()
    return {
        "workers": workers,
        "rate": rate,
        "max_number": max_number,
        "times": times,
        "numbers": numbers,
    }


def measure(runs: int, rates: list[int]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            probe = browser.new_page()
            cores = probe.evaluate("navigator.hardwareConcurrency")
            probe.close()
            # Before the stack starts, whose processes would take this machine's cores.
            throttling = worker_throttling(browser)
            with local_stack() as (api, web):
                rows = [solves(browser, api, web, 1, runs, workers=True)] + [
                    solves(browser, api, web, rate, runs, workers=False) for rate in rates
                ]
            return {
                "chromium": browser.version,
                "hardware_concurrency": cores,
                "runs": runs,
                "throttling": throttling,
                "rows": rows,
            }
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rates", default="1,4,6", help="CPU throttling rates, main thread")
    parser.add_argument("--json", type=Path, help="write the raw result here")
    args = parser.parse_args()
    result = measure(args.runs, [int(r) for r in args.rates.split(",")])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    for row in result["rows"]:
        times = sorted(row["times"])
        where = "Web Workers" if row["workers"] else "main thread"
        print(
            f"{where}, CPU x{row['rate']}: maxNumber {row['max_number']}, {len(times)} solves: "
            f"median {statistics.median(times):.2f} s, worst {times[-1]:.2f} s"
        )
    print(json.dumps(result["throttling"]))


if __name__ == "__main__":
    main()
