"""SES's feedback (R-MAIL-1, R-MAIL-2): the configuration set's event destination publishes each
Bounce, Complaint, Delivery, Reject and Rendering Failure to an SNS topic, which invokes this
handler, packaged with the API in the same Chalice app (the function is declared in app.py).

A failure to store a state raises, so that Lambda's asynchronous retries (and the handler-failure
alarm) take over; a malformed notification is dropped by the parser, since no retry can fix it.
"""

from __future__ import annotations

import logging

from chalicelib import metrics
from chalicelib.domain import delivery
from chalicelib.wiring import services

log = logging.getLogger(__name__)

# R-MAIL-5: what each state change counts as.
_METRIC = {
    ("Bounce", "undeliverable"): metrics.BOUNCES,
    ("Bounce", "transient"): metrics.TRANSIENT_BOUNCES,
    ("Complaint", "undeliverable"): metrics.COMPLAINTS,
    ("Delivery", "delivered"): "DeliveriesAfterTransientBounce",
}
# Told about a mail, not an address: counted, never a state.
_MAIL_METRIC = {
    "Reject": metrics.REJECTED,
    "Rendering Failure": metrics.RENDERING_FAILURES,
    "RenderingFailure": metrics.RENDERING_FAILURES,
}


def handle(message: str) -> list[delivery.Feedback]:
    """The notification applied to the delivery state; the feedback that changed a state."""
    notification = delivery.parse(message)
    if notification is None:
        return []
    s = services()
    changed = delivery.record_notification(
        s.delivery(), notification, s.settings.undeliverable_days
    )
    for feedback in changed:
        metrics.count(_METRIC[(feedback.kind, feedback.effect)])
    if notification.kind in _MAIL_METRIC:
        metrics.count(_MAIL_METRIC[notification.kind])
    log.info(
        "ses notification applied",
        extra={
            "ses_event": notification.kind,
            "recipients": len(notification.feedback),
            "changed": len(changed),
        },
    )
    return changed
