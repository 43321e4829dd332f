"""The composition root: builds the adapters once per container and hands them to the domain.

Tests replace `runtime().clock` to move time without sleeping.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from functools import cache

from chalicelib.config import Settings, get_settings
from chalicelib.domain.ports import Clock
from chalicelib.domain.registration import RegistrationDeps
from chalicelib.domain.security_codes import CodePolicy

log = logging.getLogger(__name__)


def _hash_key(settings: Settings) -> bytes:
    if settings.hash_key:
        return settings.hash_key.encode()
    # No configured key: fine for a throw-away local process, useless across Lambda containers.
    log.warning("HASH_KEY not set: using a random per-process key")
    return secrets.token_bytes(32)


@dataclass
class Runtime:
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

    def registration(self) -> RegistrationDeps:
        from chalicelib.mail.ses import SesMailer
        from chalicelib.store.claims import DynamoClaimStore
        from chalicelib.store.codes import DynamoCodeStore
        from chalicelib.store.users import DynamoRegistrar

        s = self.settings
        return RegistrationDeps(
            claims=DynamoClaimStore(),
            codes=DynamoCodeStore(),
            registrar=DynamoRegistrar(),
            mailer=SesMailer(s.mail_sender, s.region),
            clock=self.clock,
            hash_key=self.hash_key,
            code_policy=self.code_policy,
            senae_mail_domain=s.senae_mail_domain,
        )


@cache
def _cached_hash_key(settings: Settings) -> bytes:
    return _hash_key(settings)


@cache
def runtime() -> Runtime:
    return Runtime(get_settings())
