"""Unique claims: the items that make a user ID, a document and an e-mail address belong to one
account at most (R-REG-1, R-REG-2, R-REG-10), and how the domain asks who holds one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.domain.delivery import DeliveryState
from chalicelib.domain.records import CodeRecord


def user_id_claim(user_id: str) -> str:
    return f"USERID#{user_id}"


def document_claim(document_type: str, number: str) -> str:
    return f"DOC#{document_type}#{number}"


def email_claim(email_key: str) -> str:
    return f"EMAIL#{email_key}"


class ClaimStore(Protocol):
    def owner(self, claim: str) -> str | None: ...

    def email_state(self, claim: str, address: str) -> tuple[str | None, DeliveryState | None]:
        """Who holds an EMAIL `claim` and the delivery state of its `address` (an address key),
        in one read (R-MAIL-3)."""
        ...

    def owners(
        self, claims: Sequence[str], code: tuple[str, str] | None = None
    ) -> tuple[dict[str, str | None], CodeRecord | None]:
        """Who holds each of `claims` (None: free) and, when `code` (mailbox key, purpose) is
        given, that code as stored, in one read: a refused form names every taken field and the
        code's state at once, without counting a try (R-UX-1)."""
        ...
