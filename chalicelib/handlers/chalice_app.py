"""The Chalice app class, with `current_request` kept per thread.

Chalice stores the request being served on the app object (`app.current_request`, which every
blueprint's `bp.current_request` reads). In Lambda a container serves one request at a time, so
that is safe; `chalice local` serves each request on its own thread (`ThreadedHTTPServer`), so two
concurrent requests overwrite each other's request and a view can read another person's body or
bearer token (chalice issue #759). The local stack, the browser tests and the load test all send
concurrent requests, so the request is kept in a thread-local instead: in Lambda nothing changes.
"""

from __future__ import annotations

import threading
from typing import Any

from chalice import Chalice
from chalice.app import Request


class RequestScopedChalice(Chalice):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._requests = threading.local()
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def current_request(self) -> Request | None:
        return getattr(self._requests, "current", None)

    @current_request.setter
    def current_request(self, request: Request | None) -> None:
        self._requests.current = request
