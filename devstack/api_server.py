"""`chalice local`, answering the way the deployed API Gateway does for routes it does not know.

Deployed, API Gateway answers an unknown path or method itself, and infra/resources.json turns
that answer into the api.md error shape (404 NOT_FOUND). `chalice local` instead sends its own
403 "Missing Authentication Token" or the app's 405: this runs the same CLI with a gateway that
reads those answers from the template, so the local stack and AWS agree.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from functools import cache
from pathlib import Path
from typing import Any

import chalice.local
from chalice.cli import main as chalice_main

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.json"


@cache
def gateway_answer(kind: str) -> dict[str, Any]:
    resources = json.loads(TEMPLATE.read_text(encoding="utf-8"))["Resources"]
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    answer = body["x-amazon-apigateway-gateway-responses"][kind]
    headers = {}
    for name, value in answer.get("responseParameters", {}).items():
        header = name.removeprefix("gatewayresponse.header.")
        if isinstance(value, dict):  # {"Fn::Sub": "'${CorsOrigin}'"}
            value = os.environ.get("CORS_ORIGIN", "*")
        headers[header] = value.strip("'")
    headers["Content-Type"] = "application/json"
    return {
        "statusCode": int(answer["statusCode"]),
        "headers": headers,
        "multiValueHeaders": {},
        "body": answer["responseTemplates"]["application/json"],
    }


class TemplateGateway(chalice.local.LocalGateway):
    def handle_request(
        self, method: str, path: str, headers: Any, body: bytes | None
    ) -> dict[str, Any]:
        try:
            response = super().handle_request(method, path, headers, body)
        except chalice.local.ForbiddenError:
            return gateway_answer("MISSING_AUTHENTICATION_TOKEN")
        if response.get("statusCode") == 405:
            return gateway_answer("MISSING_AUTHENTICATION_TOKEN")
        return response


_peer = threading.local()


def report_peer_addresses() -> None:
    """API Gateway gives the app the TCP peer's address as `sourceIp`; `chalice local` always
    says 127.0.0.1. The per-source limits (R-REG-11, R-HARD-4) are only exercised locally if
    each request carries its real peer, so the handler notes it and the event takes it."""
    # `do_GET` and the other verbs are aliases of `_generic_handle`, which reads the body first.
    parse = chalice.local.ChaliceRequestHandler._parse_payload
    convert = chalice.local.LambdaEventConverter.create_lambda_event

    def parse_noting_peer(self: Any) -> Any:
        _peer.address = self.client_address[0]
        return parse(self)

    def event_with_peer(self: Any, *args: Any, **kwargs: Any) -> Any:
        event = convert(self, *args, **kwargs)
        event["requestContext"]["identity"]["sourceIp"] = getattr(
            _peer, "address", self.LOCAL_SOURCE_IP
        )
        return event

    chalice.local.ChaliceRequestHandler._parse_payload = parse_noting_peer  # type: ignore[method-assign]
    chalice.local.LambdaEventConverter.create_lambda_event = event_with_peer  # type: ignore[method-assign]


# socketserver listens with a backlog of 5: a burst of more concurrent clients (the load test
# runs 16) gets connections reset before a thread can accept them. API Gateway queues far more.
LISTEN_BACKLOG = 128

if __name__ == "__main__":
    chalice.local.LocalGateway = TemplateGateway  # type: ignore[misc]
    report_peer_addresses()
    chalice.local.ThreadedHTTPServer.request_queue_size = LISTEN_BACKLOG
    sys.argv = ["chalice", "local", *sys.argv[1:]]
    sys.exit(chalice_main())
