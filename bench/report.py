"""docs/performance.md's generated section: the tables of one `make bench` (bench/run.py's
result), in Markdown."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench import cost, labels, pricing

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
OWASP_MINIMUM = {"memory_kib": 19 * 1024, "time_cost": 2, "parallelism": 1}
WHERE = {
    "dev": "this checkout, bytecode cached",
    "lambda": "deployment.zip unpacked, read-only as in Lambda: only the zip's own bytecode",
}


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def calls_text(calls: dict[str, int]) -> str:
    return (
        ", ".join(f"{k.split(':')[1]} ×{v}" if v > 1 else k.split(":")[1] for k, v in calls.items())
        or "—"
    )


def _calls_cell(row: dict[str, Any]) -> str:
    """`4: UpdateItem ×2, TransactWriteItems, SendEmail + 1 range GET` (that GET is not AWS)."""
    text = f"{row['aws_calls']}: {calls_text(row['calls'])}"
    if row["range_gets"]:
        text += f" + {row['range_gets']} range GET"
    return text


def _calls_and_units(row: dict[str, Any]) -> tuple[str, str, str]:
    """The calls, the read units and the write units of an invocation, as table cells."""
    return _calls_cell(row), f"{row['read_units']:g}", f"{row['write_units']:g}"


def _hashing_cell(row: dict[str, Any]) -> str:
    return f"{row['hash_cpu_ms']:.1f} ms ({row['hashes']})" if row["hashes"] else "—"


def _setting(run: dict[str, Any]) -> str:
    return f"RATE_LIMITS_PER_IP={run['rate_limits_per_ip']}, PROOF_OF_WORK={run['proof_of_work']}"


def _short(run: dict[str, Any]) -> str:
    return f"{run['rate_limits_per_ip']}/{run['proof_of_work']}"


def _of_kind(summary: dict[str, Any], kind: str) -> dict[str, Any]:
    return {label: row for label, row in summary.items() if row["kind"] == kind}


def _quantile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- sections --------------------------------------------------------------------------------


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _head(title: str, text: str, *columns: str, level: str = "###") -> list[str]:
    """A section's title, what it shows, and its table's header."""
    return [
        "",
        f"{level} {title}",
        "",
        *([text, ""] if text else []),
        _row(*columns),
        "|" + " --- |" * len(columns),
    ]


def _deployed(result: dict[str, Any]) -> dict[str, Any]:
    """The summary of the first setting: as deployed."""
    summary: dict[str, Any] = result["actions"][0]["summary"]
    return summary


def _budgets(result: dict[str, Any]) -> list[str]:
    lines = _head("Budgets", "", "budget", "setting", "measured", "target", "")[1:]
    lines += [
        _row(
            b["budget"], b["mode"] or "—", b["measured"], b["target"], "PASS" if b["ok"] else "FAIL"
        )
        for b in result["budgets"]
    ]
    return lines


def _cold_start(result: dict[str, Any]) -> list[str]:
    cold = result["cold_start"]
    lines = _head(
        "Cold start",
        f"Median of {cold['runs']} fresh interpreters per line (wall time of the import "
        "statements alone; CPU = user + system time of the same).",
        *("import", "where", "wall", "CPU", "× chalice + boto3"),
    )
    for place in cold["places"]:
        base = cold[place]["chalice + boto3"]["wall_ms"]
        for name in cold["imports"]:
            v = cold[place][name]
            wall, cpu, ratio = v["wall_ms"], v["cpu_ms"], v["wall_ms"] / base
            lines.append(
                _row(f"`{name}`", WHERE[place], f"{wall:.0f} ms", f"{cpu:.0f} ms", f"{ratio:.2f}")
            )
    if "gc_ms" in cold:
        lines += [
            "",
            "A full garbage collection of that heap (`app` and all of chalicelib, with the "
            "DynamoDB and SSM models a first request loads) takes "
            f"{cold['gc_ms']:.0f} ms of CPU: counted in a cold start's cost, "
            "since one may fall in a container's first request. The bench freezes its own heap "
            "(moto, boto3, its set-up) before the first request, so that a collection over "
            "it, which no Lambda container has, is not measured there.",
        ]
    pkg = result["package"]
    if pkg:
        largest = ", ".join(f"{name} {_mb(size)}" for name, size in pkg["largest"])
        lines += [
            "",
            f"Lambda package (`make package`, build/package/deployment.zip): "
            f"**{_mb(pkg['zip_bytes'])} zipped**, {_mb(pkg['unpacked_bytes'])} unpacked, "
            f"{pkg['files']} files ({pkg['pyc_files']} .pyc). Largest: {largest}.",
        ]
    return lines


def _requests(result: dict[str, Any]) -> list[str]:
    run = result["actions"][0]
    lines = _head(
        f"AWS calls and CPU per request, as deployed ({_setting(run)})",
        "Calls counted by botocore `after-call` hooks on every client; request units by "
        "DynamoDB's rules from item sizes (bench/capacity.py; moto's own ConsumedCapacity "
        "figures are fixed placeholders). The breached-password check's range GET (R-ABUSE-2) "
        "is not an AWS call: it follows a +. CPU: median thread time of the Lambda handler "
        f"(`Chalice.__call__`) over {result['journeys']} journeys, minus the time inside moto "
        "(standing in for the network and AWS) and inside argon2 (shown apart); the range GET's "
        "own CPU stays in, its wait for the answer is out of the wall time. Each code request "
        "and registration carries a fresh proof-of-work solution, solved by the bench outside "
        "any measured time (the browser's work).",
        *("request", "status", "AWS calls", "DynamoDB calls", "RRU", "WRU", "mails"),
        *("project CPU", "project wall", "argon2"),
    )
    for label, row in run["summary"].items():
        if row["kind"] != "http":
            continue
        name = label if label != labels.FIRST else f"{label}: {row['label']}"
        if row["note"]:
            name += f" ({row['note']})"
        calls, reads, writes = _calls_and_units(row)
        lines.append(
            _row(
                *(name, row["status"], calls, row["dynamodb_calls"], reads, writes, row["mails"]),
                *(_ms(row["project_cpu_ms"]), _ms(row["project_wall_ms"]), _hashing_cell(row)),
            )
        )
    driven = {f"{row['label'].split(' ')[0]} {row['route']}" for row in run["rows"]}
    missing = sorted(set(run["routes"]) - driven)
    if missing:
        lines += ["", "Routes of the app this bench does not drive yet: " + ", ".join(missing)]
    return lines


def _by_setting(result: dict[str, Any]) -> list[str]:
    runs = result["actions"]
    lines = _head(
        "Every request in each setting",
        "AWS calls (the range GET apart) and project CPU per request with "
        + ", ".join(f"{_short(run)} = {_setting(run)}" for run in runs)
        + ". The per-source throttles are the difference between the first two columns, the "
        "proof of work's single-use write between the last two.",
        "request",
        *(f"calls {_short(run)}" for run in runs),
        *(f"CPU {_short(run)}" for run in runs),
    )
    for label, row in runs[0]["summary"].items():
        if row["kind"] != "http" or label == labels.FIRST:
            continue
        found = [run["summary"].get(label) for run in runs]
        lines.append(
            _row(
                label,
                *(r["aws_calls"] if r else "—" for r in found),
                *(_ms(r["project_cpu_ms"]) if r else "—" for r in found),
            )
        )
    return lines


def _code_request(result: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "### What a code request calls (R-MAIL-3)",
        "",
        "The delivery state of the address is read in the BatchGetItem the code request already "
        "made for the previous code and the address's claim: no call of its own.",
        "",
    ]
    for run in result["actions"]:
        row = run["summary"][labels.CODE_REQUEST]
        lines.append(f"- {_setting(run)}: {_calls_cell(row)}; reads: {'; '.join(row['reads'])}.")
    return lines


def _feedback(result: dict[str, Any]) -> list[str]:
    lines = _head(
        "SES's feedback (`app.ses_events`, R-MAIL-1, R-MAIL-2)",
        "Each notification as SNS delivers it: the JSON devstack/simulator.py writes in SES's "
        "documented shape, invoked through the test client's `lambda_.invoke` with the event "
        "`events.generate_sns_event` makes; CPU as for the API (median, handler only). A write "
        "refused by its condition (nothing to change) is still billed 1 WRU.",
        *("notification", "AWS calls", "RRU", "WRU", "handler CPU", "wall"),
    )
    lines += [
        _row(
            label.removeprefix("ses_events: "),
            *_calls_and_units(row),
            _ms(row["project_cpu_ms"]),
            _ms(row["project_wall_ms"]),
        )
        for label, row in _of_kind(_deployed(result), "ses_events").items()
    ]
    return lines


def _proof_of_work(result: dict[str, Any]) -> list[str]:
    summary = _deployed(result)
    lines = _head(
        "Proof of work (R-ABUSE-1)",
        "The challenge through its route, then the domain's parts alone (`ProofOfWork` of "
        "chalicelib/domain/proof_of_work.py, timed around the call; `require`'s CPU without "
        "the time in moto).",
        *("part", "AWS calls", "WRU", "CPU", "samples"),
    )
    parts = [labels.CHALLENGE, labels.POW_CHALLENGE, labels.POW_CHECK, labels.POW_REQUIRE]
    for label in parts:
        row = summary.get(label)
        if row:
            calls, _, writes = _calls_and_units(row)
            lines.append(_row(label, calls, writes, _ms(row["project_cpu_ms"]), row["samples"]))
    price = result.get("pow_price") or {}
    if price:
        lines += [
            "",
            "With PROOF_OF_WORK=on a code request makes "
            f"+{price[labels.CODE_REQUEST]} and a registration +{price[labels.SIGN_UP]} AWS "
            "call (the solution's single-use conditional UpdateItem, 1 WRU; measured against "
            "PROOF_OF_WORK=off, RATE_LIMITS_PER_IP=off alike). A missing or wrong solution is "
            "refused by `check` alone: no call.",
        ]
    return lines + _solve_time(result["solve_time"])


def _solve_time(solve: dict[str, Any]) -> list[str]:
    if "error" in solve:
        return ["", "#### Solve time in Chromium", "", f"Not measured this run: {solve['error']}"]
    throttling = solve["throttling"]
    loop = throttling["loop_ms"]
    main_ratio = loop["main"]["4"] / loop["main"]["1"]
    worker_ratio = loop["worker"]["4"] / loop["worker"]["1"]
    lines = _head(
        "Solve time in Chromium",
        f"bench/solve_time.py: the local stack and the real registro.html in Chromium "
        f"{solve['chromium']} (headless, `navigator.hardwareConcurrency` = "
        f"{solve['hardware_concurrency']}), each solve a fresh challenge from GET /v1/challenge "
        "timed in the page from the widget's `verify()` to its `verified` state; "
        f"{solve['runs']} solves per line. The number to find is uniform in 0..maxNumber, so "
        "the spread is mostly the challenge's; the hash rate (the number found + 1 hashes, "
        "tried in order in the main thread) is the machine's, and gives the expected solve "
        "(half of maxNumber) and the worst (all of it). "
        "DevTools' CPU throttling (`Emulation.setCPUThrottlingRate`) slows the renderer's main "
        "thread only (Blink's ThreadCPUThrottler interrupts it every 200 µs and has it spin in "
        "the signal handler): a fixed loop ran "
        f"×{main_ratio:.1f} slower at ×4 in the page's main thread and ×{worker_ratio:.1f} in a "
        "dedicated worker, which has no throttle of its own (what slows it is the spinning main "
        "thread taking one of this machine's cores), and a worker's own DevTools target refuses "
        f"the command: «{throttling['worker_target_answer']}». So the throttled lines solve "
        "with no Web Worker (`window.Worker` removed before the widget loads): the widget's own "
        "fallback, "
        "the library's same SHA-256 search in the main thread, which throttling slows.",
        *("how", "CPU", "maxNumber", "median", "p90", "worst", "hash rate"),
        *("expected (½ maxNumber)", "all of maxNumber"),
        level="####",
    )
    for row in solve["rows"]:
        times = row["times"]
        how = "widget, Web Workers (as shipped)" if row["workers"] else "widget, main thread"
        rate_cell = expected = whole = "—"
        if not row["workers"]:
            rates = [(n + 1) / t for n, t in zip(row["numbers"], times, strict=True) if t > 0]
            rate = statistics.median(rates)
            rate_cell = f"{rate / 1000:.0f} k/s"
            expected = f"{row['max_number'] / 2 / rate:.2f} s"
            whole = f"{row['max_number'] / rate:.2f} s"
        seconds = (statistics.median(times), _quantile(times, 0.9), max(times))
        lines.append(
            _row(
                how,
                f"×{row['rate']}",
                f"{row['max_number']:,}",
                *(f"{value:.2f} s" for value in seconds),
                rate_cell,
                expected,
                whole,
            )
        )
    return lines


def _breach_check(result: dict[str, Any]) -> list[str]:
    lines = _head(
        "Breached-password check (R-ABUSE-2)",
        "The `dev` stage turns BREACHED_PASSWORD_CHECK on against api.pwnedpasswords.com; the "
        "bench points HIBP_API_URL at a range API it serves on loopback (bench/actions.py: "
        "padded answers of 800-1,000 lines, as `Add-Padding: true` gets), so the check's own "
        "work is measured with no third party, no internet and no prefix leaving the machine. "
        "Its network time is the one thing not measured: the cost model assumes "
        f"{pricing.RANGE_GET_LATENCY_MS:g} ms for the real GET.",
        *("request", "range GETs", "GET wall on loopback", "GET CPU (in the project CPU)"),
    )
    lines += [
        _row(label, row["range_gets"], _ms(row["range_wall_ms"]), _ms(row["range_cpu_ms"]))
        for label, row in _deployed(result).items()
        if row["range_gets"]
    ]
    return lines


def _retention(result: dict[str, Any]) -> list[str]:
    summary = _deployed(result)
    lines = _head(
        "The retention job (`app.retention`, R-PRIV-4)",
        "Invoked as EventBridge does, with the clock moved: one account deactivated, another "
        "signed in 1,460 days later, then the stack's first run once both are due; a quiet "
        "hour; the first run of the next day.",
        *("run", "AWS calls", "RRU", "WRU", "CPU", "argon2", "what it did"),
    )
    for label, row in _of_kind(summary, "retention").items():
        report = row["result"] or {}
        did = (
            f"{report.get('accounts_anonymised', 0)} anonymised, "
            f"{report.get('events_stripped', 0)} events stripped"
        )
        lines.append(
            _row(
                label.removeprefix("retention: "),
                *_calls_and_units(row),
                _ms(row["project_cpu_ms"]),
                _hashing_cell(row),
                did,
            )
        )
    busy = summary[labels.RETENTION_FIRST]
    stripped = (busy["result"] or {}).get("events_stripped", 0)
    trail = busy["calls"].get("dynamodb:UpdateItem", 0) - 1 - stripped
    strip = result["costs"]["strip"]
    lines += [
        "",
        "Per account anonymised: one Query of its trail, one UpdateItem per event of it "
        f"(here {trail}) and one for the account, and one argon2 hash (its password becomes the "
        "hash of a secret nobody holds). Per event of a due day: one UpdateItem "
        f"({strip['write_units']:g} WRU), ≈ {strip['cpu_ms']:.2f} ms of CPU (the run's CPU "
        "less a run that finds nothing, shared among its writes). Each rule's day is one Query "
        "of its sparse index and one PutItem of its cursor.",
    ]
    return lines


def _hashing(result: dict[str, Any]) -> list[str]:
    h = result["hashing"]
    memory = result["costs"]["memory_mb"]
    return [
        *_head(
            "Password hashing (argon2id)",
            "",
            *("parameters", "m (memory)", "t (passes)", "p (lanes)", "hash", "verify"),
            "RSS growth of the first hash",
        ),
        f"| chosen (chalicelib/domain/passwords.py) | {h['memory_kib'] / 1024:g} MiB | "
        f"{h['time_cost']} | {h['parallelism']} | "
        f"{h['hash_ms']:.1f} ms (min {h['hash_min_ms']:.1f}) | "
        f"{h['verify_ms']:.1f} ms | {h['rss_growth_kib'] / 1024:.1f} MiB |",
        "| OWASP minimum (Password Storage Cheat Sheet) | "
        f"{OWASP_MINIMUM['memory_kib'] / 1024:g} MiB | "
        f"{OWASP_MINIMUM['time_cost']} | {OWASP_MINIMUM['parallelism']} | | | |",
        "",
        f"At {memory} MB Lambda gets {min(1.0, memory / pricing.FULL_VCPU_MB):.2f} vCPU: about "
        f"{h['hash_ms'] * cost.cpu_scale(memory):.0f} ms per hash there.",
    ]


def _cost(result: dict[str, Any]) -> list[str]:
    c = result["costs"]
    run = result["actions"][0]
    latencies = ", ".join(
        f"{k.split(':')[1]} {v:g} ms" for k, v in pricing.ASSUMED_LATENCY_MS.items()
    )
    lines = _head(
        "Cost",
        f"Lambda at {c['memory_mb']} MB (x86). Billed duration per invocation = the measured CPU "
        f"(project + argon2) × {pricing.FULL_VCPU_MB}/{c['memory_mb']} (Lambda's CPU share) + "
        f"an assumed in-region latency per AWS call ({latencies}; the breached-password range "
        f"GET {pricing.RANGE_GET_LATENCY_MS:g} ms; assumed, not measured), rounded up to 1 ms. "
        f"A registration is the form's {len(cost.REGISTRATION_VISIT)} requests (5 catalogue "
        "GETs, the privacy notice, 3 availability checks, 3 proof-of-work challenges, the code, "
        "the sign-up); a monthly active user logs in, reads the account 3 times (each a minute "
        "apart, so each slides the session) and saves the profile once. «Later» is what a visit "
        "causes after it: SES's Delivery notification of each mail (an SNS publish, an "
        "invocation of `app.ses_events`, its conditional write) and the retention job's strip "
        "of each audit event that keeps an address or browser (mails / such events: "
        f"registration {c['registration']['mails']} / {c['registration']['audit_details']}, "
        f"monthly active user {c['mau']['mails']} / {c['mau']['audit_details']}). "
        f"Prices at {_setting(run)}.",
        *("per 1,000", "Lambda", "API Gateway", "DynamoDB", "SES", "SNS", "total"),
        *("of which later", "with cold starts"),
    )
    for name, key, worst in (
        ("registrations", "registration", "per_1000_registrations_worst"),
        ("monthly active users", "mau", "per_1000_mau_worst"),
    ):
        v = c[key]
        parts = " | ".join(f"${1000 * v[part]:.4f}" for part in cost.PARTS)
        lines.append(
            f"| {name} | {parts} | **${1000 * v['total']:.4f}** | ${1000 * v['later']:.4f} | "
            f"${c[worst]:.4f} |"
        )
    month = c["retention_month"]
    anonymising = sum(c["anonymising_run"][part] for part in cost.PARTS)
    feedback = sum(c["feedback"][part] for part in cost.PARTS)
    lines += [
        f"| monthly active users on Amazon Cognito Essentials | | | | | | "
        f"**${c['cognito_per_1000_mau']:.2f}** | | |",
        "",
        f"A cold start (≈ {c['init_ms']:.0f} ms at {c['memory_mb']} MB: the imports as "
        "Lambda runs the zip, plus what the first request adds, its botocore clients and the "
        "hash key, and a full garbage collection; init is billed since 1 Aug 2025) costs "
        f"${c['cold_start']:.7f}. «With cold starts» counts one for the visit and, as a "
        "worst case for a quiet service, one of `app.ses_events` for each notification. Per "
        f"1,000 MAU this service costs **{c['cognito_ratio']:.0f}× less** than Cognito "
        "Essentials' MAU fee alone, which would still need this API, its Lambda and DynamoDB "
        "for the profile.",
        "",
        f"Whatever the number of users, the retention job's {month['runs']} hourly runs a month "
        f"with nothing due cost ${month['total']:.5f} a month; a run that anonymises an account "
        f"and strips a day's events, as measured above, ${anonymising:.7f}. Each mail's "
        f"Delivery notification costs ${feedback:.7f} (the mail itself "
        f"${pricing.SES_MAIL.dollars:.4f}).",
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
    return lines


def render(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores, {m['usable_cores']} usable), "
        f"{m['implementation']} {m['python']}, {m['os']}; commit {m['commit']}. "
        "`make bench` regenerates this section.",
        "",
    ]
    for section in (
        _budgets,
        _cold_start,
        _requests,
        _by_setting,
        _code_request,
        _feedback,
        _proof_of_work,
        _breach_check,
        _retention,
        _hashing,
        _cost,
    ):
        lines += section(result)
    return "\n".join(lines) + "\n"


def write_doc(doc: Path, section: str) -> None:
    block = f"{BEGIN}\n{section}{END}"
    if doc.exists() and BEGIN in doc.read_text() and END in doc.read_text():
        head, rest = doc.read_text().split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        doc.write_text(head + block + tail)
        return
    doc.write_text(
        "# Performance and cost\n\n## Latest `make bench`\n\n" + block + "\n", encoding="utf-8"
    )
