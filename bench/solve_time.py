"""How long the registration form's proof of work (R-ABUSE-1) takes to solve in Chromium:
the local stack (`python -m devstack.run`, PROOF_OF_WORK on as in every stage) and the real
registro.html, each solve a fresh challenge from GET /v1/challenge solved by the vendored widget
in its Web Workers, timed in the page from `verify()` to the `verified` state; then the same
under DevTools CPU throttling (x4, x6: a mid-range phone, as Lighthouse models one).

    .venv/bin/python -m bench.solve_time [--runs 20]

Prints one line per throttling rate: median, 90th percentile and worst, in seconds. The number
to find is uniform in 0..maxNumber, so the spread is the challenge's, not the machine's.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

SOLVE = """async (api) => {
  const widget = document.querySelector("altcha-widget");
  const answer = await (await fetch(`${api}/v1/challenge`)).json();
  widget.configure({ challenge: answer.challenge });
  widget.reset();
  const started = performance.now();
  await new Promise((resolve) => {
    const done = (event) => {
      if (event.detail.state !== "verified") return;
      widget.removeEventListener("statechange", done);
      resolve();
    };
    widget.addEventListener("statechange", done);
    widget.verify();
  });
  return [(performance.now() - started) / 1000, answer.challenge.maxNumber];
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rates", default="1,4,6")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

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
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.goto(f"{web}/registro.html")
            page.locator("#proof-of-work[data-state='verified']").wait_for(state="attached")
            cdp = page.context.new_cdp_session(page)
            for rate in (int(r) for r in args.rates.split(",")):
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                times = []
                for _ in range(args.runs):
                    seconds, max_number = page.evaluate(SOLVE, api)
                    times.append(seconds)
                times.sort()
                p90 = times[int(0.9 * (len(times) - 1))]
                print(
                    f"CPU x{rate}: maxNumber {max_number}, {len(times)} solves: median "
                    f"{statistics.median(times):.2f} s, p90 {p90:.2f} s, worst {times[-1]:.2f} s"
                )
            browser.close()
    finally:
        stack.terminate()
        stack.wait(timeout=10)


if __name__ == "__main__":
    main()
