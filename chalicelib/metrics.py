"""The app's own metrics (R-MAIL-5): CloudWatch embedded-metric-format lines on stdout, which
CloudWatch Logs turns into metrics, so counting costs no API call per request.

Powertools Metrics writes the lines; each count is flushed at once (one line), so that nothing
depends on a handler decorator and a count survives the request that raised after it. Namespace
`Ecuapass`, dimension `service` = `ecuapass-<stage>` (the stack's name, which the template's
alarms use).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.config import get_settings

NAMESPACE = "Ecuapass"

REGISTRATIONS = "Registrations"
CODES_SENT = "CodesSent"
UNDELIVERABLE_REFUSED = "MailsRefusedUndeliverable"
BOUNCES = "Bounces"
TRANSIENT_BOUNCES = "TransientBounces"
COMPLAINTS = "Complaints"
LOCK_OUTS = "LockOuts"
THROTTLED = "ThrottledRequests"
BREACH_CHECK_UNAVAILABLE = "BreachedPasswordCheckUnavailable"


@cache
def _metrics() -> Any:
    # Imported on first count, not at cold start of every route (docs/performance.md).
    from aws_lambda_powertools.metrics import Metrics

    return Metrics(namespace=NAMESPACE, service=f"ecuapass-{get_settings().stage}")


def count(name: str, value: int = 1) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = _metrics()
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.flush_metrics()
