"""The privacy notice (R-PRIV-1) and its versioned acknowledgement (R-PRIV-2).

The notice's variable parts (version, contacts, legal basis, retention periods) are
configuration, so that the agency changes them without a release; web/privacidad.html shows
what `GET /v1/privacy-notice` answers. A new version is acknowledged once by every person:
registration requires the current one, and a signed-in person whose acknowledged version is
older is shown the new notice until they acknowledge it (nothing else is blocked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any, Protocol

from chalicelib.domain import errors
from chalicelib.domain.clock import iso
from chalicelib.domain.notices import Mailer
from chalicelib.domain.records import AuditEvent, Caller, User, audit

# The web form's page that holds the notice (web/privacidad.html).
PAGE = "privacidad.html"
# The audit event of an acknowledgement after registration (R-PRIV-2).
ACKNOWLEDGED = "PRIVACY_NOTICE_ACKNOWLEDGED"

NOT_CURRENT = (
    "Lea el aviso de privacidad vigente y marque «He leído el aviso de privacidad» para continuar."
)
OUTDATED = (
    "El aviso de privacidad cambió mientras lo leía. Vuelva a cargar la página, lea el aviso "
    "vigente y confírmelo nuevamente."
)


@dataclass(frozen=True)
class PrivacySettings:
    """What the notice says that the agency decides (R-PRIV-1), from configuration."""

    version: str
    # When this version took effect (ISO 8601 date); the version itself when it is a date.
    updated_at: str
    url: str
    controller: str
    controller_contact: str
    dpo_contact: str
    legal_basis: str
    processor_region: str
    deactivated_retention_days: int
    audit_detail_retention_days: int


def effective_date(version: str, configured: str) -> str:
    """The notice's date: the configured one, else the version when it reads as a date."""
    if configured:
        return configured
    try:
        return date.fromisoformat(version).isoformat()
    except ValueError:
        return ""


def notice(settings: PrivacySettings) -> dict[str, Any]:
    """`GET /v1/privacy-notice`: api.md's three fields, then the variable parts the page shows."""
    return {
        "version": settings.version,
        "url": settings.url,
        "updated_at": settings.updated_at,
        "controller": settings.controller,
        "controller_contact": settings.controller_contact,
        "dpo_contact": settings.dpo_contact,
        "legal_basis": settings.legal_basis,
        "processor_region": settings.processor_region,
        "deactivated_retention_days": settings.deactivated_retention_days,
        "audit_detail_retention_days": settings.audit_detail_retention_days,
    }


def version_problem(given: str, current: str) -> str | None:
    """The refusal of a registration's `privacy_notice_version` (R-PRIV-2), or None."""
    if not given:
        return NOT_CURRENT
    if given != current:
        return OUTDATED
    return None


def account_fields(user: User, current: str) -> dict[str, Any]:
    """What `GET /v1/account` adds (api.md "Privacy"): the version acknowledged, and whether it
    is the current one. An account registered before the notice existed acknowledged none."""
    return {
        "privacy_notice_version": user.privacy_notice_version,
        "privacy_notice_current": user.privacy_notice_version == current,
    }


class AcknowledgementStore(Protocol):
    def acknowledge(self, user_id: str, version: str, at: str, event: AuditEvent) -> None:
        """Store the version and time on the user item with its audit item, in one write."""
        ...


def acknowledge(
    store: AcknowledgementStore, caller: Caller, given: str, current: str, now: float
) -> str:
    """`POST /v1/account/privacy-notice-acknowledgement`: only the current version may be
    acknowledged; acknowledging it again writes nothing (idempotent)."""
    problem = version_problem(given, current)
    if problem is not None:
        raise errors.ValidationFailed(fields={"version": problem})
    user = caller.user
    if user.privacy_notice_version == current:
        return current
    event = audit(
        user.user_id,
        ACKNOWLEDGED,
        now,
        caller.origin,
        fields=("privacy_notice_version",),
        privacy_notice_version=current,
    )
    store.acknowledge(user.user_id, current, iso(now), event)
    return current


FOOTER_TEXT = "Cómo tratamos sus datos personales (aviso de privacidad): {url}"


@dataclass
class NoticeFooterMailer:
    """Every mail the service sends ends with a link to the privacy notice (R-PRIV-1)."""

    inner: Mailer
    url: str

    def send(self, to: str, subject: str, text: str, html: str) -> None:
        footer = FOOTER_TEXT.format(url=self.url)
        text = f"{text.rstrip()}\n\n{footer}\n"
        link = f'<a href="{escape(self.url)}">{escape(self.url)}</a>'
        paragraph = (
            "<p><small>Cómo tratamos sus datos personales (aviso de privacidad): "
            f"{link}</small></p>"
        )
        html = (
            html.replace("</body>", f"{paragraph}</body>")
            if "</body>" in html
            else html + paragraph
        )
        self.inner.send(to, subject, text, html)
