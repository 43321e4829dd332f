"""Security notices to the account's personal address: password changed or recovered,
e-mail replaced (to the *old* address, with the undo link), account deactivated, account locked.

Each says when (Ecuador's time), from which IP address, and what to do if it was not the owner.
A notice goes out after its change is committed: a mail failure is logged for the operators and
never turns a done change into an error.

Every kind of notice has a cap per address and day (R-HARD-8), so that repeating an action
cannot flood a mailbox; the lock-out notice has its own, tighter one (domain/lockout.py). The
security-code mails are capped by their own throttle (domain/security_codes.py), and the welcome
mail follows a code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from chalicelib.domain import errors, messages, tokens
from chalicelib.domain.clock import DAY, Clock, ecuador_time, minutes_up
from chalicelib.domain.delivery import DeliveryStore, deliverable
from chalicelib.domain.records import Origin, User
from chalicelib.domain.throttles import RateCounter

log = logging.getLogger(__name__)

# A counter item outlives its day a little (as the source throttles' do).
EXPIRY_MARGIN_SECONDS = 60


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str, html: str) -> None:
        """Raises MailUnavailable when the mail service refuses or fails."""
        ...


@dataclass
class MailCap:
    """At most `per_day` notices of one kind to one address in a day (R-HARD-8): one atomic
    counter per kind, address and day, kept under a keyed hash of the address."""

    counter: RateCounter
    clock: Clock
    hash_key: bytes
    per_day: int

    def allows(self, kind: str, address: str) -> bool:
        day = int(self.clock()) // DAY
        subject = tokens.keyed_hash(self.hash_key, "notice", kind, address.lower())[:32]
        count = self.counter.hit(
            f"MAIL#{subject}#{day}", expires_at=(day + 1) * DAY + EXPIRY_MARGIN_SECONDS
        )
        return count <= self.per_day


@dataclass
class Notices:
    mailer: Mailer
    # Where the web form lives (WEB_BASE_URL), for the links in the notices.
    web_base_url: str
    # None: no cap (unit tests).
    cap: MailCap | None = None
    # The delivery state of addresses other than the account's own (R-MAIL-3); None: not read.
    delivery: DeliveryStore | None = None

    def recover_link(self, user_id: str) -> str:
        return f"{self.web_base_url}/recuperar.html?id={quote(user_id)}"

    def undo_link(self, token: str) -> str:
        return f"{self.web_base_url}/undo-email.html?token={quote(token)}"

    def send(self, to: str, mail: messages.Mail, user_id: str) -> None:
        # The subject names the kind of notice.
        if self.cap is not None and not self.cap.allows(mail[0], to):
            log.warning(
                "security notice over its cap", extra={"user_id": user_id, "subject": mail[0]}
            )
            return
        try:
            self.mailer.send(to, *mail)
        except errors.MailUnavailable:
            log.warning("security notice not sent", extra={"user_id": user_id, "subject": mail[0]})

    def to_owner(self, user: User, mail: messages.Mail, when: float) -> None:
        """A notice to the account's own address, unless SES's feedback made it undeliverable
        (R-MAIL-3): it would bounce again and weigh on the bounce rate."""
        if not user.email_deliverable(when):
            log.info(
                "security notice not sent: address undeliverable",
                extra={"user_id": user.user_id, "subject": mail[0]},
            )
            return
        self.send(user.email, mail, user.user_id)

    def to_address(self, address: str, mail: messages.Mail, user_id: str, when: float) -> None:
        """A notice to an address the account no longer (or not yet) holds, unless SES's
        feedback made it undeliverable (R-MAIL-3): one read of its delivery state. If that read
        fails the notice goes anyway: a security notice matters more than one bounce."""
        if self.delivery is not None:
            try:
                state = self.delivery.get(address)
            except errors.ServiceUnavailable:
                state = None
            if not deliverable(state, when):
                log.info(
                    "security notice not sent: address undeliverable",
                    extra={"user_id": user_id, "subject": mail[0]},
                )
                return
        self.send(address, mail, user_id)

    def password_changed(self, user: User, when: float, origin: Origin) -> None:
        mail = messages.password_changed(
            user.user_id,
            ecuador_time(when),
            origin.source_ip,
            recover_link=self.recover_link(user.user_id),
        )
        self.to_owner(user, mail, when)

    def password_recovered(self, user: User, when: float, origin: Origin) -> None:
        mail = messages.password_recovered(
            user.user_id,
            ecuador_time(when),
            origin.source_ip,
            recover_link=self.recover_link(user.user_id),
        )
        self.to_owner(user, mail, when)

    def email_replaced(
        self,
        user: User,
        new_email: str,
        when: float,
        origin: Origin,
        *,
        undo_token: str | None,
        undo_ttl_seconds: int,
    ) -> None:
        """To `user.email`, the address being replaced."""
        mail = messages.email_replaced(
            user.user_id,
            new_email,
            ecuador_time(when),
            origin.source_ip,
            undo_link=self.undo_link(undo_token) if undo_token else None,
            undo_lifetime=messages.lifetime(undo_ttl_seconds),
        )
        self.to_owner(user, mail, when)

    def email_restored(self, user: User, restored: str, when: float, origin: Origin) -> None:
        """After an undo: to the restored address, and to the one it replaced (`user.email`)."""
        stamp = ecuador_time(when)
        mail = messages.email_restored(
            user.user_id, stamp, origin.source_ip, recover_link=self.recover_link(user.user_id)
        )
        self.to_address(restored, mail, user.user_id, when)
        if user.email.lower() != restored.lower():
            mail = messages.email_change_undone(user.user_id, restored, stamp, origin.source_ip)
            self.to_owner(user, mail, when)

    def email_change_confirmed(
        self, user: User, addresses: list[str], when: float, origin: Origin
    ) -> None:
        """R-HARD-9: to each address whose undo link the owner's confirmation voided."""
        mail = messages.email_change_confirmed(user.user_id, ecuador_time(when), origin.source_ip)
        for address in addresses:
            self.to_address(address, mail, user.user_id, when)

    def deactivated(self, user: User, when: float, origin: Origin) -> None:
        mail = messages.deactivated(user.user_id, ecuador_time(when), origin.source_ip)
        self.to_owner(user, mail, when)

    def account_locked(
        self, user: User, when: float, origin: Origin, *, failures: int, lock_seconds: int
    ) -> None:
        mail = messages.account_locked(
            user.user_id,
            ecuador_time(when),
            origin.source_ip,
            failures=failures,
            minutes=max(1, minutes_up(lock_seconds)),
            recover_link=self.recover_link(user.user_id),
        )
        self.to_owner(user, mail, when)

    def totp_enabled(self, user: User, when: float, origin: Origin) -> None:
        mail = messages.totp_enabled(user.user_id, ecuador_time(when), origin.source_ip)
        self.to_owner(user, mail, when)

    def totp_disabled(self, user: User, when: float, origin: Origin) -> None:
        mail = messages.totp_disabled(user.user_id, ecuador_time(when), origin.source_ip)
        self.to_owner(user, mail, when)

    def totp_removed_by_desk(self, user: User, when: float, ticket: str) -> None:
        mail = messages.totp_removed_by_desk(user.user_id, ecuador_time(when), ticket)
        self.to_owner(user, mail, when)

    def recovery_code_used(self, user: User, when: float, origin: Origin, *, left: int) -> None:
        mail = messages.recovery_code_used(
            user.user_id, ecuador_time(when), origin.source_ip, left=left
        )
        self.to_owner(user, mail, when)
