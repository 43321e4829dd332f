"""The retention job (R-PRIV-4): every hour, the audit events and deactivated accounts whose
period is over lose their personal data (chalicelib/domain/retention.py). A function of its own
in the same package (declared in app.py), with a role that may do only this
(infra/resources.json).

A failure raises, so that the Lambda error alarm tells the operators; the next run goes on from
the last day done.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain import retention
from chalicelib.wiring import services


def run_job() -> dict[str, Any]:
    """One run; what it did, as the invocation's result."""
    report = retention.run(services().retention())
    return {
        "events_stripped": report.events_stripped,
        "accounts_anonymised": report.accounts_anonymised,
        "done_through": report.done_through,
        "more": report.more,
    }
