"""PynamoDB models, one per table (architecture "Data").

Table names come from chalicelib.config when the classes are defined, which is why tests export
the stage's variables before importing anything (tests/conftest.py). No Meta.host: botocore
honours AWS_ENDPOINT_URL, so the local stack needs no code path of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib import aws
from chalicelib.config import get_settings

_settings = get_settings()
# Before any model makes a connection: one botocore session for all of them (chalicelib/aws.py).
aws.share_session_with_pynamodb()

# Bounded retries in botocore's standard mode (throttling, transaction conflicts): 1 + 3
# attempts in all; past them the adapters answer SERVICE_UNAVAILABLE.
RETRY_ATTEMPTS = 3


class _Meta:
    region = _settings.region
    max_retry_attempts = RETRY_ATTEMPTS
    connect_timeout_seconds = aws.CONNECT_TIMEOUT_SECONDS
    read_timeout_seconds = aws.READ_TIMEOUT_SECONDS


def _numbers(
    *, null: bool | None = None, default: Callable[[], list[float]] | None = None
) -> ListAttribute[float]:
    """`ListAttribute(of=NumberAttribute)`, typed as the list of numbers it reads and writes
    (PynamoDB 6.1 types its items as NumberAttribute instances)."""
    return cast(
        "ListAttribute[float]", ListAttribute(of=NumberAttribute, null=null, default=default)
    )


class UndoVoidMap(MapAttribute[str, Any]):
    """Undo links issued after version `after` and up to `through` no longer work (R-HARD-9)."""

    after = NumberAttribute()
    through = NumberAttribute()
    until = NumberAttribute()


class UndoLinkMap(MapAttribute[str, Any]):
    """An undo link that may still be used (R-HARD-9): chalicelib.domain.records.UndoLink."""

    version = NumberAttribute()
    expires_at = NumberAttribute()
    old_email = UnicodeAttribute()


class UsersByDeactivationDay(GlobalSecondaryIndex["UserModel"]):
    """Deactivated accounts not yet anonymised, by the UTC day of their deactivation (R-PRIV-4).

    Sparse: `deactivated_on` is written by the deactivation and removed by the anonymisation,
    so the retention job reads only what is due, never the table.
    """

    class Meta:
        index_name = "by-deactivated-on"
        projection = KeysOnlyProjection()

    deactivated_on = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class UserModel(Model):
    class Meta(_Meta):
        table_name = _settings.users_table

    user_id = UnicodeAttribute(hash_key=True)
    document_type = UnicodeAttribute()
    document_number = UnicodeAttribute()
    name = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    country = UnicodeAttribute()
    province = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    address = UnicodeAttribute()
    phone1 = UnicodeAttribute()
    phone2 = UnicodeAttribute(null=True)
    mobile_operator = UnicodeAttribute(null=True)
    mobile = UnicodeAttribute(null=True)
    fax = UnicodeAttribute(null=True)
    email = UnicodeAttribute()
    senae_email = UnicodeAttribute()
    status = UnicodeAttribute(default="ACTIVE")
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=1)
    session_epoch = NumberAttribute(default=0)
    failed_logins = _numbers(default=list)
    locked_until = NumberAttribute(default=0)
    lock_notice_at = NumberAttribute(default=0)
    must_recover_password = BooleanAttribute(default=False)
    deactivation_reason = UnicodeAttribute(null=True)
    deactivated_at = UnicodeAttribute(null=True)
    # The name given at registration (R-HARD-5); absent on accounts registered before it was kept.
    registered_name = UnicodeAttribute(null=True)
    # Written only by the undo of an e-mail change (chalicelib/domain/recovery.py).
    email_undo_voids = ListAttribute(of=UndoVoidMap, null=True)
    # Written by an e-mail change, its undo and the owner's confirmation (R-HARD-9).
    email_undo_links = ListAttribute(of=UndoLinkMap, null=True)
    email_undo_confirmed_through = NumberAttribute(null=True)
    # R-MAIL-3: until when SES's feedback made the account's address undeliverable, mirrored here
    # by the notification handler so that the signed-in reads cost no extra call.
    email_undeliverable_until = NumberAttribute(null=True)
    # The second factor (R-SEC-2): sealed secrets (`v1.<base64>`, chalicelib/domain/totp.py),
    # the last TOTP step accepted and the keyed hashes of the unused recovery codes. Absent on
    # accounts without one.
    totp_secret = UnicodeAttribute(null=True)
    totp_pending = UnicodeAttribute(null=True)
    totp_last_step = NumberAttribute(null=True)
    totp_recovery = UnicodeSetAttribute(null=True)
    # R-PRIV-2: the privacy notice version last acknowledged, and when.
    privacy_notice_version = UnicodeAttribute(null=True)
    privacy_notice_acknowledged_at = UnicodeAttribute(null=True)
    # R-PRIV-4: the UTC day of the deactivation while the account awaits its anonymisation,
    # and when it was anonymised.
    deactivated_on = UnicodeAttribute(null=True)
    anonymised_at = UnicodeAttribute(null=True)
    by_deactivation_day = UsersByDeactivationDay()


class ClaimModel(Model):
    """`USERID#id`, `DOC#type#number`, `EMAIL#address` -> owner: uniqueness by transaction."""

    class Meta(_Meta):
        table_name = _settings.claims_table

    claim = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()


class CodeModel(Model):
    """`mailbox#purpose` -> the code's keyed hash, expiry (TTL attribute) and send history."""

    class Meta(_Meta):
        table_name = _settings.codes_table

    key = UnicodeAttribute(hash_key=True)
    code_hash = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()
    attempts = NumberAttribute(default=0)
    sends = _numbers(default=list)
    used = BooleanAttribute(default=False)
    revision = NumberAttribute(default=0)
    # Keyed hash of the requesting source, and the wrong tries of every other source (R-HARD-4).
    requester = UnicodeAttribute(null=True)
    foreign_attempts = NumberAttribute(default=0)
    # Kept for DynamoDB's TTL: an hour after the last send, when the throttle forgets it too.
    purge_at = NumberAttribute(null=True)
    # The item is the mailbox's; this is the exact address the code went to (R-HARD-3).
    sent_to = UnicodeAttribute(null=True)


class EmailUndoModel(Model):
    """`UNDO#<keyed hash of the token>` -> the link that undoes one e-mail change (R-HARD-9).

    It lives in the codes table (same key attribute, same TTL attribute `purge_at`): the table
    already holds short-lived secrets by keyed hash, and no new table or grant is needed. A code's
    key is a lower-cased address, so it never starts with `UNDO#`.
    """

    class Meta(_Meta):
        table_name = _settings.codes_table

    key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    old_email = UnicodeAttribute()
    version = NumberAttribute()
    expires_at = NumberAttribute()
    used = BooleanAttribute(default=False)
    # Kept past expiry so that an expired link is told apart from an unknown one (410, not 404).
    purge_at = NumberAttribute()


class TotpChallengeModel(Model):
    """`TOTP#<keyed hash of the challenge>` -> the second step of a log-in (R-SEC-2).

    In the codes table, as the undo links are: short-lived secrets by keyed hash, under the same
    TTL attribute, with no new table or grant. A code's key is a lower-cased address, so it never
    starts with `TOTP#`. Marked used (not deleted) by the log-in it completes.
    """

    class Meta(_Meta):
        table_name = _settings.codes_table

    key = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    epoch = NumberAttribute()
    expires_at = NumberAttribute()
    used = BooleanAttribute(default=False)
    purge_at = NumberAttribute()


class SessionsByUser(GlobalSecondaryIndex["SessionModel"]):
    """An account's sessions, for the session list (R-SEC-1): a Query on the user's key.

    The table stays keyed by the token's hash, so the session check of every authenticated
    request stays one BatchGetItem with the user (R-AUTH-1). DynamoDB fills the index from the
    items already stored (each has `user_id` and `created_at`), so no migration is needed.
    The projection carries what the list shows and what tells an open session, never more.
    """

    class Meta:
        index_name = "by-user"
        projection = IncludeProjection(["epoch", "last_seen", "expires_at", "source_ip", "device"])

    user_id = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class SessionModel(Model):
    class Meta(_Meta):
        table_name = _settings.sessions_table

    token_hash = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    epoch = NumberAttribute()
    created_at = NumberAttribute()
    last_seen = NumberAttribute()
    expires_at = NumberAttribute()
    # R-SEC-1; absent on sessions opened before they were kept.
    source_ip = UnicodeAttribute(null=True)
    device = UnicodeAttribute(null=True)
    by_user = SessionsByUser()


class AuditByDetailDay(GlobalSecondaryIndex["AuditModel"]):
    """Audit events that still hold a source address or a browser, by the UTC day they were
    recorded (R-PRIV-4). Sparse: `detail_on` goes with the address and the browser."""

    class Meta:
        index_name = "by-detail-on"
        projection = IncludeProjection(["event"])

    detail_on = UnicodeAttribute(hash_key=True)
    at_event = UnicodeAttribute(range_key=True)


class AuditModel(Model):
    """Append-only trail (R-MOD-8): who, when, what, from where; never a secret's value. Only
    the retention rules (R-PRIV-4) change an event: they remove where it came from."""

    class Meta(_Meta):
        table_name = _settings.audit_table

    user_id = UnicodeAttribute(hash_key=True)
    at_event = UnicodeAttribute(range_key=True)
    event = UnicodeAttribute()
    at = UnicodeAttribute()
    # Absent once the retention rules removed it (R-PRIV-4).
    source_ip = UnicodeAttribute(null=True)
    fields = UnicodeSetAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    # Set on an operator's action only (R-ADM-2): the AWS principal ARN and the ticket.
    operator = UnicodeAttribute(null=True)
    ticket = UnicodeAttribute(null=True)
    # The notice version a registration or an acknowledgement accepted (R-PRIV-2).
    privacy_notice_version = UnicodeAttribute(null=True)
    # R-PRIV-4: the UTC day of `at` while the event holds an address or a browser.
    detail_on = UnicodeAttribute(null=True)
    by_detail_day = AuditByDetailDay()


class LimitModel(Model):
    """Fixed-window counters for throttles: `scope#subject#window` -> count (TTL expires_at)."""

    class Meta(_Meta):
        table_name = _settings.limits_table

    key = UnicodeAttribute(hash_key=True)
    # Stored as "count"; a Python attribute of that name would hide Model.count().
    hits = NumberAttribute(default=0, attr_name="count")
    expires_at = NumberAttribute()
    # `LOGIN#<id>` for an ID with no account: the same lock-out state a user item keeps, so that a
    # wrong ID and a wrong password answer alike, lock-out included (R-AUTH-2).
    failed_logins = _numbers(null=True)
    locked_until = NumberAttribute(null=True)


class DeliveryModel(Model):
    """`DELIVERY#<address key>` -> what SES's feedback says of that address (R-MAIL-2).

    It lives in the limits table (same key and TTL attribute `expires_at`) so that a code request
    reads it in the BatchGetItem it already makes of the code and the claim; a limit's key never
    starts with `DELIVERY#`.
    """

    class Meta(_Meta):
        table_name = _settings.limits_table

    key = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)
    subtype = UnicodeAttribute(null=True)
    at = NumberAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    transient_bounces = NumberAttribute(default=0)
    # The notifications already applied (SES message id, kind, effect): redelivery is a no-op.
    events = UnicodeSetAttribute(null=True)
    expires_at = NumberAttribute()


class RetentionCursorModel(Model):
    """`RETENTION#<rule>` -> the last day the retention rule finished (R-PRIV-4). In the limits
    table, as the delivery states are; a limit's key never starts with `RETENTION#`. No expiry."""

    class Meta(_Meta):
        table_name = _settings.limits_table

    key = UnicodeAttribute(hash_key=True)
    done_through = UnicodeAttribute()


# One model per table: EmailUndoModel and TotpChallengeModel share CodeModel's table and are
# not listed.
ALL_MODELS: tuple[type[Model], ...] = (
    UserModel,
    ClaimModel,
    CodeModel,
    SessionModel,
    AuditModel,
    LimitModel,
)

# Which attribute DynamoDB's TTL reads on each table (infra/resources.json declares the same).
TTL_ATTRIBUTES: dict[type[Model], str] = {
    CodeModel: "purge_at",
    SessionModel: "expires_at",
    LimitModel: "expires_at",
}


def create_tables() -> None:
    """For the local stack and tests; in AWS the template creates them."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
        ttl_attribute = TTL_ATTRIBUTES.get(model)
        if ttl_attribute:
            model._get_connection().connection.client.update_time_to_live(
                TableName=model.Meta.table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
            )
