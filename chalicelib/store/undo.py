"""Undo-link items (R-HARD-9): `UNDO#<keyed hash>` in the codes table; and what the user item
keeps about them: the voided ranges of links, the list of links that may still be used and the
version up to which the owner confirmed the changes (R-HARD-9)."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition

from chalicelib.domain.clock import DAY
from chalicelib.domain.records import EmailUndo, UndoLink, UndoVoid
from chalicelib.store.models import EmailUndoModel, UndoLinkMap, UndoVoidMap, UserModel

# An expired link is kept this long past its expiry, so it answers 410 (expired) rather than
# 404 (unknown); DynamoDB's TTL removes it some time after that.
KEEP_EXPIRED_SECONDS = 30 * DAY


def undo_key(token_hash: str) -> str:
    return f"UNDO#{token_hash}"


def undo_model(undo: EmailUndo) -> tuple[EmailUndoModel, Condition]:
    """The item to put, and the condition that it is new."""
    item = EmailUndoModel(
        undo_key(undo.token_hash),
        user_id=undo.user_id,
        old_email=undo.old_email,
        version=undo.version,
        expires_at=undo.expires_at,
        used=undo.used,
        purge_at=undo.expires_at + KEEP_EXPIRED_SECONDS,
    )
    return item, EmailUndoModel.key.does_not_exist()


def to_undo(item: EmailUndoModel, token_hash: str) -> EmailUndo:
    return EmailUndo(
        token_hash=token_hash,
        user_id=item.user_id,
        old_email=item.old_email,
        version=int(item.version),
        expires_at=int(item.expires_at),
        used=bool(item.used),
    )


def voids_of(item: UserModel) -> list[UndoVoid]:
    return [
        UndoVoid(after=int(v.after), through=int(v.through), until=int(v.until))
        for v in item.email_undo_voids or []
    ]


def voids_value(voids: tuple[UndoVoid, ...]) -> list[Any]:
    return [UndoVoidMap(after=v.after, through=v.through, until=v.until) for v in voids]


def links_of(item: UserModel) -> tuple[UndoLink, ...]:
    return tuple(
        UndoLink(version=int(v.version), expires_at=int(v.expires_at), old_email=v.old_email)
        for v in item.email_undo_links or []
    )


def links_value(links: tuple[UndoLink, ...]) -> list[Any]:
    return [
        UndoLinkMap(version=v.version, expires_at=v.expires_at, old_email=v.old_email)
        for v in links
    ]


def confirmed_through(item: UserModel) -> int:
    return int(item.email_undo_confirmed_through or 0)
