"""The app's own metrics (R-MAIL-5): CloudWatch embedded-metric-format lines on stdout, which
CloudWatch Logs turns into metrics, so counting costs no API call per request.

Powertools' `single_metric` writes the lines: each count is its own metric set, written at once
(one line), so that nothing depends on a handler decorator, a count survives the request that
raised after it, and counts of concurrent requests (`chalice local` serves them in threads) never
share, and never flush, each other's set. Namespace `Ecuapass`, dimension `service` =
`ecuapass-<stage>` (the stack's name, which the template's alarms use).
"""

from __future__ import annotations

from functools import cache

from chalicelib.config import get_settings

NAMESPACE = "Ecuapass"

REGISTRATIONS = "Registrations"
CODES_SENT = "CodesSent"
UNDELIVERABLE_REFUSED = "MailsRefusedUndeliverable"
BOUNCES = "Bounces"
TRANSIENT_BOUNCES = "TransientBounces"
COMPLAINTS = "Complaints"
# SES refused a mail (a virus in it) or could not render its template.
REJECTED = "MailsRejected"
RENDERING_FAILURES = "RenderingFailures"
LOCK_OUTS = "LockOuts"
THROTTLED = "ThrottledRequests"
BREACH_CHECK_UNAVAILABLE = "BreachedPasswordCheckUnavailable"


@cache
def _dimensions() -> dict[str, str]:
    return {"service": f"ecuapass-{get_settings().stage}"}


def count(name: str, value: int = 1) -> None:
    # Imported on first count, not at cold start of every route (docs/performance.md).
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=value,
        namespace=NAMESPACE,
        default_dimensions=_dimensions(),
    ):
        pass
