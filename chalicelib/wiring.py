"""The composition root: builds the adapters once per container and hands them to the domain.

Tests replace `services().clock` to move time without sleeping.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from functools import cache

from chalicelib.config import Settings, get_settings
from chalicelib.domain import errors
from chalicelib.domain.account_sessions import AccountSessionsDeps
from chalicelib.domain.accounts import AccountDeps
from chalicelib.domain.breached_passwords import RangeLookup
from chalicelib.domain.clock import HOUR, MINUTE, Clock
from chalicelib.domain.delivery import DeliveryStore
from chalicelib.domain.lockout import LockoutPolicy, PasswordGate
from chalicelib.domain.notices import MailCap, Mailer, Notices
from chalicelib.domain.privacy_notice import (
    PAGE,
    NoticeFooterMailer,
    PrivacySettings,
    effective_date,
)
from chalicelib.domain.proof_of_work import ProofOfWork, hmac_key
from chalicelib.domain.recovery import RecoveryDeps
from chalicelib.domain.registration import RegistrationDeps
from chalicelib.domain.retention import RetentionDeps, RetentionPolicy
from chalicelib.domain.second_factor import SecondFactorDeps
from chalicelib.domain.security_codes import CodePolicy, CodeService
from chalicelib.domain.sessions import SessionDeps, SessionPolicy
from chalicelib.domain.throttles import AVAILABILITY_CHECKS, CODE_REQUESTS, Limit, SourceThrottle

log = logging.getLogger(__name__)


# Only `chalice local` may run on a throw-away key: anywhere else every container must share it.
LOCAL_STAGES = frozenset({"local"})
MIN_PARAMETER_KEY_CHARS = 32


def _parameter_key(name: str, region: str) -> bytes:
    """The SecureString's value, decrypted by SSM; read once per container (`_cached_hash_key`)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib import aws

    try:
        answer = aws.client("ssm", region, attempts=3).get_parameter(Name=name, WithDecryption=True)
    except (BotoCoreError, ClientError) as exc:
        code = aws.error_code(exc)
        log.error("hash key parameter unreadable", extra={"aws_error": code, "parameter": name})
        raise errors.ServiceUnavailable() from exc
    value = str(answer["Parameter"]["Value"])
    if len(value) < MIN_PARAMETER_KEY_CHARS:
        log.error("hash key parameter too short", extra={"parameter": name})
        raise errors.ServiceUnavailable()
    return value.encode()


def _hash_key(settings: Settings) -> bytes:
    if settings.hash_key:
        return settings.hash_key.encode()
    if settings.hash_key_parameter:
        return _parameter_key(settings.hash_key_parameter, settings.region)
    if settings.stage not in LOCAL_STAGES:
        # A random key here would make every container disagree about every code and token.
        log.error("no hash key configured", extra={"stage": settings.stage})
        raise errors.ServiceUnavailable()
    log.warning("HASH_KEY not set: using a random per-process key")
    return secrets.token_bytes(32)


@dataclass
class Services:
    settings: Settings
    clock: Clock = field(default=time.time)

    @property
    def hash_key(self) -> bytes:
        return _cached_hash_key(self.settings)

    @property
    def code_policy(self) -> CodePolicy:
        s = self.settings
        return CodePolicy(
            ttl_seconds=s.security_code_ttl_seconds,
            max_attempts=s.security_code_max_attempts,
            resend_seconds=s.code_resend_seconds,
            max_per_hour=s.code_max_per_hour,
        )

    @property
    def privacy(self) -> PrivacySettings:
        """The privacy notice's variable parts and the retention periods (R-PRIV-1, R-PRIV-4)."""
        s = self.settings
        return PrivacySettings(
            version=s.privacy_notice_version,
            updated_at=effective_date(s.privacy_notice_version, s.privacy_notice_updated_at),
            url=f"{s.web_base_url}/{PAGE}",
            controller=s.privacy_controller,
            controller_contact=s.privacy_controller_contact,
            dpo_contact=s.privacy_dpo_contact,
            legal_basis=s.privacy_legal_basis,
            processor_region=s.region,
            deactivated_retention_days=s.deactivated_retention_days,
            audit_detail_retention_days=s.audit_detail_retention_days,
        )

    def mailer(self) -> Mailer:
        """SES, every mail ending with the privacy notice's link (R-PRIV-1)."""
        from chalicelib.mail.ses import SesMailer

        s = self.settings
        return NoticeFooterMailer(
            SesMailer(s.mail_sender, s.region, s.ses_configuration_set), self.privacy.url
        )

    def codes(self) -> CodeService:
        from chalicelib.store.codes import DynamoCodeStore

        return CodeService(
            store=DynamoCodeStore(),
            mailer=self.mailer(),
            clock=self.clock,
            key=self.hash_key,
            policy=self.code_policy,
        )

    def registration(self) -> RegistrationDeps:
        from chalicelib.store.claims import DynamoClaimStore
        from chalicelib.store.registration import DynamoRegistrar

        return RegistrationDeps(
            claims=DynamoClaimStore(),
            codes=self.codes(),
            registrar=DynamoRegistrar(),
            senae_mail_domain=self.settings.senae_mail_domain,
            privacy_notice_version=self.settings.privacy_notice_version,
        )

    @property
    def lockout_policy(self) -> LockoutPolicy:
        s = self.settings
        return LockoutPolicy(
            max_failures=s.login_max_failures,
            window_seconds=s.login_failure_window_seconds,
            lock_seconds=s.login_lock_seconds,
        )

    @property
    def session_policy(self) -> SessionPolicy:
        """When a session ends (R-AUTH-1): for the log-in, the session list and the help desk."""
        s = self.settings
        return SessionPolicy(
            idle_seconds=s.session_idle_seconds, absolute_seconds=s.session_absolute_seconds
        )

    def password_gate(self) -> PasswordGate:
        from chalicelib.store.accounts import DynamoAccountStore

        return PasswordGate(
            DynamoAccountStore(), self.clock, self.lockout_policy, notices=self.notices()
        )

    def sessions(self) -> SessionDeps:
        from chalicelib.store.accounts import DynamoAccountStore
        from chalicelib.store.second_factor import DynamoSecondFactorStore
        from chalicelib.store.sessions import DynamoSessionStore

        return SessionDeps(
            accounts=DynamoAccountStore(),
            sessions=DynamoSessionStore(),
            gate=self.password_gate(),
            clock=self.clock,
            hash_key=self.hash_key,
            policy=self.session_policy,
            factors=DynamoSecondFactorStore(),
            notices=self.notices(),
        )

    def second_factor(self) -> SecondFactorDeps:
        """Enrolment, confirmation and removal of the second factor (R-SEC-2)."""
        from chalicelib.store.second_factor import DynamoSecondFactorStore

        return SecondFactorDeps(
            factors=DynamoSecondFactorStore(),
            gate=self.password_gate(),
            clock=self.clock,
            hash_key=self.hash_key,
            notices=self.notices(),
        )

    def account_sessions(self) -> AccountSessionsDeps:
        """The session list and its endings (R-SEC-1)."""
        from chalicelib.store.sessions import DynamoSessionStore

        return AccountSessionsDeps(
            store=DynamoSessionStore(),
            clock=self.clock,
            hash_key=self.hash_key,
            policy=self.session_policy,
        )

    def accounts(self) -> AccountDeps:
        from chalicelib.store.accounts import DynamoAccountStore
        from chalicelib.store.claims import DynamoClaimStore

        s = self.settings
        return AccountDeps(
            accounts=DynamoAccountStore(),
            claims=DynamoClaimStore(),
            codes=self.codes(),
            gate=self.password_gate(),
            web_base_url=s.web_base_url,
            undo_ttl_seconds=s.email_undo_ttl_seconds,
            notices=self.notices(),
        )

    def mail_cap(self) -> MailCap:
        from chalicelib.store.limits import DynamoRateCounter

        return MailCap(
            DynamoRateCounter(), self.clock, self.hash_key, self.settings.notices_max_per_day
        )

    def notices(self) -> Notices:
        """Security notices, with links to the web form at WEB_BASE_URL."""
        return Notices(
            self.mailer(), self.settings.web_base_url, self.mail_cap(), delivery=self.delivery()
        )

    def recovery(self) -> RecoveryDeps:
        from chalicelib.store.recovery import DynamoRecoveryStore

        return RecoveryDeps(
            store=DynamoRecoveryStore(),
            codes=self.codes(),
            notices=self.notices(),
            undo_ttl_seconds=self.settings.email_undo_ttl_seconds,
        )

    def source_throttle(self) -> SourceThrottle | None:
        """The per-source-address throttles; None (and so no DynamoDB call) when
        RATE_LIMITS_PER_IP is off."""
        from chalicelib.store.limits import DynamoRateCounter

        s = self.settings
        if not s.rate_limits_per_ip:
            return None
        return SourceThrottle(
            counter=DynamoRateCounter(),
            clock=self.clock,
            hash_key=self.hash_key,
            limits={
                CODE_REQUESTS: Limit(s.code_max_per_hour_per_ip, HOUR),
                AVAILABILITY_CHECKS: Limit(s.availability_max_per_minute_per_ip, MINUTE),
            },
        )

    def delivery(self) -> DeliveryStore:
        """The delivery state per address that SES's feedback keeps (R-MAIL-2)."""
        from chalicelib.store.delivery import DynamoDeliveryStore

        return DynamoDeliveryStore()

    def retention(self) -> RetentionDeps:
        """The retention job's rules and store (R-PRIV-4)."""
        from chalicelib.store.retention import DynamoRetentionStore

        s = self.settings
        return RetentionDeps(
            store=DynamoRetentionStore(),
            policy=RetentionPolicy(
                deactivated_days=s.deactivated_retention_days,
                audit_detail_days=s.audit_detail_retention_days,
                batch=s.retention_batch,
            ),
            clock=self.clock,
        )

    def breached_passwords(self) -> RangeLookup | None:
        """The range look-up (R-ABUSE-2); None (no call) when BREACHED_PASSWORD_CHECK is off."""
        from chalicelib.breach_range import RangeClient

        s = self.settings
        if not s.breached_password_check:
            return None
        return RangeClient(s.hibp_api_url, s.hibp_timeout_seconds)

    def proof_of_work(self) -> ProofOfWork | None:
        """The challenges and their single use (R-ABUSE-1); None when PROOF_OF_WORK is off."""
        from chalicelib.store.proof_of_work import DynamoSpentSolutions

        s = self.settings
        if not s.proof_of_work:
            return None
        return ProofOfWork(
            key=hmac_key(self.hash_key),
            clock=self.clock,
            max_number=s.altcha_max_number,
            ttl_seconds=s.challenge_ttl_seconds,
            spent=DynamoSpentSolutions(),
        )


@cache
def _cached_hash_key(settings: Settings) -> bytes:
    return _hash_key(settings)


@cache
def services() -> Services:
    return Services(get_settings())
