"""The cost model of `make bench`: the measured calls, request units, mails and CPU of each
invocation (bench/run.py's summary rows) at bench/pricing.py's public prices.

A visit is what one person does (REGISTRATION_VISIT, MAU_VISIT). What a visit causes later is
counted with it: every mail sent brings one SES Delivery notification back through SNS to
`app.ses_events` (R-MAIL-1), and every audit event written with a source address or browser is
stripped once by the retention job (R-PRIV-4). The retention job's hourly runs cost the same
whatever the number of users: a monthly figure of their own.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from bench import labels, pricing

# The registration form: the catalogues, the privacy notice it links and whose version the box
# acknowledges, three availability checks, the code, the sign-up. Its proof-of-work widget asks
# for a challenge when the form opens and a new one after each use (web/js/proof-of-work.js):
# three GET /v1/challenge (one only when PROOF_OF_WORK is off: the first answer says so).
REGISTRATION_VISIT = [
    *labels.CATALOGUES,
    labels.PRIVACY_NOTICE,
    *labels.AVAILABILITY,
    labels.CHALLENGE,
    labels.CODE_REQUEST,
    labels.CHALLENGE,
    labels.SIGN_UP,
    labels.CHALLENGE,
]
# One log-in, three authenticated reads, one profile save; each read taken as the kind that
# also slides the session (the dearer one), as if a minute passed between them.
MAU_VISIT = [
    labels.LOG_IN,
    labels.READ_SLIDING,
    labels.READ_SLIDING,
    labels.READ_SLIDING,
    labels.PROFILE_SAVE,
]
PARTS = ("lambda", "api_gateway", "dynamodb", "ses", "sns")
HOURS_A_DAY, DAYS_A_MONTH = 24, 30


def cpu_scale(memory: int) -> float:
    """Lambda's CPU share below a full vCPU: CPU time measured on one core here, times this."""
    return max(1.0, pricing.FULL_VCPU_MB / memory)


def _gb_seconds(ms: float, memory: int) -> float:
    return ms / 1000 * memory / 1024 * pricing.LAMBDA_GB_SECOND.dollars


def _wait_ms(calls: dict[str, int], range_gets: int) -> float:
    return (
        sum(
            pricing.ASSUMED_LATENCY_MS.get(call, pricing.DEFAULT_LATENCY_MS) * n
            for call, n in calls.items()
        )
        + range_gets * pricing.RANGE_GET_LATENCY_MS
    )


def invocation_cost(row: dict[str, Any], memory: int, trigger: str = "api") -> dict[str, float]:
    """One invocation: billed duration = CPU (project + argon2) at Lambda's share + the assumed
    wait for each call, rounded up to 1 ms; `trigger` is "api" (API Gateway's fee), "sns" (the
    topic's publish) or "schedule" (EventBridge's schedules are free)."""
    cpu_ms = (row["project_cpu_ms"] + row["hash_cpu_ms"]) * cpu_scale(memory)
    billed_ms = math.ceil(cpu_ms + _wait_ms(row["calls"], row.get("range_gets", 0)))
    return {
        "billed_ms": billed_ms,
        "lambda": _gb_seconds(billed_ms, memory) + pricing.LAMBDA_REQUEST.dollars,
        "api_gateway": pricing.API_GATEWAY_REST.dollars if trigger == "api" else 0.0,
        "dynamodb": row["read_units"] * pricing.DYNAMODB_READ.dollars
        + row["write_units"] * pricing.DYNAMODB_WRITE.dollars,
        "ses": row["mails"] * pricing.SES_MAIL.dollars,
        "sns": pricing.SNS_PUBLISH.dollars if trigger == "sns" else 0.0,
    }


def strip_cost(summary: dict[str, Any], memory: int) -> dict[str, float]:
    """One audit event stripped by the retention job, inside a run that handles many: its
    UpdateItem (units and assumed wait) and its CPU, estimated as the anonymising run's CPU less
    a run that finds nothing, shared among the items the first one wrote."""
    busy, idle = summary[labels.RETENTION_FIRST], summary[labels.RETENTION_DAY]
    items = busy["calls"].get("dynamodb:UpdateItem", 0) or 1
    cpu_ms = max(0.0, busy["project_cpu_ms"] - idle["project_cpu_ms"]) / items
    units = max(0.0, busy["write_units"] - idle["write_units"]) / items
    ms = cpu_ms * cpu_scale(memory) + pricing.ASSUMED_LATENCY_MS["dynamodb:UpdateItem"]
    return {
        "cpu_ms": cpu_ms,
        "write_units": units,
        "lambda": _gb_seconds(ms, memory),
        "dynamodb": units * pricing.DYNAMODB_WRITE.dollars,
    }


def visit_cost(summary: dict[str, Any], visit: list[str], memory: int) -> dict[str, float]:
    """The visit's invocations, then what they cause later: a Delivery notification per mail,
    a strip per audit event with a source address or browser."""
    total: dict[str, float] = defaultdict(float)
    mails = details = 0
    for label in visit:
        row = summary[label]
        for part, value in invocation_cost(row, memory).items():
            total[part] += value
        mails += row["mails"]
        details += row.get("audit_details", 0)
    later: dict[str, float] = defaultdict(float)
    feedback = invocation_cost(summary[labels.DELIVERY_NOTICE], memory, trigger="sns")
    strip = strip_cost(summary, memory)
    for part in PARTS:
        later[part] = mails * feedback.get(part, 0.0) + details * strip.get(part, 0.0)
        total[part] += later[part]
    total["total"] = sum(total[part] for part in PARTS)
    total["later"] = sum(later.values())
    total["mails"] = mails
    total["audit_details"] = details
    return dict(total)


def retention_month(summary: dict[str, Any], memory: int) -> dict[str, float]:
    """The retention job's runs in a month with nothing due: each day's first run looks its day
    up; the other 23 read the cursors."""
    day = invocation_cost(summary[labels.RETENTION_DAY], memory, trigger="schedule")
    quiet = invocation_cost(summary[labels.RETENTION_QUIET], memory, trigger="schedule")
    runs = {part: DAYS_A_MONTH * (day[part] + (HOURS_A_DAY - 1) * quiet[part]) for part in PARTS}
    return {**runs, "total": sum(runs.values()), "runs": HOURS_A_DAY * DAYS_A_MONTH}


def costs(summary: dict[str, Any], cold: dict[str, Any], memory: int) -> dict[str, Any]:
    """Per 1,000 registrations and 1,000 monthly active users, at the deployed settings."""
    place = "lambda" if "lambda" in cold else "dev"
    # The imports, then what the first request adds: its botocore clients, the hash key, and a
    # full garbage collection of the container's heap, which may fall in it.
    first = summary.get(labels.FIRST, {}).get("project_cpu_ms", 0.0)
    imports = cold[place]["app + all of chalicelib"]["wall_ms"]
    init_ms = (imports + first + cold.get("gc_ms", 0.0)) * cpu_scale(memory)
    cold_start = _gb_seconds(init_ms, memory)
    registration = visit_cost(summary, REGISTRATION_VISIT, memory)
    mau = visit_cost(summary, MAU_VISIT, memory)
    # At worst the API's container starts cold for the visit, and the feedback function's for
    # every notification its mails bring back.
    registration_worst = registration["total"] + cold_start * (1 + registration["mails"])
    mau_worst = mau["total"] + cold_start * (1 + mau["mails"])
    cognito = pricing.COGNITO_ESSENTIALS.dollars
    return {
        "memory_mb": memory,
        "init_ms": init_ms,
        "cold_start": cold_start,
        "registration": registration,
        "mau": mau,
        "strip": strip_cost(summary, memory),
        "feedback": invocation_cost(summary[labels.DELIVERY_NOTICE], memory, trigger="sns"),
        "retention_month": retention_month(summary, memory),
        "anonymising_run": invocation_cost(
            summary[labels.RETENTION_FIRST], memory, trigger="schedule"
        ),
        "per_1000_registrations": 1000 * registration["total"],
        "per_1000_registrations_worst": 1000 * registration_worst,
        "per_1000_mau": 1000 * mau["total"],
        "per_1000_mau_worst": 1000 * mau_worst,
        "cognito_per_1000_mau": 1000 * cognito,
        "cognito_ratio": cognito / mau_worst,
    }
