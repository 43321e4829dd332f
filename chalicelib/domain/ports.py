"""What the domain needs from the outside world, and the records it exchanges with it.

The adapters in chalicelib/store and chalicelib/mail implement these; unit tests hand in small
in-memory stand-ins. A clock is a plain callable returning epoch seconds so that tests can move
time (the 15-minute code expiry) without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

Clock = Callable[[], float]

PURPOSE_REGISTRATION = "REGISTRATION"
PURPOSE_EMAIL_CHANGE = "EMAIL_CHANGE"
PURPOSE_PASSWORD_RECOVERY = "PASSWORD_RECOVERY"


def user_id_claim(user_id: str) -> str:
    return f"USERID#{user_id}"


def document_claim(document_type: str, number: str) -> str:
    return f"DOC#{document_type}#{number}"


def email_claim(email_key: str) -> str:
    return f"EMAIL#{email_key}"


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


# The editable part of a profile (R-MOD-5), in the form's order: what registration reads into a
# `forms.Contact` and a save may change; their names go to the audit trail (R-MOD-8).
CONTACT_FIELDS = (
    "name",
    "country",
    "province",
    "city",
    "address",
    "phone1",
    "phone2",
    "mobile_operator",
    "mobile",
    "fax",
)

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


class CodeStore(Protocol):
    def get(self, email_key: str, purpose: str) -> CodeRecord | None: ...

    def get_with_owner(
        self, email_key: str, purpose: str, claim: str
    ) -> tuple[CodeRecord | None, str | None]:
        """`get`, and the owner of `claim` (None if free), in one read: a code request needs
        both, and one DynamoDB call costs less time and CPU than two (make bench)."""
        ...

    def put(self, record: CodeRecord) -> CodeRecord:
        """Write `record` if the stored item is still at `record.revision`; else StaleCode."""
        ...

    def count_try(
        self,
        email_key: str,
        sent_to: str,
        purpose: str,
        requester: str,
        now: int,
        max_attempts: int,
    ) -> CodeTry:
        """In one conditional write that also reads the code: one more try in the pool of
        `requester` (the holder's if it requested the code, else everyone else's), unless the
        code was mailed to another address than `sent_to`, is used, gone, expired at `now`, or
        that pool already holds `max_attempts`."""
        ...

    def refund(self, record: CodeRecord, *, holder: bool) -> None:
        """Take back the try (in the holder's pool or the others') of a right code whose action
        was refused for another reason (a taken ID), if the code is still the one `record`
        holds."""
        ...


class ClaimStore(Protocol):
    def owner(self, claim: str) -> str | None: ...


class Registrar(Protocol):
    def register(self, user: User, code: CodeRecord, audit: AuditEvent) -> None:
        """Write user, claims and audit and consume the code in one transaction.

        Raises UserIdTaken / DocumentTaken / EmailTaken for the claim that lost, or
        SecurityCodeInvalid when the code was consumed or replaced meanwhile.
        """
        ...


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str, html: str) -> None:
        """Raises MailUnavailable when the mail service refuses or fails."""
        ...


class StaleCode(Exception):
    """The stored code changed between read and write (a concurrent request won)."""


class RateCounter(Protocol):
    """Fixed-window counters for the per-source-address throttles (domain/throttles.py)."""

    def hit(self, key: str, expires_at: int) -> int:
        """Add one to counter `key` (absent counts as 0) in one atomic write; the new count."""
        ...


# Accounts and sessions (R-AUTH-*, R-MOD-*, R-DEL-*) -------------------------------------------

STATUS_ACTIVE = "ACTIVE"
STATUS_DEACTIVATED = "DEACTIVATED"


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


@dataclass(frozen=True)
class EmailMove:
    """The EMAIL claim moving from the old address to the new one (R-MOD-6)."""

    old_key: str
    new_key: str
    code: CodeRecord


@dataclass(frozen=True)
class EmailUndo:
    """The one-time link mailed to the old address after an e-mail change (issue 8).

    Only the token's keyed hash is stored. `version` is the account version the change produced,
    which orders the links of one account (see chalicelib/domain/recovery.py).
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
    # The one-time link to undo `email`, stored in the same transaction (issue 8).
    undo: EmailUndo | None = None
    # With a password change: the lock-out state its attempt was counted against. The save
    # clears the run of failures, conditional on no lock set since (R-HARD-1).
    login: LoginState | None = None
    # The account's list of pending undo links after this change (R-HARD-9); None: unchanged.
    undo_links: tuple[UndoLink, ...] | None = None


class SessionStore(Protocol):
    def load(self, token_hash: str, user_id: str) -> tuple[Session | None, User | None]:
        """The session and its user, in one read."""
        ...

    def touch(self, session: Session) -> bool:
        """Store the session's new last_seen/expires_at; False when it no longer exists."""
        ...

    def delete(self, token_hash: str) -> None: ...


class SessionOpener(Protocol):
    """What log-in writes (sessions.SessionDeps); AccountStore has it too."""

    def open_session(
        self,
        session: Session,
        audit: AuditEvent,
        *,
        before: LoginState,
        after: LoginState,
        rehash: tuple[str, str] | None = None,
    ) -> bool:
        """Store the session and its audit item, replace the lock-out state `before` by `after`
        and the password hash (old, new) when asked, in one write; False (nothing written) when
        the stored state or hash is no longer the one read."""
        ...


class AccountStore(SessionOpener, Protocol):
    def change(self, change: AccountChange) -> None:
        """One transaction; StaleUpdate, EmailTaken or SecurityCodeInvalid when refused."""
        ...

    def deactivate(
        self, user: User, *, reason: str, at: str, audit: AuditEvent, login: LoginState
    ) -> None:
        """Status, claims, sessions and audit in one transaction; StaleUpdate if the account
        is no longer active, changed since it was read, or was locked since `login`."""
        ...

    def confirm_email_change(self, confirmation: EmailChangeConfirmation) -> None:
        """Void every undo link issued up to `confirmation.version` and audit it, in one write;
        StaleUpdate if the account changed since it was read (R-HARD-9)."""
        ...


# Password recovery and the undo of an e-mail change (issue 8) -----------------------------------


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


class RecoveryStore(Protocol):
    def user_by_id(self, user_id: str) -> User | None:
        """One read, whether or not the account exists."""
        ...

    def reset_password(self, reset: PasswordReset) -> None:
        """AccountDeactivated, or SecurityCodeInvalid (code used, or the address changed)."""
        ...

    def load_undo(self, token_hash: str) -> tuple[EmailUndo | None, User | None, list[UndoVoid]]:
        """The link, its account and the account's voided ranges of links."""
        ...

    def restore_email(self, restore: EmailRestore) -> None:
        """StaleUpdate, EmailTaken (the old address is another account's) or LinkUsed."""
        ...

    def record(self, event: AuditEvent) -> None:
        """One audit item on its own (a recovery code was requested)."""
        ...
