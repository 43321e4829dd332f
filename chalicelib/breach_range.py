"""The HTTP adapter of the breached-password check (R-ABUSE-2): stdlib urllib, fail-open.

Any failure (timeout, connection, non-200) answers None and logs the warning
`breached_password_check_unavailable` with at most the prefix's first character: the
registration goes on rather than depend on a third party's availability.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request

from chalicelib import metrics

log = logging.getLogger(__name__)

UNAVAILABLE = "breached_password_check_unavailable"
MAX_RANGE_BYTES = 512 * 1024
CHUNK_BYTES = 16 * 1024


class RangeClient:
    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds

    def __call__(self, prefix: str) -> str | None:
        request = urllib.request.Request(
            f"{self.base_url}/range/{prefix}",
            headers={"Add-Padding": "true", "User-Agent": "ecuapass-registro"},
        )
        # urllib's timeout bounds each socket operation, not the whole answer: a body sent a few
        # bytes at a time would hold the registration for as long as it lasts. The deadline
        # bounds the whole look-up (R-ABUSE-2: fail-open past it).
        deadline = time.monotonic() + self.timeout_seconds
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as answer:
                body = b""
                while len(body) < MAX_RANGE_BYTES:
                    chunk: bytes = answer.read1(CHUNK_BYTES)
                    if not chunk:
                        break
                    body += chunk
                    if time.monotonic() > deadline:
                        raise TimeoutError("range answer slower than the timeout")
                return body[:MAX_RANGE_BYTES].decode("utf-8", errors="replace")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            status = exc.code if isinstance(exc, urllib.error.HTTPError) else None
            log.warning(
                UNAVAILABLE,
                extra={"event": UNAVAILABLE, "reason": type(exc).__name__, "status": status},
            )
            # R-MAIL-5: the fail-open is counted, so operators see the check is off.
            metrics.count(metrics.BREACH_CHECK_UNAVAILABLE)
            return None
