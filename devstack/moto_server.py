"""moto in server mode, one request at a time.

moto's DynamoDB is not safe under concurrent requests (8 threads racing one conditional
TransactWriteItems gave two winners in 1 of 40 trials, and a RuntimeError inside moto). Holding
one lock per request gives the per-request atomicity real DynamoDB has, so races between
*requests* still happen exactly as in AWS, while moto's own state stays consistent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class SerializedApp:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            # Drain the body inside the lock: moto may produce it lazily.
            return list(self.app(environ, start_response))


class MotoServer:
    """A threaded moto server on 127.0.0.1 that serializes requests; `stop()` shuts it down."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        app = SerializedApp(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=QuietHandler
        )
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> MotoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
