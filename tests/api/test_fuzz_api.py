"""schemathesis against the served `/v1/openapi.json` (issue 6, point 2): for every documented
operation the app implements, generated requests, valid and invalid, never get a 5xx and every
answer conforms to the document (status, content type, headers, body schema).

The app runs in-process under moto (the `aws` fixture), reached through a small WSGI adapter over
chalice's local gateway, so schemathesis's own WSGI transport drives it; the document is the one
the app serves. Examples per operation are bounded (EXAMPLES) so the whole run stays short.
Per-source-address throttles are off here (every request comes from one address); they are tested
in tests/api/test_abuse.py.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import pytest
import schemathesis
from chalice.config import Config
from chalice.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import app
from chalicelib.wiring import services
from devstack.api_server import TemplateGateway
from tests.helpers import STAGE, signed_in

pytestmark = pytest.mark.slow

EXAMPLES = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    # Requests the document calls invalid (wrong types, unknown enum values, …) get a 4xx.
    negative_data_rejection,
]


class ChaliceWSGI:
    """A WSGI application over the local stack's gateway (devstack.api_server): the app as
    `chalice local` runs it, with unknown routes and methods answered the way the deployed API
    Gateway answers them."""

    def __init__(self) -> None:
        self.gateway = TemplateGateway(app, Config.create(chalice_stage=STAGE))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        # The path as sent, still percent-encoded, as chalice local receives it.
        path = environ.get("REQUEST_URI") or environ["PATH_INFO"]
        if environ.get("QUERY_STRING") and "?" not in path:
            path = f"{path}?{environ['QUERY_STRING']}"
        answer = self.gateway.handle_request(environ["REQUEST_METHOD"], path, headers, body)
        payload = answer.get("body") or ""
        if answer.get("isBase64Encoded"):
            data = base64.b64decode(payload)
        else:
            data = payload.encode("utf-8")
        status = f"{answer['statusCode']} {HTTPStatus(answer['statusCode']).phrase}"
        start_response(status, list((answer.get("headers") or {}).items()))
        return [data]


IMPLEMENTED = {(path, method) for path, entries in app.routes.items() for method in entries}

served = schemathesis.openapi.from_wsgi("/v1/openapi.json", ChaliceWSGI())
# Documented routes still being written elsewhere are left out until the app has them.
schema = served.include(
    lambda ctx: (ctx.operation.path, ctx.operation.method.upper()) in IMPLEMENTED
)


@pytest.fixture
def token(aws: None, clock: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A signed-in account in a fresh moto, with the per-source-address limits off."""
    monkeypatch.setattr(
        services(), "settings", replace(services().settings, rate_limits_per_ip=False)
    )
    with Client(app, stage_name=STAGE) as client:
        return signed_in(client)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_no_5xx_and_every_answer_conforms_to_the_published_document(case: Any, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"} if case.operation.security else {}
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_every_route_of_the_app_is_documented_and_so_fuzzed() -> None:
    """A route missing from the served document would escape the fuzzing above."""
    paths = served.raw_schema["paths"]
    documented = {(path, method.upper()) for path, item in paths.items() for method in item}
    assert documented >= IMPLEMENTED, sorted(IMPLEMENTED - documented)
    # An operation schemathesis could not read (an Err) is left out, so it fails below.
    operations = [op.ok() for op in schema.get_all_operations() if isinstance(op, Ok)]
    fuzzed = {(op.path, op.method.upper()) for op in operations}
    assert fuzzed == IMPLEMENTED, sorted(IMPLEMENTED ^ fuzzed)
