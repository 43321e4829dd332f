"""`make bench`: cold start, AWS calls and CPU per action (the API's routes, SES's feedback, the
retention job), the proof of work's solve time in Chromium, password hashing and cost per user.

Prints the tables and writes them into docs/performance.md between the `bench:begin` and
`bench:end` markers (the hand-written history around them is kept). A script, not a test: these
machines are noisy, so budgets are printed PASS/FAIL and never asserted.

    .venv/bin/python bench/run.py            # what `make bench` runs, after `make package`
    BENCH_RUNS=21 BENCH_JOURNEYS=31 BENCH_SOLVES=21 .venv/bin/python bench/run.py --no-write

Raw results go to build/bench/results.json. Needs no internet: the breached-password range API is
served on loopback (bench/actions.py), Chromium is the system's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import cost, report  # noqa: E402
from bench.labels import (  # noqa: E402
    AVAILABILITY,
    CODE_REQUEST,
    FIRST,
    LOG_IN,
    READ,
    READ_SLIDING,
    RETENTION_QUIET,
    SIGN_UP,
)

PY = sys.executable
OUT = ROOT / "build" / "bench"
DOC = ROOT / "docs" / "performance.md"
PACKAGE = ROOT / "build" / "package" / "deployment.zip"

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
JOURNEYS = int(os.environ.get("BENCH_JOURNEYS", "21"))
SOLVES = int(os.environ.get("BENCH_SOLVES", "15"))

IMPORTS = {
    "chalice + boto3": "import chalice, boto3",
    "app": "import app",
    "app + all of chalicelib": (
        "import app, importlib, pkgutil, chalicelib\n"
        "for m in pkgutil.walk_packages(chalicelib.__path__, 'chalicelib.'):\n"
        "    importlib.import_module(m.name)"
    ),
}
CHILD = """\
import resource, time
r = resource.getrusage(resource.RUSAGE_SELF)
t = time.perf_counter()
{statement}
wall = time.perf_counter() - t
q = resource.getrusage(resource.RUSAGE_SELF)
print(wall, q.ru_utime + q.ru_stime - r.ru_utime - r.ru_stime)
"""

# A full garbage collection of a container's heap after its imports and the service models its
# first request loads: what a collection costs when one falls in that request (the bench freezes
# its own heap, moto's, out of it).
GC_CHILD = """\
import app, gc, importlib, pkgutil, time, chalicelib
for m in pkgutil.walk_packages(chalicelib.__path__, 'chalicelib.'):
    importlib.import_module(m.name)
import botocore.session, pynamodb.models
session = botocore.session.get_session()  # the models the first request loads, no call made
clients = [session.create_client(name, region_name='us-east-1') for name in ('dynamodb', 'ssm')]
t = time.thread_time()
gc.collect()
print(time.thread_time() - t)
"""

# (RATE_LIMITS_PER_IP, PROOF_OF_WORK): as deployed; without the per-source throttles; and
# without the proof of work too, where the architecture's budgets were set. The first two differ
# by the throttles' writes, the last two by the proof of work's single-use write.
SETTINGS = (("on", "on"), ("off", "on"), ("off", "off"))
CPU_BUDGET_MS = 5.0


# --- the machine -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": f"{platform.system()} {platform.release()}",
        "commit": commit + (" + uncommitted changes" if dirty else ""),
    }


# --- cold start ----------------------------------------------------------------------------------


def _child_env(bytecode_cache: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "PYTHON")) and k not in {"HASH_KEY", "STAGE"}
    }
    if not bytecode_cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _time_import(statement: str, cwd: Path, bytecode_cache: bool) -> tuple[float, float]:
    done = subprocess.run(
        [PY, "-c", CHILD.format(statement=statement)],
        cwd=cwd,
        env=_child_env(bytecode_cache),
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def _lambda_task() -> Path | None:
    """deployment.zip unpacked as Lambda's /var/task: no bytecode cache, read-only in Lambda."""
    if not PACKAGE.exists():
        return None
    task = OUT / "task"
    shutil.rmtree(task, ignore_errors=True)
    with zipfile.ZipFile(PACKAGE) as bundle:
        bundle.extractall(task)
    return task


def cold_start(runs: int) -> dict[str, Any]:
    """Medians over `runs` fresh interpreters per variant, interleaved so noise hits all alike.

    `dev`: this checkout, bytecode cached in __pycache__ as on a laptop.
    `lambda`: the deployment package unpacked, no bytecode written (Lambda's /var/task is
    read-only), so only the bytecode the zip carries is used (scripts/compile_bytecode.py), with
    boto3 from the venv standing in for the runtime's own copy.
    """
    places: dict[str, tuple[Path, bool]] = {"dev": (ROOT, True)}
    task = _lambda_task()
    if task is not None:
        places["lambda"] = (task, False)
    samples: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    variants = [(place, name) for place in places for name in IMPORTS]
    for _ in places:  # one warm-up round each: file-system caches, pyc files
        for place, name in variants:
            cwd, cached = places[place]
            _time_import(IMPORTS[name], cwd, cached)
    for round_ in range(runs):
        order = variants[:]
        random.Random(round_).shuffle(order)
        for place, name in order:
            cwd, cached = places[place]
            samples[(place, name)].append(_time_import(IMPORTS[name], cwd, cached))
    result: dict[str, Any] = {"runs": runs, "places": list(places), "imports": list(IMPORTS)}
    collections = [
        float(
            subprocess.run(
                [PY, "-c", GC_CHILD],
                cwd=ROOT,
                env=_child_env(True),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(runs)
    ]
    result["gc_ms"] = statistics.median(collections) * 1000
    for (place, name), values in samples.items():
        result.setdefault(place, {})[name] = {
            "wall_ms": statistics.median(v[0] for v in values) * 1000,
            "cpu_ms": statistics.median(v[1] for v in values) * 1000,
        }
    return result


# --- the package ---------------------------------------------------------------------------------


def package() -> dict[str, Any] | None:
    if not PACKAGE.exists():
        return None
    by_top: dict[str, int] = defaultdict(int)
    files = pyc = unpacked = 0
    with zipfile.ZipFile(PACKAGE) as bundle:
        for info in bundle.infolist():
            if info.is_dir():
                continue
            files += 1
            pyc += info.filename.endswith(".pyc")
            unpacked += info.file_size
            top = info.filename.split("/", 1)[0] if "/" in info.filename else "(top level)"
            top = top.split("-")[0] if top.endswith(".dist-info") else top
            by_top[top] += info.file_size
    largest = sorted(by_top.items(), key=lambda kv: -kv[1])[:8]
    return {
        "zip_bytes": PACKAGE.stat().st_size,
        "unpacked_bytes": unpacked,
        "files": files,
        "pyc_files": pyc,
        "largest": largest,
    }


# --- password hashing ----------------------------------------------------------------------------

HASH_CHILD = """\
import json, resource, statistics, time
from chalicelib.domain import passwords
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hashed = passwords.hash_password("Clave2026segura")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hash_s, verify_s = [], []
for _ in range({runs}):
    t = time.perf_counter(); passwords.hash_password("Clave2026segura")
    hash_s.append(time.perf_counter() - t)
    t = time.perf_counter(); passwords.verify_password(hashed, "Clave2026segura")
    verify_s.append(time.perf_counter() - t)
print(json.dumps({{
    "time_cost": passwords.TIME_COST, "memory_kib": passwords.MEMORY_COST_KIB,
    "parallelism": passwords.PARALLELISM, "prefix": hashed.split("$")[1:4],
    "hash_ms": statistics.median(hash_s) * 1000, "hash_min_ms": min(hash_s) * 1000,
    "verify_ms": statistics.median(verify_s) * 1000,
    "rss_growth_kib": after - before, "peak_rss_kib": after,
}}))
"""


def hashing(runs: int) -> dict[str, Any]:
    done = subprocess.run(
        [PY, "-c", HASH_CHILD.format(runs=runs)],
        cwd=ROOT,
        env=_child_env(True),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


# --- AWS calls and CPU per action ----------------------------------------------------------------


def actions(rate_limits: str, proof_of_work: str, journeys: int) -> dict[str, Any]:
    out = OUT / f"actions-limits-{rate_limits}-pow-{proof_of_work}.json"
    subprocess.run(
        [
            PY,
            "-m",
            "bench.actions",
            "--rate-limits",
            rate_limits,
            "--proof-of-work",
            proof_of_work,
            "--journeys",
            str(journeys),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=_child_env(True),
        check=True,
    )
    raw = json.loads(out.read_text())
    return {**raw, "summary": summarise(raw["rows"])}


def _median_ms(samples: list[dict[str, Any]], key: str) -> float:
    return statistics.median(s[key] for s in samples) * 1000


def _summary_row(row: dict[str, Any], samples: list[dict[str, Any]]) -> dict[str, Any]:
    """What was counted on the row, and the medians of what was timed on the samples."""
    return {
        "route": row["route"],
        "kind": row.get("kind", "http"),
        "status": row["status"],
        "calls": row["calls"],
        "dynamodb_calls": sum(n for k, n in row["calls"].items() if k.startswith("dynamodb:")),
        "aws_calls": sum(row["calls"].values()),
        "read_units": row["read_units"],
        "write_units": row["write_units"],
        "mails": row["mails"],
        "reads": row.get("reads", []),
        "audit_details": row.get("audit_details", 0),
        "range_gets": row.get("range_gets", 0),
        "note": row.get("note", ""),
        "result": row.get("result"),
        "hashes": row["hashes"],
        "samples": len(samples),
        "project_cpu_ms": _median_ms(samples, "project_cpu"),
        "project_wall_ms": _median_ms(samples, "project_wall"),
        "hash_cpu_ms": _median_ms(samples, "hash_cpu"),
        "range_wall_ms": _median_ms(samples, "range_wall"),
        "range_cpu_ms": _median_ms(samples, "range_cpu"),
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    counted: dict[str, dict[str, Any]] = {}
    timed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    first: dict[str, Any] | None = None
    for row in rows:
        if row["phase"] == "first":
            first = row
        elif row["phase"] == "count":
            counted.setdefault(row["label"], row)
        else:
            timed[row["label"]].append(row)
    summary = {
        label: _summary_row(row, timed.get(label) or [row]) for label, row in counted.items()
    }
    if first is not None:
        summary[FIRST] = {**_summary_row(first, [first]), "label": first["label"]}
    return summary


# --- the proof of work's solve time in Chromium -----------------------------------------------


def solve_time(runs: int) -> dict[str, Any]:
    """bench/solve_time.py in its own process (it starts the local stack and Chromium); what it
    could not measure is said, not raised: the rest of the bench stands without it."""
    out = OUT / "solve-time.json"
    out.unlink(missing_ok=True)
    done = subprocess.run(
        [PY, "-m", "bench.solve_time", "--runs", str(runs), "--json", str(out)],
        cwd=ROOT,
        env=_child_env(True),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not out.exists():
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {done.returncode}: {reason[:300]}"}
    return dict(json.loads(out.read_text()))


# --- cost ------------------------------------------------------------------------------------


def memory_mb() -> int:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return int(config["stages"]["prod"].get("lambda_memory_size", 128))


# --- budgets ---------------------------------------------------------------------------------


def _setting(run: dict[str, Any]) -> str:
    return f"RATE_LIMITS_PER_IP={run['rate_limits_per_ip']}, PROOF_OF_WORK={run['proof_of_work']}"


def budgets(result: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def check(name: str, measured: str, target: str, ok: bool, mode: str = "") -> None:
        found.append(
            {"budget": name, "measured": measured, "target": target, "ok": ok, "mode": mode}
        )

    dev = result["cold_start"]["dev"]
    ratio = dev["app"]["wall_ms"] / dev["chalice + boto3"]["wall_ms"]
    check(
        "cold start: import app / import chalice, boto3",
        f"{ratio:.2f} ({dev['app']['wall_ms']:.0f} / {dev['chalice + boto3']['wall_ms']:.0f} ms)",
        "≤ 1.3",
        ratio <= 1.3,
    )
    for run in result["actions"]:
        mode = _setting(run)
        s = run["summary"]
        for label in AVAILABILITY:
            n = s[label]["dynamodb_calls"]
            check(f"{label}: DynamoDB calls", str(n), "1", n == 1, mode)
        # A decision (docs/performance.md): the single-use write is the proof of work's price.
        pow_on = run["proof_of_work"] == "on"
        for label in (CODE_REQUEST, SIGN_UP):
            n, limit = s[label]["aws_calls"], 3 + pow_on
            target = "≤ 3, +1 when PROOF_OF_WORK is on" + (": ≤ 4" if pow_on else "")
            check(f"{label}: AWS calls", str(n), target, n <= limit, mode)
        reads = s[CODE_REQUEST]["reads"]
        check(
            f"{CODE_REQUEST}: the delivery state read in its one BatchGetItem (R-MAIL-3)",
            "; ".join(reads),
            "no read of its own",
            len(reads) == 1 and reads[0].startswith("BatchGetItem") and "DELIVERY" in reads[0],
            mode,
        )
        n = s[LOG_IN]["aws_calls"]
        check(f"{LOG_IN}: AWS calls", str(n), "≤ 2", n <= 2, mode)
        for label in (READ, READ_SLIDING):
            n = s[label]["aws_calls"]
            check(f"{label}: AWS calls", str(n), "1–2", 1 <= n <= 2, mode)
        quiet = s[RETENTION_QUIET]["calls"]
        check(
            "retention job, a quiet hour: AWS calls (R-PRIV-4)",
            report.calls_text(quiet),
            "GetItem ×2",
            quiet == {"dynamodb:GetItem": 2},
            mode,
        )
        scans = sum(row["calls"].get("dynamodb:Scan", 0) for row in s.values())
        check("Scan calls, every route and function", str(scans), "0", scans == 0, mode)
        requests = {
            label: row for label, row in s.items() if row["kind"] == "http" and label != FIRST
        }
        slow = sorted(label for label, row in requests.items() if row["project_cpu_ms"] >= 5)
        worst = max(row["project_cpu_ms"] for row in requests.values())
        every = [
            r["project_cpu"] * 1000
            for r in run["rows"]
            if r["phase"] == "time" and r["label"] in requests
        ]
        check(
            "project CPU per request, hashing excluded (median of each route)",
            f"worst route {worst:.2f} ms, all requests {statistics.median(every):.2f} ms"
            + (f"; over: {', '.join(slow)}" if slow else ""),
            f"< {CPU_BUDGET_MS:.0f} ms",
            not slow,
            mode,
        )
    price = proof_of_work_price(result["actions"])
    if price:
        check(
            "the proof of work's price: AWS calls it adds to a code request / a registration",
            " / ".join(f"+{n}" for n in price.values()),
            "+1 each (the solution's single-use conditional write)",
            all(n == 1 for n in price.values()),
            "PROOF_OF_WORK on vs off, RATE_LIMITS_PER_IP=off",
        )
    c = result["costs"]
    check(
        "cost per 1,000 MAU vs Cognito Essentials",
        f"{c['cognito_ratio']:.0f}× cheaper (${c['per_1000_mau_worst']:.4f} vs "
        f"${c['cognito_per_1000_mau']:.2f})",
        "≥ 100× cheaper",
        c["cognito_ratio"] >= 100,
    )
    return found


def proof_of_work_price(runs: list[dict[str, Any]]) -> dict[str, int]:
    """The AWS calls PROOF_OF_WORK=on adds to each request that takes a solution, the other
    setting alike; empty when the two were not both measured."""
    by = {(r["rate_limits_per_ip"], r["proof_of_work"]): r["summary"] for r in runs}
    on, off = by.get(("off", "on")), by.get(("off", "off"))
    if on is None or off is None:
        return {}
    return {
        label: on[label]["aws_calls"] - off[label]["aws_calls"] for label in (CODE_REQUEST, SIGN_UP)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    result: dict[str, Any] = {"machine": machine(), "journeys": JOURNEYS}
    print("cold start …", file=sys.stderr)
    result["cold_start"] = cold_start(RUNS)
    result["package"] = package()
    print("password hashing …", file=sys.stderr)
    result["hashing"] = hashing(RUNS)
    result["actions"] = []
    for rate_limits, proof_of_work in SETTINGS:
        print(
            f"every route, RATE_LIMITS_PER_IP={rate_limits}, PROOF_OF_WORK={proof_of_work} …",
            file=sys.stderr,
        )
        result["actions"].append(actions(rate_limits, proof_of_work, JOURNEYS))
    print("the proof of work's solve time in Chromium …", file=sys.stderr)
    result["solve_time"] = solve_time(SOLVES)
    result["costs"] = cost.costs(result["actions"][0]["summary"], result["cold_start"], memory_mb())
    result["pow_price"] = proof_of_work_price(result["actions"])
    result["budgets"] = budgets(result)
    (OUT / "results.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))

    section = report.render(result)
    print(section)
    if not args.no_write:
        report.write_doc(DOC, section)
        print(f"written to {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
