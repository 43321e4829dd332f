"""The records the domain exchanges with the store: accounts, codes, sessions, audit events and
the changes written in one transaction each (R-MOD-7)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any

from chalicelib.domain.clock import iso

PURPOSE_REGISTRATION = "REGISTRATION"
PURPOSE_EMAIL_CHANGE = "EMAIL_CHANGE"
PURPOSE_PASSWORD_RECOVERY = "PASSWORD_RECOVERY"

STATUS_ACTIVE = "ACTIVE"
STATUS_DEACTIVATED = "DEACTIVATED"


@dataclass
class CodeRecord:
    """A security code for one mailbox and purpose; only its keyed hash is kept.

    `email_key` is the mailbox (`fields.mailbox_key`), so that the throttles on `sends` count
    by mailbox (R-HARD-3); `sent_to` is the exact address key the code was mailed to, the only
    one it proves. A record that names none (written before R-HARD-3) went to its mailbox.
    """

    email_key: str
    purpose: str
    code_hash: str | None
    expires_at: int
    attempts: int = 0
    sends: list[int] = field(default_factory=list)
    used: bool = False
    # Version of the stored item this record was read from (0: none), for conditional writes.
    revision: int = 0
    sent_to: str = ""
    # Keyed hash of the source that requested the code ('' on items older than R-HARD-4: every
    # source counts as the requester), and the wrong tries of every other source.
    requester: str = ""
    foreign_attempts: int = 0

    def __post_init__(self) -> None:
        self.sent_to = self.sent_to or self.email_key


@dataclass(frozen=True)
class CodeTry:
    """A try at a code, counted (or refused) before the code is compared (R-HARD-1)."""

    # The code after the try was counted, or as found when it was not (None: no code).
    record: CodeRecord | None
    counted: bool


@dataclass
class User:
    user_id: str
    document_type: str
    document_number: str
    name: str
    password_hash: str
    country: str
    province: str | None
    city: str | None
    address: str
    phone1: str
    phone2: str | None
    mobile_operator: str | None
    mobile: str | None
    fax: str | None
    email: str
    senae_email: str
    status: str = "ACTIVE"
    created_at: str = ""
    updated_at: str = ""
    version: int = 1
    session_epoch: int = 0
    failed_logins: list[int] = field(default_factory=list)
    locked_until: int = 0
    # When the last lock-out notice was mailed: one an hour at most (R-HARD-8).
    lock_notice_at: int = 0
    must_recover_password: bool = False
    deactivation_reason: str | None = None
    deactivated_at: str | None = None
    # The name given at registration, the second baseline of the name rule (R-HARD-5); never
    # shown (not in PROFILE_FIELDS). None on an account registered before it was kept: see
    # accounts.name_baseline.
    registered_name: str | None = None
    # R-HARD-9: the undo links the account issued that may still be usable, and the version up
    # to which the owner confirmed the e-mail changes (links of changes up to it are void).
    email_undo_links: tuple[UndoLink, ...] = ()
    email_undo_confirmed_through: int = 0
    # R-MAIL-3: until when the address does not receive mail (0: it does), as SES's feedback
    # left it; mirrored on the user item so that reading the account costs no call more.
    email_undeliverable_until: int = 0

    def email_deliverable(self, now: float) -> bool:
        return self.email_undeliverable_until <= now

    # The second factor (R-SEC-2, chalicelib/domain/totp.py): the sealed secret once confirmed
    # (None: no second factor), the one shown at enrolment until its first code confirms it,
    # the last TOTP step accepted (no replay) and the keyed hashes of the unused recovery codes.
    totp_secret: str | None = None
    totp_pending: str | None = None
    totp_last_step: int = 0
    totp_recovery: tuple[str, ...] = ()

    @property
    def totp_enabled(self) -> bool:
        return self.totp_secret is not None

    # R-PRIV-2: the privacy notice version last acknowledged, and when (None on accounts
    # registered before the notice existed: they are shown it until they acknowledge it).
    privacy_notice_version: str | None = None
    privacy_notice_acknowledged_at: str | None = None
    # R-PRIV-4: when the retention rule (or the help desk's erase) anonymised the account.
    anonymised_at: str | None = None


@dataclass(frozen=True)
class Contact:
    """The editable part of a profile (R-REG-3, R-REG-5 … R-REG-9, R-MOD-5), in the form's order:
    what registration reads and a save may change; their names go to the audit trail (R-MOD-8)."""

    name: str
    country: str
    province: str | None
    city: str | None
    address: str
    phone1: str
    phone2: str | None
    mobile_operator: str | None
    mobile: str | None
    fax: str | None


CONTACT_FIELDS = tuple(f.name for f in fields(Contact))

# What GET /v1/account shows (R-MOD-1, api.md), in api.md's order.
PROFILE_FIELDS = (
    "user_id",
    "document_type",
    "document_number",
    *CONTACT_FIELDS,
    "email",
    "senae_email",
    "status",
    "created_at",
    "updated_at",
    "version",
)


@dataclass(frozen=True)
class AuditEvent:
    user_id: str
    event: str
    at: str
    source_ip: str
    fields: tuple[str, ...] = ()
    detail: str = ""
    user_agent: str = ""
    # An operator's action (R-ADM-2): the AWS principal that made it and the help-desk ticket.
    operator: str = ""
    ticket: str = ""
    # The privacy notice version a registration or an acknowledgement accepted (R-PRIV-2).
    privacy_notice_version: str = ""


def audit(
    user_id: str,
    event: str,
    now: float,
    origin: Origin,
    *,
    fields: tuple[str, ...] = (),
    detail: str = "",
    privacy_notice_version: str = "",
) -> AuditEvent:
    """An audit item (R-MOD-8): who, what, when, and from where the request came."""
    return AuditEvent(
        user_id,
        event,
        iso(now),
        origin.source_ip,
        fields=fields,
        detail=detail,
        user_agent=origin.user_agent,
        privacy_notice_version=privacy_notice_version,
    )


# The longest user agent an Origin keeps (the audit trail, R-MOD-8).
USER_AGENT_MAX = 256


@dataclass(frozen=True)
class Origin:
    """Where a request came from, for the audit trail (R-MOD-8) and the notices."""

    source_ip: str
    user_agent: str = ""


@dataclass(frozen=True)
class LoginState:
    """Failed password attempts still inside the window, and the lock they caused (R-AUTH-2)."""

    failures: tuple[int, ...] = ()
    locked_until: int = 0


@dataclass(frozen=True)
class Session:
    """A log-in; the token itself is never stored, only its keyed hash."""

    token_hash: str
    user_id: str
    epoch: int
    created_at: int
    last_seen: int
    expires_at: int
    # Where and on what it was opened (R-SEC-1): the log-in's source address and the short
    # description chalicelib.domain.devices gives its user agent. Empty on sessions opened
    # before they were kept.
    source_ip: str = ""
    device: str = ""


@dataclass(frozen=True)
class TotpChallenge:
    """The second step of a log-in whose password was right (R-SEC-2): good once, until
    `expires_at`, for the account at the session epoch the password was checked at. Only the
    keyed hash of the challenge token is stored."""

    challenge_hash: str
    user_id: str
    epoch: int
    expires_at: int


class FactorWrite(Enum):
    """How a write of the second factor ended (chalicelib/store/second_factor.py)."""

    WRITTEN = "written"
    # The lock-out state is no longer the one read: read it again and retry (R-HARD-1).
    STATE_MOVED = "state moved"
    # The factor changed meanwhile: the code or recovery code was used by a concurrent request,
    # or the factor was turned on, off or enrolled again.
    FACTOR_CHANGED = "factor changed"
    # The log-in's challenge was completed meanwhile (or expired away).
    CHALLENGE_USED = "challenge used"


@dataclass(frozen=True)
class Caller:
    """The authenticated user of a request, from the one read the session check made."""

    user: User
    session: Session
    origin: Origin


@dataclass(frozen=True)
class EmailMove:
    """The EMAIL claim moving from the old address to the new one (R-MOD-6)."""

    old_key: str
    new_key: str
    code: CodeRecord


@dataclass(frozen=True)
class EmailUndo:
    """The one-time link mailed to the old address after an e-mail change (R-HARD-9).

    Only the token's keyed hash is stored. `version` is the account version the change produced,
    which orders the links of one account (docs/architecture-notes.md).
    """

    token_hash: str
    user_id: str
    old_email: str
    version: int
    expires_at: int
    used: bool = False


@dataclass(frozen=True)
class UndoLink:
    """An undo link as the user item lists it while it may be used (R-HARD-9): the version its
    change produced, when it expires, and the address it was mailed to. The token is not kept
    here; the link's own item holds only its keyed hash."""

    version: int
    expires_at: int
    old_email: str


def pending_links(user: User, now: int) -> tuple[UndoLink, ...]:
    """The account's undo links that still work: not expired, not confirmed away. Used links and
    those an undo voided leave the list in the undo's own write."""
    return tuple(
        link
        for link in user.email_undo_links
        if link.expires_at > now and link.version > user.email_undo_confirmed_through
    )


@dataclass(frozen=True)
class EmailChangeConfirmation:
    """The owner confirms the e-mail changes up to `version` (R-HARD-9): every undo link issued
    so far stops working. One write, conditional on `version`, with its audit item."""

    user_id: str
    version: int
    audit: AuditEvent


@dataclass(frozen=True)
class AccountChange:
    """Everything one save changes, written in one transaction conditional on `version`."""

    user_id: str
    version: int
    updated_at: str
    # Attribute name -> new value; None removes the attribute (an emptied optional field).
    values: dict[str, str | None]
    audit: tuple[AuditEvent, ...]
    password_hash: str | None = None
    session_epoch: int | None = None
    # The session that made the change stays valid when the epoch moves (token hash).
    keep_session: str | None = None
    email: EmailMove | None = None
    # The one-time link to undo `email`, stored in the same transaction (R-HARD-9).
    undo: EmailUndo | None = None
    # With a password change: the lock-out state its attempt was counted against. The save
    # clears the run of failures, conditional on no lock set since (R-HARD-1).
    login: LoginState | None = None
    # The account's list of pending undo links after this change (R-HARD-9); None: unchanged.
    undo_links: tuple[UndoLink, ...] | None = None

    def password_writes(self) -> dict[str, Any]:
        """The user attributes a password change sets: the new hash, the session epoch moved on
        (every other session ends, R-AUTH-4) and the lock-out cleared (R-HARD-1). The store
        writes them and the use case applies them to the user it answers with."""
        if self.password_hash is None or self.session_epoch is None:
            return {}
        return {
            "password_hash": self.password_hash,
            "session_epoch": self.session_epoch,
            "failed_logins": [],
            "locked_until": 0,
        }


@dataclass(frozen=True)
class UndoVoid:
    """Undo links the account issued after version `after` and up to version `through` stopped
    working when a link issued at `after` was used; kept until `until` (epoch seconds), when every
    link it covers has expired anyway."""

    after: int
    through: int
    until: int


@dataclass(frozen=True)
class PasswordReset:
    """A recovered password, written in one transaction with the code's consumption."""

    user_id: str
    # The address the code went to: the reset is refused if the account's address changed since.
    email: str
    password_hash: str
    updated_at: str
    code: CodeRecord
    audit: AuditEvent


@dataclass(frozen=True)
class EmailRestore:
    """The undo of an e-mail change, written in one transaction conditional on `version`."""

    user_id: str
    version: int
    updated_at: str
    restored_email: str
    # The EMAIL claim given up; None when the account already holds the restored address.
    released_key: str | None
    restored_key: str
    voids: tuple[UndoVoid, ...]
    token_hash: str
    audit: AuditEvent
    # The version of the link used: the write is refused if the owner confirmed the changes up
    # to it meanwhile (R-HARD-9). And the pending links once it and those it voids are gone.
    link_version: int
    undo_links: tuple[UndoLink, ...]


@dataclass(frozen=True)
class SessionsEnding:
    """Sessions of one account ended in one transaction, with its audit item (R-SEC-1).

    Each of `token_hashes` is deleted if it is still there and the account's. With `epoch` (the
    account's session epoch as read), the epoch also moves on, which ends every session of the
    account at once, those the list did not show included; `keep` (a token hash) survives it.
    """

    user_id: str
    token_hashes: tuple[str, ...]
    audit: AuditEvent
    epoch: int | None = None
    keep: str | None = None
