"""Unique claims: the items that make a user ID, a document and an e-mail address belong to one
account at most (R-REG-1, R-REG-2, R-REG-10), and how the domain asks who holds one."""

from __future__ import annotations

from typing import Protocol


def user_id_claim(user_id: str) -> str:
    return f"USERID#{user_id}"


def document_claim(document_type: str, number: str) -> str:
    return f"DOC#{document_type}#{number}"


def email_claim(email_key: str) -> str:
    return f"EMAIL#{email_key}"


class ClaimStore(Protocol):
    def owner(self, claim: str) -> str | None: ...
