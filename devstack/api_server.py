"""`chalice local`, answering the way the deployed API Gateway does for routes it does not know.

Deployed, API Gateway answers an unknown path or method itself, and infra/resources.json turns
that answer into the api.md error shape (404 NOT_FOUND). `chalice local` instead sends its own
403 "Missing Authentication Token" or the app's 405: this runs the same CLI with a gateway that
reads those answers from the template, so the local stack and AWS agree.

Two more differences are taken away here:
- http.server answers a method it has no `do_<METHOD>` for (TRACE, CONNECT, PROPFIND, any token)
  with a 501 HTML page, and a request line it cannot parse with an HTML page too. Every method
  goes to the gateway instead (so a method no route has is the same 404 as DELETE on a GET
  route), and what http.server still refuses itself is answered in the error shape.
- `chalice local --stage local` puts the stage's environment_variables over the process's own,
  so a setting `make run` passes from the shell (devstack/run.py) would lose to the stage's
  default. Here the stage only fills what the process lacks.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from functools import cache
from pathlib import Path
from typing import Any

import chalice.cli
import chalice.local
from chalice.cli import main as chalice_main
from chalice.cli.factory import CLIFactory

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
        # DEFAULT_4XX keeps the status of the refusal it shapes: it names none.
        "statusCode": int(answer.get("statusCode", 400)),
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
    each request carries its real peer: AnyMethodHandler notes it, and the event takes it."""
    convert = chalice.local.LambdaEventConverter.create_lambda_event

    def event_with_peer(self: Any, *args: Any, **kwargs: Any) -> Any:
        event = convert(self, *args, **kwargs)
        event["requestContext"]["identity"]["sourceIp"] = getattr(
            _peer, "address", self.LOCAL_SOURCE_IP
        )
        return event

    converter = chalice.local.LambdaEventConverter
    converter.create_lambda_event = event_with_peer  # type: ignore[method-assign]  # for every event


class AnyMethodHandler(chalice.local.ChaliceRequestHandler):
    # http.server's; mypy does not see it through chalice's six.moves import.
    request_version: str

    def _parse_payload(self) -> Any:
        # Read first by every verb's handler, in the request's own thread.
        _peer.address = self.client_address[0]
        return super()._parse_payload()

    def __getattr__(self, name: str) -> Any:
        # Only reached for what the class lacks: http.server looks up `do_<METHOD>`.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, a version it does not speak, a
        line or headers too long) are all about the request: api.md's 400, in the template's
        default shape. The reason is logged, not echoed back."""
        self.log_error("code %d, message %s", code, message)
        answer = gateway_answer("DEFAULT_4XX")
        body = answer["body"].encode()
        if self.request_version == "HTTP/0.9":
            # An unparsed line leaves the default version, whose answers carry no status line.
            self.request_version = self.protocol_version
        self.send_response(answer["statusCode"])
        for name, value in answer["headers"].items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True


class LocalDevServer(chalice.local.LocalDevServer):
    def __init__(
        self,
        app_object: Any,
        config: Any,
        host: str,
        port: int,
        handler_cls: chalice.local.HandlerCls = AnyMethodHandler,
        server_cls: chalice.local.ServerCls = chalice.local.ThreadedHTTPServer,
    ) -> None:
        super().__init__(app_object, config, host, port, handler_cls, server_cls)


class ShellFirstFactory(CLIFactory):
    def load_chalice_app(
        self,
        environment_variables: Any = None,
        validate_feature_flags: bool | None = True,
    ) -> Any:
        if environment_variables is not None:
            environment_variables = {
                name: value
                for name, value in environment_variables.items()
                if name not in os.environ
            }
        return super().load_chalice_app(environment_variables, validate_feature_flags)


# socketserver listens with a backlog of 5: a burst of more concurrent clients (the load test
# runs 16) gets connections reset before a thread can accept them. API Gateway queues far more.
LISTEN_BACKLOG = 128

if __name__ == "__main__":
    # chalice local takes these classes from its modules' names: replaced before it starts.
    chalice.local.LocalGateway = TemplateGateway  # type: ignore[misc]  # patching a class name
    report_peer_addresses()
    chalice.local.LocalDevServer = LocalDevServer  # type: ignore[misc]  # patching a class name
    chalice.cli.CLIFactory = ShellFirstFactory  # type: ignore[attr-defined]  # an import there
    chalice.local.ThreadedHTTPServer.request_queue_size = LISTEN_BACKLOG
    sys.argv = ["chalice", "local", *sys.argv[1:]]
    sys.exit(chalice_main())
