"""`make bench`: cold start, AWS calls, CPU per action, password hashing and cost per user.

Prints the tables and writes them into docs/performance.md between the `bench:begin` and
`bench:end` markers (the hand-written history around them is kept). A script, not a test: these
machines are noisy, so budgets are printed PASS/FAIL and never asserted.

    .venv/bin/python bench/run.py            # what `make bench` runs, after `make package`
    BENCH_RUNS=21 BENCH_JOURNEYS=31 .venv/bin/python bench/run.py --no-write

Raw results go to build/bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import math
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

from bench import pricing  # noqa: E402

PY = sys.executable
OUT = ROOT / "build" / "bench"
DOC = ROOT / "docs" / "performance.md"
PACKAGE = ROOT / "build" / "package" / "deployment.zip"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
JOURNEYS = int(os.environ.get("BENCH_JOURNEYS", "21"))

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

# What one person does, for the cost model (labels as bench/actions.py names the requests).
CATALOGUES = [
    "GET /v1/catalogs/countries",
    "GET /v1/catalogs/provinces",
    "GET /v1/catalogs/provinces/{code}/cities",
    "GET /v1/catalogs/mobile-operators",
    "GET /v1/catalogs/document-types",
]
AVAILABILITY = [
    "POST /v1/registration/user-id-availability",
    "POST /v1/registration/document-availability",
    "POST /v1/registration/email-availability",
]
CODE_REQUEST = "POST /v1/registration/security-code"
SIGN_UP = "POST /v1/registration"
LOG_IN = "POST /v1/sessions"
READ = "GET /v1/account"
READ_SLIDING = "GET /v1/account (≥ 60 s after the last request: slides the session)"
PROFILE_SAVE = "PUT /v1/account (profile save)"
REGISTRATION_VISIT = [*CATALOGUES, *AVAILABILITY, CODE_REQUEST, SIGN_UP]
# One log-in, three authenticated reads, one profile save; each read taken as the kind that
# also slides the session (the dearer one), as if a minute passed between them.
MAU_VISIT = [LOG_IN, READ_SLIDING, READ_SLIDING, READ_SLIDING, PROFILE_SAVE]
CPU_BUDGET_MS = 5.0
FIRST = "(first request of a container)"


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
    result: dict[str, Any] = {"runs": runs, "places": list(places)}
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
OWASP_MINIMUM = {"memory_kib": 19 * 1024, "time_cost": 2, "parallelism": 1}


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


def actions(mode: str, journeys: int) -> dict[str, Any]:
    out = OUT / f"actions-{mode}.json"
    subprocess.run(
        [
            PY,
            "-m",
            "bench.actions",
            "--rate-limits",
            mode,
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
    summary: dict[str, dict[str, Any]] = {}
    for label, row in counted.items():
        samples = timed.get(label) or [row]
        summary[label] = {
            "route": row["route"],
            "status": row["status"],
            "calls": row["calls"],
            "dynamodb_calls": sum(n for k, n in row["calls"].items() if k.startswith("dynamodb:")),
            "aws_calls": sum(row["calls"].values()),
            "read_units": row["read_units"],
            "write_units": row["write_units"],
            "mails": row["mails"],
            "samples": len(samples),
            "project_cpu_ms": statistics.median(s["project_cpu"] for s in samples) * 1000,
            "project_wall_ms": statistics.median(s["project_wall"] for s in samples) * 1000,
            "hash_cpu_ms": statistics.median(s["hash_cpu"] for s in samples) * 1000,
            "hashes": row["hashes"],
        }
    if first is not None:
        summary[FIRST] = {
            "route": first["route"],
            "label": first["label"],
            "status": first["status"],
            "calls": first["calls"],
            "dynamodb_calls": sum(
                n for k, n in first["calls"].items() if k.startswith("dynamodb:")
            ),
            "aws_calls": sum(first["calls"].values()),
            "read_units": first["read_units"],
            "write_units": first["write_units"],
            "mails": first["mails"],
            "samples": 1,
            "project_cpu_ms": first["project_cpu"] * 1000,
            "project_wall_ms": first["project_wall"] * 1000,
            "hash_cpu_ms": first["hash_cpu"] * 1000,
            "hashes": first["hashes"],
        }
    return summary


# --- cost ------------------------------------------------------------------------------------


def memory_mb() -> int:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return int(config["stages"]["prod"].get("lambda_memory_size", 128))


def request_cost(row: dict[str, Any], memory: int) -> dict[str, float]:
    scale = max(1.0, pricing.FULL_VCPU_MB / memory)
    cpu_ms = (row["project_cpu_ms"] + row["hash_cpu_ms"]) * scale
    wait_ms = sum(
        pricing.ASSUMED_LATENCY_MS.get(call, pricing.DEFAULT_LATENCY_MS) * n
        for call, n in row["calls"].items()
    )
    billed_ms = math.ceil(cpu_ms + wait_ms)
    return {
        "billed_ms": billed_ms,
        "lambda": billed_ms / 1000 * memory / 1024 * pricing.LAMBDA_GB_SECOND.dollars
        + pricing.LAMBDA_REQUEST.dollars,
        "api_gateway": pricing.API_GATEWAY_REST.dollars,
        "dynamodb": row["read_units"] * pricing.DYNAMODB_READ.dollars
        + row["write_units"] * pricing.DYNAMODB_WRITE.dollars,
        "ses": row["mails"] * pricing.SES_MAIL.dollars,
    }


def visit_cost(summary: dict[str, Any], labels: list[str], memory: int) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for label in labels:
        for part, value in request_cost(summary[label], memory).items():
            total[part] += value
    total["total"] = sum(v for k, v in total.items() if k != "billed_ms")
    return dict(total)


def costs(result: dict[str, Any], memory: int) -> dict[str, Any]:
    summary = result["actions"][0]["summary"]
    cold = result["cold_start"]
    place = "lambda" if "lambda" in cold else "dev"
    # The imports, then what the first request adds: its botocore clients, the hash key.
    first = summary.get(FIRST, {}).get("project_cpu_ms", 0.0)
    init_ms = (cold[place]["app + all of chalicelib"]["wall_ms"] + first) * max(
        1.0, pricing.FULL_VCPU_MB / memory
    )
    cold_start = init_ms / 1000 * memory / 1024 * pricing.LAMBDA_GB_SECOND.dollars
    registration = visit_cost(summary, REGISTRATION_VISIT, memory)
    mau = visit_cost(summary, MAU_VISIT, memory)
    cognito = pricing.COGNITO_ESSENTIALS.dollars
    mau_worst = mau["total"] + cold_start
    return {
        "memory_mb": memory,
        "init_ms": init_ms,
        "cold_start": cold_start,
        "registration": registration,
        "mau": mau,
        "per_1000_registrations": 1000 * registration["total"],
        "per_1000_registrations_worst": 1000 * (registration["total"] + cold_start),
        "per_1000_mau": 1000 * mau["total"],
        "per_1000_mau_worst": 1000 * mau_worst,
        "cognito_per_1000_mau": 1000 * cognito,
        "cognito_ratio": cognito / mau_worst,
    }


# --- budgets ---------------------------------------------------------------------------------


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
        mode = f"RATE_LIMITS_PER_IP={run['rate_limits_per_ip']}"
        s = run["summary"]
        for label in AVAILABILITY:
            n = s[label]["dynamodb_calls"]
            check(f"{label}: DynamoDB calls", str(n), "1", n == 1, mode)
        n = s[CODE_REQUEST]["aws_calls"]
        check(f"{CODE_REQUEST}: AWS calls", str(n), "≤ 3 (architecture.md)", n <= 3, mode)
        n = s[SIGN_UP]["aws_calls"]
        check(f"{SIGN_UP}: AWS calls", str(n), "≤ 3", n <= 3, mode)
        n = s[LOG_IN]["aws_calls"]
        check(f"{LOG_IN}: AWS calls", str(n), "≤ 2", n <= 2, mode)
        for label in (READ, READ_SLIDING):
            n = s[label]["aws_calls"]
            check(f"{label}: AWS calls", str(n), "≤ 2", n <= 2, mode)
        scans = sum(
            row["calls"].get("dynamodb:Scan", 0) for row in s.values() if isinstance(row, dict)
        )
        check("Scan calls on every route", str(scans), "0", scans == 0, mode)
        slow = {
            label: row["project_cpu_ms"]
            for label, row in s.items()
            if not label.startswith("(") and row["project_cpu_ms"] >= CPU_BUDGET_MS
        }
        worst = max(
            (row["project_cpu_ms"] for label, row in s.items() if not label.startswith("(")),
            default=0.0,
        )
        every = [
            r["project_cpu"] * 1000 for r in run["rows"] if r["phase"] == "time" and r["label"] in s
        ]
        overall = statistics.median(every) if every else 0.0
        check(
            "project CPU per request, hashing excluded (median of each route)",
            f"worst route {worst:.2f} ms, all requests {overall:.2f} ms"
            + (f"; over: {', '.join(sorted(slow))}" if slow else ""),
            f"< {CPU_BUDGET_MS:.0f} ms",
            not slow,
            mode,
        )
    cost = result["costs"]
    check(
        "cost per 1,000 MAU vs Cognito Essentials",
        f"{cost['cognito_ratio']:.0f}× cheaper (${cost['per_1000_mau_worst']:.4f} vs "
        f"${cost['cognito_per_1000_mau']:.2f})",
        "≥ 100× cheaper",
        cost["cognito_ratio"] >= 100,
    )
    return found


# --- report ------------------------------------------------------------------------------------


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _calls(calls: dict[str, int]) -> str:
    return (
        ", ".join(f"{k.split(':')[1]} ×{v}" if v > 1 else k.split(":")[1] for k, v in calls.items())
        or "—"
    )


def render(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores, {m['usable_cores']} usable), "
        f"{m['implementation']} {m['python']}, {m['os']}; commit {m['commit']}. "
        f"`make bench` regenerates this section.",
        "",
        "### Budgets",
        "",
        "| budget | setting | measured | target | |",
        "| --- | --- | --- | --- | --- |",
    ]
    for b in result["budgets"]:
        lines.append(
            f"| {b['budget']} | {b['mode'] or '—'} | {b['measured']} | {b['target']} | "
            f"{'PASS' if b['ok'] else 'FAIL'} |"
        )

    cold = result["cold_start"]
    lines += [
        "",
        "### Cold start",
        "",
        f"Median of {cold['runs']} fresh interpreters per line (wall time of the import "
        "statements alone; CPU = user + system time of the same).",
        "",
        "| import | where | wall | CPU | × chalice + boto3 |",
        "| --- | --- | --- | --- | --- |",
    ]
    where = {
        "dev": "this checkout, bytecode cached",
        "lambda": "deployment.zip unpacked, read-only as in Lambda: only the zip's own bytecode",
    }
    for place in cold["places"]:
        base = cold[place]["chalice + boto3"]["wall_ms"]
        for name in IMPORTS:
            v = cold[place][name]
            lines.append(
                f"| `{name}` | {where[place]} | {v['wall_ms']:.0f} ms | {v['cpu_ms']:.0f} ms | "
                f"{v['wall_ms'] / base:.2f} |"
            )
    pkg = result["package"]
    if pkg:
        largest = ", ".join(f"{name} {_mb(size)}" for name, size in pkg["largest"])
        lines += [
            "",
            f"Lambda package (`make package`, build/package/deployment.zip): "
            f"**{_mb(pkg['zip_bytes'])} zipped**, {_mb(pkg['unpacked_bytes'])} unpacked, "
            f"{pkg['files']} files ({pkg['pyc_files']} .pyc). Largest: {largest}.",
        ]

    for run in result["actions"]:
        mode = run["rate_limits_per_ip"]
        lines += [
            "",
            f"### AWS calls and CPU per action — RATE_LIMITS_PER_IP={mode}",
            "",
            "Calls counted by botocore `after-call` hooks on every client; request units by "
            "DynamoDB's rules from item sizes (bench/capacity.py; moto's own ConsumedCapacity "
            "figures are fixed placeholders). CPU: median thread time of the Lambda handler "
            "(`Chalice.__call__`) over "
            f"{JOURNEYS} journeys, minus the time inside moto (standing in for the network and "
            "AWS) and inside argon2 (shown apart).",
            "",
            "| request | status | AWS calls | DynamoDB calls | RRU | WRU | mails | project CPU "
            "| project wall | argon2 |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for label, row in run["summary"].items():
            name = label if not label.startswith("(") else f"{label}: {row['label']}"
            hashing_ms = f"{row['hash_cpu_ms']:.1f} ms ({row['hashes']})" if row["hashes"] else "—"
            lines.append(
                f"| {name} | {row['status']} | {row['aws_calls']}: {_calls(row['calls'])} | "
                f"{row['dynamodb_calls']} | {row['read_units']:g} | {row['write_units']:g} | "
                f"{row['mails']} | {row['project_cpu_ms']:.2f} ms | "
                f"{row['project_wall_ms']:.2f} ms | {hashing_ms} |"
            )
        driven = {f"{row['label'].split(' ')[0]} {row['route']}" for row in run["rows"]}
        missing = sorted(set(run["routes"]) - driven)
        if missing:
            lines += ["", "Routes of the app this bench does not drive yet: " + ", ".join(missing)]

    h = result["hashing"]
    lines += [
        "",
        "### Password hashing (argon2id)",
        "",
        "| parameters | m (memory) | t (passes) | p (lanes) | hash | verify "
        "| RSS growth of the first hash |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| chosen (chalicelib/domain/passwords.py) | {h['memory_kib'] / 1024:g} MiB | "
        f"{h['time_cost']} | {h['parallelism']} | "
        f"{h['hash_ms']:.1f} ms (min {h['hash_min_ms']:.1f}) | "
        f"{h['verify_ms']:.1f} ms | {h['rss_growth_kib'] / 1024:.1f} MiB |",
        "| OWASP minimum (Password Storage Cheat Sheet) | "
        f"{OWASP_MINIMUM['memory_kib'] / 1024:g} MiB | "
        f"{OWASP_MINIMUM['time_cost']} | {OWASP_MINIMUM['parallelism']} | | | |",
        "",
        f"At {result['costs']['memory_mb']} MB Lambda gets "
        f"{min(1.0, result['costs']['memory_mb'] / pricing.FULL_VCPU_MB):.2f} vCPU: about "
        f"{h['hash_ms'] * max(1.0, pricing.FULL_VCPU_MB / result['costs']['memory_mb']):.0f} ms "
        "per hash there.",
    ]

    c = result["costs"]
    lines += [
        "",
        "### Cost",
        "",
        f"Lambda at {c['memory_mb']} MB (x86). Billed duration per request = the measured CPU "
        f"(project + argon2) × {pricing.FULL_VCPU_MB}/{c['memory_mb']} (Lambda's CPU share) + an "
        "assumed in-region latency per AWS call ("
        + ", ".join(f"{k.split(':')[1]} {v:g} ms" for k, v in pricing.ASSUMED_LATENCY_MS.items())
        + "; assumed, not measured), rounded up to 1 ms. A registration is the form's 10 requests "
        "(5 catalogue GETs, 3 availability checks, the code, the sign-up); a monthly active user "
        "logs in, reads the account 3 times (each a minute apart, so each slides the session) "
        "and saves the profile once. Prices with RATE_LIMITS_PER_IP="
        f"{result['actions'][0]['rate_limits_per_ip']}.",
        "",
        "| per 1,000 | Lambda | API Gateway | DynamoDB | SES | total "
        "| with a cold start per visit |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, key, worst in (
        ("registrations", "registration", "per_1000_registrations_worst"),
        ("monthly active users", "mau", "per_1000_mau_worst"),
    ):
        v = c[key]
        lines.append(
            f"| {name} | ${1000 * v['lambda']:.4f} | ${1000 * v['api_gateway']:.4f} | "
            f"${1000 * v['dynamodb']:.4f} | ${1000 * v['ses']:.4f} | "
            f"**${1000 * v['total']:.4f}** | "
            f"${c[worst]:.4f} |"
        )
    lines += [
        f"| monthly active users on Amazon Cognito Essentials | | | | | "
        f"**${c['cognito_per_1000_mau']:.2f}** | |",
        "",
        f"A cold start (≈ {c['init_ms']:.0f} ms at {c['memory_mb']} MB: the imports as "
        "Lambda runs the zip, plus what the first request adds, its botocore clients and the "
        "hash key; init is billed since 1 Aug 2025) costs "
        f"${c['cold_start']:.7f}. Per 1,000 MAU this service costs "
        f"**{c['cognito_ratio']:.0f}× less** than Cognito Essentials' MAU fee alone, which "
        "would still need this API, its Lambda and DynamoDB for the profile.",
        "",
        "| price | us-east-1 | source | in effect since |",
        "| --- | --- | --- | --- |",
    ]
    for p in pricing.PRICES:
        amount = (
            f"${p.dollars * 1e6:.3f} per million {p.per}s"
            if p.dollars < 1e-4 and p.per in {"request", "WRU", "RRU"}
            else f"${p.dollars:.10g} per {p.per}"
        )
        lines.append(f"| {p.name} | {amount} | {p.source} | {p.since} |")
    return "\n".join(lines) + "\n"


def write_doc(section: str) -> None:
    block = f"{BEGIN}\n{section}{END}"
    if DOC.exists() and BEGIN in DOC.read_text() and END in DOC.read_text():
        text = DOC.read_text()
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(head + block + tail)
        return
    DOC.write_text(
        "# Performance and cost\n\n## Latest `make bench`\n\n" + block + "\n", encoding="utf-8"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    result: dict[str, Any] = {"machine": machine()}
    print("cold start …", file=sys.stderr)
    result["cold_start"] = cold_start(RUNS)
    result["package"] = package()
    print("password hashing …", file=sys.stderr)
    result["hashing"] = hashing(RUNS)
    result["actions"] = []
    for mode in ("on", "off"):
        print(f"every route, RATE_LIMITS_PER_IP={mode} …", file=sys.stderr)
        run = actions(mode, JOURNEYS)
        result["actions"].append(run)
        if not run["setting_exists"]:
            break
    result["costs"] = costs(result, memory_mb())
    result["budgets"] = budgets(result)
    (OUT / "results.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))

    section = render(result)
    print(section)
    if not args.no_write:
        write_doc(section)
        print(f"written to {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
