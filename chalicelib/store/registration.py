"""The registration transaction (R-REG-13): user, its three claims, the code's consumption and
the audit item in one TransactWriteItems, so that two people never get the same ID, document or
e-mail address."""

from __future__ import annotations

from chalicelib.domain import errors
from chalicelib.domain.claims import document_claim, email_claim, user_id_claim
from chalicelib.domain.errors import GONE_MEANWHILE
from chalicelib.domain.fields import email_key
from chalicelib.domain.records import AuditEvent, CodeRecord, User
from chalicelib.store.audit import audit_item
from chalicelib.store.codes import code_consumption
from chalicelib.store.models import ClaimModel, UserModel
from chalicelib.store.transactions import labelled_write
from chalicelib.store.users import to_model


def _registration_refused(failed: set[str]) -> errors.ApiError:
    """Which field lost the race, in the order the form shows them."""
    if "user" in failed or "user_id" in failed:
        return errors.UserIdTaken()
    if "document" in failed:
        return errors.DocumentTaken()
    if "email" in failed:
        return errors.EmailTaken()
    if "code" in failed:
        return errors.SecurityCodeInvalid(GONE_MEANWHILE)
    return errors.ServiceUnavailable()


class DynamoRegistrar:
    def register(self, user: User, code: CodeRecord, audit: AuditEvent) -> None:
        claims = {
            "user_id": user_id_claim(user.user_id),
            "document": document_claim(user.document_type, user.document_number),
            "email": email_claim(email_key(user.email)),
        }
        with labelled_write(_registration_refused) as tx:
            tx.save("user", to_model(user), condition=UserModel.user_id.does_not_exist())
            for label, claim in claims.items():
                tx.save(
                    label,
                    ClaimModel(claim, owner=user.user_id),
                    condition=ClaimModel.claim.does_not_exist(),
                )
            tx.update("code", *code_consumption(code))
            tx.save("audit", audit_item(audit))
