"""Every setting, read once from the environment.

`.chalice/config.json` sets these per stage; Lambda and `chalice local` export them before the
app is imported, and the tests export the `dev` stage's values before importing anything (see
tests/conftest.py), so all three see the same values. The defaults are the `dev` stage's, which
is why importing `app` needs no variable set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "on", "true", "yes"}


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    users_table: str
    claims_table: str
    codes_table: str
    sessions_table: str
    audit_table: str
    limits_table: str
    senae_mail_domain: str
    mail_sender: str
    cors_origin: str
    log_level: str
    security_code_ttl_seconds: int
    security_code_max_attempts: int
    code_resend_seconds: int
    code_max_per_hour: int
    code_max_per_hour_per_ip: int
    availability_max_per_minute_per_ip: int
    rate_limits_per_ip: bool
    session_idle_seconds: int
    session_absolute_seconds: int
    login_max_failures: int
    login_failure_window_seconds: int
    login_lock_seconds: int
    hash_key: str
    hash_key_parameter: str
    max_body_bytes: int
    # Where the web form is served: the links in mails (undo of an e-mail change, recovery).
    web_base_url: str
    email_undo_ttl_seconds: int
    # The answers that must not tell whether an account exists (log-in, recovery code
    # requests) are sent no sooner than this after the request arrived (R-HARD-6).
    timing_floor_ms: int
    # Security notices of one kind to one address in a day, at most (R-HARD-8).
    notices_max_per_day: int
    # R-ABUSE-2: the breached-password range look-up (off on the local stack by default).
    breached_password_check: bool
    hibp_api_url: str
    hibp_timeout_seconds: float
    # R-ABUSE-1: the proof of work asked of the code requests and the registration (ALTCHA).
    proof_of_work: bool
    altcha_max_number: int
    challenge_ttl_seconds: int
    # R-MAIL-1: the SES configuration set every send names, and the SNS topic its event
    # destination publishes to (the notification handler's trigger, fixed at package time).
    ses_configuration_set: str
    ses_events_topic: str
    # R-MAIL-3: how long a permanent bounce or a complaint keeps an address undeliverable.
    undeliverable_days: int
    # R-PRIV-1: the privacy notice's variable parts; R-PRIV-4: the retention periods.
    privacy_notice_version: str
    privacy_notice_updated_at: str
    privacy_controller: str
    privacy_controller_contact: str
    privacy_dpo_contact: str
    privacy_legal_basis: str
    deactivated_retention_days: int
    audit_detail_retention_days: int
    # Audit events and accounts one run of the retention job handles at most (R-PRIV-4).
    retention_batch: int


def _text(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


# R-PRIV-1: what the notice says until the agency configures its own (docs/privacy.md).
DEFAULT_NOTICE_VERSION = "2026-12-01"
DEFAULT_CONTROLLER = "Servicio Nacional de Aduana del Ecuador (SENAE)"
DEFAULT_CONTROLLER_CONTACT = "Av. 25 de Julio, Guayaquil; mesadeservicio@aduana.gob.ec"
DEFAULT_DPO_CONTACT = "protecciondedatos@aduana.gob.ec"
DEFAULT_LEGAL_BASIS = (
    "El cumplimiento de una obligación legal y de una misión de interés público del Servicio "
    "Nacional de Aduana del Ecuador: el registro de quienes usan el sistema Ecuapass, que exige "
    "la normativa aduanera (Art. 7 de la Ley Orgánica de Protección de Datos Personales)."
)

# The `dev` stage's web form (.chalice/config.json); `make run` passes the local one.
DEV_WEB_BASE_URL = "https://registro-dev.ecuapass.aduana.gob.ec"


def _table(kind: str, prefix: str) -> str:
    return os.environ.get(f"{kind.upper()}_TABLE", f"{prefix}-{kind}")


@cache
def get_settings() -> Settings:
    stage = os.environ.get("STAGE", "dev")
    prefix = os.environ.get("TABLE_PREFIX", f"ecuapass-{stage}")
    return Settings(
        stage=stage,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        users_table=_table("users", prefix),
        claims_table=_table("claims", prefix),
        codes_table=_table("codes", prefix),
        sessions_table=_table("sessions", prefix),
        audit_table=_table("audit", prefix),
        limits_table=_table("limits", prefix),
        senae_mail_domain=os.environ.get("SENAE_MAIL_DOMAIN", "correo.aduana.gob.ec"),
        mail_sender=os.environ.get("MAIL_SENDER", "no-responder@aduana.gob.ec"),
        cors_origin=os.environ.get("CORS_ORIGIN", "*"),
        log_level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        security_code_ttl_seconds=_int("SECURITY_CODE_TTL_SECONDS", 900),
        security_code_max_attempts=_int("SECURITY_CODE_MAX_ATTEMPTS", 5),
        code_resend_seconds=_int("CODE_RESEND_SECONDS", 60),
        code_max_per_hour=_int("CODE_MAX_PER_HOUR", 5),
        code_max_per_hour_per_ip=_int("CODE_MAX_PER_HOUR_PER_IP", 30),
        availability_max_per_minute_per_ip=_int("AVAILABILITY_MAX_PER_MINUTE_PER_IP", 60),
        rate_limits_per_ip=_flag("RATE_LIMITS_PER_IP", True),
        session_idle_seconds=_int("SESSION_IDLE_SECONDS", 30 * 60),
        session_absolute_seconds=_int("SESSION_ABSOLUTE_SECONDS", 8 * 3600),
        login_max_failures=_int("LOGIN_MAX_FAILURES", 5),
        login_failure_window_seconds=_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60),
        login_lock_seconds=_int("LOGIN_LOCK_SECONDS", 15 * 60),
        hash_key=os.environ.get("HASH_KEY", ""),
        hash_key_parameter=os.environ.get("HASH_KEY_PARAMETER", ""),
        max_body_bytes=_int("MAX_BODY_BYTES", 64 * 1024),
        web_base_url=os.environ.get("WEB_BASE_URL", DEV_WEB_BASE_URL).strip().rstrip("/"),
        # R-HARD-9: short enough that an old mailbox the owner left cannot wait long.
        email_undo_ttl_seconds=_int("EMAIL_UNDO_TTL_SECONDS", 72 * 3600),
        timing_floor_ms=_int("TIMING_FLOOR_MS", 250),
        notices_max_per_day=_int("NOTICES_MAX_PER_DAY", 10),
        breached_password_check=_flag("BREACHED_PASSWORD_CHECK", True),
        hibp_api_url=os.environ.get("HIBP_API_URL", "").strip().rstrip("/")
        or "https://api.pwnedpasswords.com",
        hibp_timeout_seconds=float(os.environ.get("HIBP_TIMEOUT_SECONDS", "").strip() or "1"),
        proof_of_work=_flag("PROOF_OF_WORK", True),
        # The widget tries on average half of these SHA-256 hashes: a mid-range phone's core,
        # about a second (R-ABUSE-1; the measurement in docs/performance.md).
        altcha_max_number=_int("ALTCHA_MAX_NUMBER", 50_000),
        challenge_ttl_seconds=_int("CHALLENGE_TTL_SECONDS", 300),
        ses_configuration_set=os.environ.get("SES_CONFIGURATION_SET", "").strip(),
        ses_events_topic=os.environ.get("SES_EVENTS_TOPIC", "").strip()
        or f"ecuapass-{stage}-ses-events",
        undeliverable_days=_int("UNDELIVERABLE_DAYS", 30),
        privacy_notice_version=_text("PRIVACY_NOTICE_VERSION", DEFAULT_NOTICE_VERSION),
        privacy_notice_updated_at=_text("PRIVACY_NOTICE_UPDATED_AT", ""),
        privacy_controller=_text("PRIVACY_CONTROLLER", DEFAULT_CONTROLLER),
        privacy_controller_contact=_text("PRIVACY_CONTROLLER_CONTACT", DEFAULT_CONTROLLER_CONTACT),
        privacy_dpo_contact=_text("PRIVACY_DPO_CONTACT", DEFAULT_DPO_CONTACT),
        privacy_legal_basis=_text("PRIVACY_LEGAL_BASIS", DEFAULT_LEGAL_BASIS),
        # R-PRIV-4: five years (docs/privacy.md gives the reasoning); the agency sets its own.
        deactivated_retention_days=_int("DEACTIVATED_RETENTION_DAYS", 1825),
        audit_detail_retention_days=_int("AUDIT_DETAIL_RETENTION_DAYS", 365),
        retention_batch=_int("RETENTION_BATCH", 2000),
    )
