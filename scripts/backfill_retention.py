"""One-off back-fill of the retention rules' day keys (R-PRIV-4) on a stack that holds data
written before the retention job existed.

The job finds its work through two sparse indexes (chalicelib/domain/retention.py): audit events
carry `detail_on` (the UTC day they were recorded) while they hold a source address or a
browser, and deactivated accounts carry `deactivated_on` until they are anonymised. Items written
before the job have neither, so the job would never see them. Run this once, right after the
deploy that adds the job:

    STAGE=prod AWS_REGION=us-east-1 python scripts/backfill_retention.py          # what it would do
    STAGE=prod AWS_REGION=us-east-1 python scripts/backfill_retention.py --apply  # do it

(the stage's tables as the API finds them: STAGE, TABLE_PREFIX or *_TABLE; AWS_ENDPOINT_URL for
the local stack). It reads the users and audit tables once, by Scan — the only Scan of the
retention rules, and a one-off — sets each missing day key (conditional on the item still
lacking it), and moves each rule's cursor back to the day before the oldest key it wrote, so that
the job's next run walks those days too. Idempotent: a second run finds nothing to set.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Report:
    audit_events: int = 0
    deactivated_accounts: int = 0
    oldest_event_day: str | None = None
    oldest_deactivation_day: str | None = None


def _older(day: str, than: str | None) -> str:
    return day if than is None or day < than else than


def backfill(*, apply: bool) -> Report:
    from pynamodb.exceptions import UpdateError

    from chalicelib.domain.records import STATUS_DEACTIVATED
    from chalicelib.domain.retention import AUDIT_DETAIL, DEACTIVATED
    from chalicelib.store.errors import is_condition_failure
    from chalicelib.store.models import AuditModel, UserModel
    from chalicelib.store.retention import DynamoRetentionStore

    report = Report()
    for event in AuditModel.scan(
        AuditModel.detail_on.does_not_exist()
        & (AuditModel.source_ip.exists() | AuditModel.user_agent.exists())
    ):
        day = event.at[:10]
        report.audit_events += 1
        report.oldest_event_day = _older(day, report.oldest_event_day)
        if apply:
            try:
                event.update(
                    actions=[AuditModel.detail_on.set(day)],
                    condition=AuditModel.detail_on.does_not_exist()
                    & (AuditModel.source_ip.exists() | AuditModel.user_agent.exists()),
                )
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise
    for user in UserModel.scan(
        (UserModel.status == STATUS_DEACTIVATED)
        & UserModel.deactivated_on.does_not_exist()
        & UserModel.anonymised_at.does_not_exist()
    ):
        day = (user.deactivated_at or user.updated_at)[:10]
        report.deactivated_accounts += 1
        report.oldest_deactivation_day = _older(day, report.oldest_deactivation_day)
        if apply:
            try:
                user.update(
                    actions=[UserModel.deactivated_on.set(day)],
                    condition=(UserModel.status == STATUS_DEACTIVATED)
                    & UserModel.anonymised_at.does_not_exist(),
                )
            except UpdateError as exc:
                if not is_condition_failure(exc):
                    raise
    if apply:
        store = DynamoRetentionStore()
        for rule, oldest in (
            (AUDIT_DETAIL, report.oldest_event_day),
            (DEACTIVATED, report.oldest_deactivation_day),
        ):
            if oldest is None:
                continue
            before = (date.fromisoformat(oldest) - timedelta(days=1)).isoformat()
            cursor = store.cursor(rule)
            if cursor is None or cursor > before:
                store.advance(rule, before)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apply", action="store_true", help="write; without it, only report")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    report = backfill(apply=args.apply)
    if args.json:
        print(json.dumps({"applied": args.apply, **asdict(report)}, ensure_ascii=False))
    else:
        done = "marcados" if args.apply else "por marcar (ejecute con --apply para marcarlos)"
        print(f"Eventos con dirección o navegador, {done}: {report.audit_events}")
        print(f"Cuentas dadas de baja, {done}: {report.deactivated_accounts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
