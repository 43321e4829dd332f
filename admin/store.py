"""The operators' reads and writes that the API has no use for (R-ADM-1), over the same models
and transactions as chalicelib/store: keyed reads only (no Scan), and every change in one
transaction with its audit item, conditional on the account as the operator's command read it.

The other changes an operator makes are the API's own store methods (unlock:
DynamoAccountStore.save_login_state; deactivate: DynamoAccountStore.deactivate).
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.domain import errors
from chalicelib.domain.claims import document_claim
from chalicelib.domain.records import STATUS_ACTIVE, AuditEvent, User
from chalicelib.store.audit import audit_item
from chalicelib.store.errors import dynamodb_unavailable
from chalicelib.store.models import AuditModel, UserModel
from chalicelib.store.transactions import labelled_write, move_claim
from chalicelib.store.users import to_user

CHANGED_MEANWHILE = (
    "La cuenta cambió mientras se ejecutaba el comando. No se realizó ningún cambio: consulte "
    "la cuenta con «show» y repita el comando."
)


def load_user(user_id: str) -> User | None:
    """One consistent GetItem: an operator acts on the account as it is now."""
    with dynamodb_unavailable():
        try:
            return to_user(UserModel.get(user_id, consistent_read=True))
        except DoesNotExist:
            return None


def audit_trail(user_id: str, *, newest: int | None = None) -> list[dict[str, Any]]:
    """The account's audit events, oldest first; with `newest`, only that many of the latest
    (one Query reading backwards from the end of the trail)."""
    with dynamodb_unavailable():
        items = list(
            AuditModel.query(
                user_id,
                scan_index_forward=newest is None,
                limit=newest,
                consistent_read=True,
            )
        )
    if newest is not None:
        items.reverse()
    return [_event(item) for item in items]


def _event(item: AuditModel) -> dict[str, Any]:
    found = {
        "at": item.at,
        "event": item.event,
        "fields": sorted(item.fields or ()),
        "detail": item.detail or "",
        "source_ip": item.source_ip,
        "user_agent": item.user_agent or "",
        "operator": item.operator or "",
        "ticket": item.ticket or "",
    }
    return found


def _refused(_: set[str]) -> Exception:
    return errors.StaleUpdate(CHANGED_MEANWHILE)


def end_sessions(user: User, event: AuditEvent) -> None:
    """Every session ends at once (R-AUTH-4's epoch, as a password change moves it); the profile
    is untouched, so `version` does not move."""
    with labelled_write(_refused) as tx:
        tx.update(
            "user",
            UserModel(user.user_id),
            actions=[UserModel.session_epoch.add(1)],
            condition=UserModel.session_epoch == user.session_epoch,
        )
        tx.save("audit", audit_item(event))


def _document_refused(failed: set[str]) -> Exception:
    if "new_document" in failed:
        return errors.DocumentTaken(
            "Ese documento pertenece a otra cuenta activa. No se realizó ningún cambio: "
            "busque esa cuenta con «find --document» antes de continuar."
        )
    return errors.StaleUpdate(CHANGED_MEANWHILE)


def correct(
    user: User,
    values: dict[str, str],
    event: AuditEvent,
    *,
    updated_at: str,
    document: tuple[str, str] | None = None,
) -> None:
    """A rectification (LOPDP Art. 14): the new values and, for a document, its DOC claim moved
    from the old document to the new one, in one transaction conditional on the version read;
    a document another account holds refuses it whole."""
    actions: list[Any] = [
        UserModel.updated_at.set(updated_at),
        UserModel.version.set(user.version + 1),
    ]
    actions += [getattr(UserModel, name).set(value) for name, value in values.items()]
    with labelled_write(_document_refused) as tx:
        tx.update(
            "user",
            UserModel(user.user_id),
            actions=actions,
            condition=(UserModel.version == user.version) & (UserModel.status == STATUS_ACTIVE),
        )
        if document is not None:
            move_claim(
                tx,
                ("old_document", "new_document"),
                user.user_id,
                document_claim(user.document_type, user.document_number),
                document_claim(*document),
            )
        tx.save("audit", audit_item(event))
