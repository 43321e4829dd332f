"""Throttles per source address (R-REG-11 "so that the service cannot be used to flood
someone's mailbox", and the availability checks' enumeration): how many codes one source can have
mailed and how many availability checks it can make, each a fixed window counted with one atomic
increment (docs/architecture-notes.md, "Throttles per source address")."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain import errors, tokens
from chalicelib.domain.clock import Clock, minutes_up

# The kinds of request limited per source address.
CODE_REQUESTS = "CODE_IP"
AVAILABILITY_CHECKS = "AVAILABILITY_IP"

# A counter item outlives its window a little, so a clock slightly behind DynamoDB's TTL
# sweeper never sees a window's count vanish while the window is still open.
EXPIRY_MARGIN_SECONDS = 60


class RateCounter(Protocol):
    """Fixed-window counters for the per-source-address throttles and the notice caps."""

    def hit(self, key: str, expires_at: int) -> int:
        """Add one to counter `key` (absent counts as 0) in one atomic write; the new count."""
        ...


@dataclass(frozen=True)
class Limit:
    max_requests: int
    window_seconds: int


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} segundos"
    return f"{minutes_up(seconds)} minutos"


MESSAGES = {
    CODE_REQUESTS: "Se solicitaron demasiados códigos de seguridad desde su conexión. "
    "Intente nuevamente en {wait}.",
    AVAILABILITY_CHECKS: "Se realizaron demasiadas consultas de disponibilidad desde su "
    "conexión. Intente nuevamente en {wait}.",
}


def source_of(source_ip: str) -> str:
    """What one client is: its IPv4 address, or the /64 network of its IPv6 address.

    An IPv6 subscriber is normally given a whole /64 (2^64 addresses), so counting single IPv6
    addresses would let one client change address on every request.
    """
    try:
        address = ipaddress.ip_address(source_ip.strip())
    except ValueError:
        return source_ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def counter_key(key: bytes, kind: str, source_ip: str, window: int) -> str:
    """`CODE_IP#<keyed hash of the source>#<window number>`: one item per source and window."""
    return f"{kind}#{tokens.keyed_hash(key, 'source', kind, source_of(source_ip))[:32]}#{window}"


@dataclass
class SourceThrottle:
    counter: RateCounter
    clock: Clock
    hash_key: bytes
    limits: Mapping[str, Limit]

    def check(self, kind: str, source_ip: str) -> None:
        """Counts this request; TooManyRequests (429 + Retry-After) once over the limit.

        A refused request counts too: a client that keeps hammering stays refused until the
        window ends, and never gets more than the limit through.
        """
        limit = self.limits[kind]
        now = int(self.clock())
        window = now // limit.window_seconds
        window_end = (window + 1) * limit.window_seconds
        count = self.counter.hit(
            counter_key(self.hash_key, kind, source_ip, window),
            expires_at=window_end + EXPIRY_MARGIN_SECONDS,
        )
        if count > limit.max_requests:
            wait = max(1, window_end - now)
            raise errors.TooManyRequests(
                MESSAGES[kind].format(wait=_wait_text(wait)), retry_after=wait
            )
