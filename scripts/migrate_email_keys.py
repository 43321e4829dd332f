"""One-off migration of the EMAIL claims written before R-HARD-3 to the canonical key.

Before R-HARD-3 an address's claim was `EMAIL#` + `normalise_email(address).lower()`: the domain
as typed, lower-cased (a Unicode domain stayed Unicode, a full-width letter stayed full-width) and
the local part as typed (NFC or NFD). `fields.email_key` now gives every spelling of one address
one key: for ASCII addresses, nearly all of them, the two keys are the same and nothing moves.
The service itself reads only the canonical key, so run this once, right after the deploy:

    STAGE=prod AWS_REGION=us-east-1 python scripts/migrate_email_keys.py          # what it would do
    STAGE=prod AWS_REGION=us-east-1 python scripts/migrate_email_keys.py --apply  # do it

(the stage's tables as the API finds them: STAGE, TABLE_PREFIX or *_TABLE; AWS_ENDPOINT_URL
for the local stack). For each claim whose key is not canonical, one transaction moves the claim
to the canonical key (if that is free), deletes the old one (if still the same owner's), stores
the owner's address in its canonical form (ASCII domain, which SES delivers to; on condition
that the address is still the one read) and adds an audit item. It is idempotent.

Not moved, and listed for an operator (exit status 1): a canonical key already held by another
account (two accounts for one mailbox, which R-HARD-3 prevents from now on: the operator decides
which keeps the address) and a claim whose owner no longer has that address. Addresses whose
local part is not ASCII are moved and listed: SES cannot deliver to them, so their owners
should be asked to change them.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "EMAIL#"
ACTOR = "script:migrate_email_keys"


@dataclass
class Report:
    moved: list[dict[str, str]] = field(default_factory=list)
    collisions: list[dict[str, str]] = field(default_factory=list)
    inconsistent: list[dict[str, str]] = field(default_factory=list)
    undeliverable: list[dict[str, str]] = field(default_factory=list)

    @property
    def needs_operator(self) -> bool:
        return bool(self.collisions or self.inconsistent)


def migrate(*, apply: bool) -> Report:
    """Every EMAIL claim whose key is not canonical: moved when `apply`, else only reported."""
    from pynamodb.exceptions import DoesNotExist, TransactWriteError
    from pynamodb.transactions import TransactWrite

    from chalicelib.domain.claims import email_claim
    from chalicelib.domain.fields import email_key, normalise_email
    from chalicelib.domain.records import AuditEvent
    from chalicelib.store.audit import audit_item
    from chalicelib.store.models import ClaimModel, UserModel
    from chalicelib.store.transactions import connection

    report = Report()
    for claim in ClaimModel.scan(ClaimModel.claim.startswith(EMAIL)):
        old = claim.claim.removeprefix(EMAIL)
        new = email_key(old)
        if new == old:
            continue
        entry = {"owner": claim.owner, "old_key": old, "new_key": new}
        try:
            holder = ClaimModel.get(email_claim(new), consistent_read=True).owner
        except DoesNotExist:
            holder = None
        if holder not in (None, claim.owner):
            report.collisions.append({**entry, "canonical_key_owner": holder})
            continue
        try:
            user = UserModel.get(claim.owner, consistent_read=True)
        except DoesNotExist:
            user = None
        if user is None or email_key(user.email) != new:
            report.inconsistent.append(entry)
            continue
        address = normalise_email(user.email)
        entry = {**entry, "email": address}
        if not address.rpartition("@")[0].isascii():
            report.undeliverable.append(entry)
        if apply:
            at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            try:
                with TransactWrite(connection=connection()) as tx:
                    tx.save(
                        ClaimModel(email_claim(new), owner=claim.owner),
                        condition=ClaimModel.claim.does_not_exist()
                        | (ClaimModel.owner == claim.owner),
                    )
                    tx.delete(ClaimModel(claim.claim), condition=ClaimModel.owner == claim.owner)
                    if address != user.email:
                        tx.update(
                            UserModel(claim.owner),
                            actions=[UserModel.email.set(address)],
                            condition=UserModel.email == user.email,
                        )
                    event = AuditEvent(
                        claim.owner,
                        "EMAIL_KEY_MIGRATED",
                        at,
                        ACTOR,
                        fields=("email",),
                        detail=f"{user.email} -> {address} (R-HARD-3)",
                    )
                    tx.save(audit_item(event))
            except TransactWriteError:
                # Taken or changed between the reads and this write: an operator looks again.
                report.inconsistent.append(entry)
                continue
        report.moved.append(entry)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apply", action="store_true", help="write; without it, only report")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    report = migrate(apply=args.apply)
    if args.json:
        print(json.dumps({"applied": args.apply, **asdict(report)}, ensure_ascii=False))
    else:
        done = "movidas" if args.apply else "por mover (ejecute con --apply para moverlas)"
        print(f"Direcciones a la clave canónica, {done}: {len(report.moved)}")
        for title, items in (
            ("Clave canónica de otra cuenta (decida un operador)", report.collisions),
            ("La cuenta ya no tiene esa dirección (revise)", report.inconsistent),
            ("Parte local no ASCII: SES no entrega (pida cambiarla)", report.undeliverable),
        ):
            for item in items:
                print(f"{title}: {json.dumps(item, ensure_ascii=False)}")
    return 1 if report.needs_operator else 0


if __name__ == "__main__":
    sys.exit(main())
