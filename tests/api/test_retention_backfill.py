"""scripts/backfill_retention.py (R-PRIV-4): on a stack that holds data written before the
retention job, the day keys are set once, the cursors moved back, and the job then reaches it."""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.clock import DAY
from chalicelib.store.models import AuditModel, UserModel
from tests.helpers import (
    PASSWORD,
    ROOT,
    USER,
    FakeClock,
    audit_events,
    bearer,
    post,
    run_retention,
    signed_in,
    user_item,
)


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "backfill_retention", ROOT / "scripts" / "backfill_retention.py"
    )
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # its dataclasses look their module up by name
    spec.loader.exec_module(script)
    return script


def written_before_the_job(client: Any) -> None:
    """A deactivated account and its trail as the service stored them before R-PRIV-4."""
    token = signed_in(client)
    answer = post(
        client,
        "/v1/account/deactivation",
        {"reason": "Ya no la uso.", "password": PASSWORD},
        **bearer(token),
    )
    assert answer.status == 200, answer.body
    UserModel(USER).update(actions=[UserModel.deactivated_on.remove()])
    for event in AuditModel.query(USER):
        event.update(actions=[AuditModel.detail_on.remove()])


def test_the_back_fill_lets_the_job_reach_what_was_stored_before_it_r_priv_4(
    client: Any, clock: FakeClock
) -> None:
    written_before_the_job(client)
    events = len(audit_events())
    clock.advance(get_settings().deactivated_retention_days * DAY + DAY)
    # The job's first run on the upgraded stack: it cannot see the old items.
    assert run_retention(client)["accounts_anonymised"] == 0

    script = load_script()
    looked = script.backfill(apply=False)
    assert (looked.audit_events, looked.deactivated_accounts) == (events, 1)
    assert "deactivated_on" not in user_item()
    done = script.backfill(apply=True)
    assert (done.audit_events, done.deactivated_accounts) == (events, 1)
    assert user_item()["deactivated_on"]["S"] == done.oldest_deactivation_day

    report = run_retention(client)
    assert report["accounts_anonymised"] == 1
    assert all("source_ip" not in e for e in audit_events())
    again = script.backfill(apply=True)
    assert (again.audit_events, again.deactivated_accounts) == (0, 0)
