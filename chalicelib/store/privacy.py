"""The privacy notice's acknowledgement (R-PRIV-2): the user item and its audit item."""

from __future__ import annotations

from chalicelib.domain import errors
from chalicelib.domain.records import STATUS_ACTIVE, AuditEvent
from chalicelib.store.audit import audit_item
from chalicelib.store.models import UserModel
from chalicelib.store.transactions import labelled_write


class DynamoAcknowledgements:
    def acknowledge(self, user_id: str, version: str, at: str, event: AuditEvent) -> None:
        """One transaction; `version` (the profile's) is not bumped, so an open modify form
        stays valid, and nothing else of the account changes."""
        with labelled_write(lambda _: errors.Unauthorized()) as tx:
            tx.update(
                "user",
                UserModel(user_id),
                actions=[
                    UserModel.privacy_notice_version.set(version),
                    UserModel.privacy_notice_acknowledged_at.set(at),
                ],
                condition=UserModel.status == STATUS_ACTIVE,
            )
            tx.save("audit", audit_item(event))
