"""The local stack's API (`make run`): what devstack/run.py hands the API process, and how
devstack/api_server.py answers requests that reach no view (api.md "Conventions", R-OPS-2)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from devstack.run import local_environment
from tests.helpers import ROOT
from tests.stack import LocalStack, running_local_stack

MOTO = "http://127.0.0.1:5000"
WEB = "http://127.0.0.1:8080"
LOCAL_STAGE = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["local"][
    "environment_variables"
]


# What `make run` passes to the API ----------------------------------------------------------------


def test_every_setting_of_the_shell_wins_over_the_local_stage_s_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shell = {
        "LOG_LEVEL": "DEBUG",
        "MAIL_SENDER": "pruebas@example.org",
        "SENAE_MAIL_DOMAIN": "correo.pruebas.test",
        "EMAIL_UNDO_TTL_SECONDS": "3600",
        "SECURITY_CODE_TTL_SECONDS": "60",
        "PROOF_OF_WORK": "off",
        "CORS_ORIGIN": "http://127.0.0.1:9999",
        "HASH_KEY": "clave-local-de-pruebas-0123456789",
    }
    for name, value in shell.items():
        monkeypatch.setenv(name, value)
    env = local_environment(MOTO, WEB)
    assert {name: env[name] for name in shell} == shell
    # The stage would have set these three: the shell's values are the ones that reach the API.
    assert {"LOG_LEVEL", "MAIL_SENDER", "SENAE_MAIL_DOMAIN"} <= set(LOCAL_STAGE)


def test_the_local_stage_fills_what_the_shell_does_not_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in LOCAL_STAGE:
        monkeypatch.delenv(name, raising=False)
    env = local_environment(MOTO, WEB)
    assert {name: env[name] for name in LOCAL_STAGE} == LOCAL_STAGE


def test_the_stack_forces_its_stage_tables_emulated_aws_and_links(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A shell that carries a deployed stage's variables or real credentials still gets the
    local stage on moto: nothing of it can reach AWS or a deployed stage's tables."""
    deployed = {
        "STAGE": "prod",
        "USERS_TABLE": "ecuapass-prod-users",
        "AUDIT_TABLE": "ecuapass-prod-audit",
        "AWS_ENDPOINT_URL": "https://dynamodb.us-east-1.amazonaws.com",
        "AWS_ACCESS_KEY_ID": "AKIAREALKEY",
        "AWS_SECRET_ACCESS_KEY": "real-secret",
        "AWS_SESSION_TOKEN": "real-session",
        "AWS_PROFILE": "produccion",
        "AWS_REGION": "sa-east-1",
        "AWS_DEFAULT_REGION": "sa-east-1",
        "WEB_BASE_URL": "https://registro.ecuapass.aduana.gob.ec",
    }
    for name, value in deployed.items():
        monkeypatch.setenv(name, value)
    env = local_environment(MOTO, WEB)
    assert env["STAGE"] == "local"
    assert env["USERS_TABLE"] == LOCAL_STAGE["USERS_TABLE"]
    assert env["AUDIT_TABLE"] == LOCAL_STAGE["AUDIT_TABLE"]
    assert env["AWS_ENDPOINT_URL"] == MOTO
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("local", "local")
    assert "AWS_SESSION_TOKEN" not in env and "AWS_PROFILE" not in env
    assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("us-east-1", "us-east-1")
    assert env["WEB_BASE_URL"] == WEB


# The running API server ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One server for the module, started from a shell that sets LOG_LEVEL=WARNING (the local
    stage says INFO)."""
    log = tmp_path_factory.mktemp("local-api") / "api.log"
    with running_local_stack(log, {"LOG_LEVEL": "WARNING"}) as running:
        yield running


def request(api: LocalStack, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    address = urlsplit(api.url)
    assert address.hostname is not None
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request(method, path, headers={"Origin": WEB})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def raw(api: LocalStack, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Bytes on the wire, for what http.client will not send (an authority-form target, a
    malformed request line)."""
    address = urlsplit(api.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            headers = dict(
                line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if line
            )
            if body and len(body) >= int(headers.get("Content-Length", "0")):
                break
    status = int(received.split(b" ", 2)[1])
    return status, headers, body


def assert_error_shape(headers: dict[str, str], body: bytes, code: str) -> None:
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "no-store"
    error = json.loads(body)["error"]
    assert error["code"] == code
    assert error["message"]


ODD_METHODS = ["TRACE", "CONNECT", "PROPFIND", "MKCOL", "LOCK", "BREW", "M-SEARCH", "get"]


@pytest.mark.parametrize("method", ODD_METHODS)
@pytest.mark.parametrize("path", ["/v1/no-such-route", "/v1/health", "/v1/account"])
def test_any_method_is_answered_in_the_api_md_shape_as_deployed(
    api: LocalStack, method: str, path: str
) -> None:
    """As API Gateway does for a method or path it has no route for: 404 NOT_FOUND, in the
    error shape, never http.server's 501 HTML page."""
    status, headers, body = request(api, method, path)
    assert status == 404
    assert_error_shape(headers, body, "NOT_FOUND")
    assert headers["Access-Control-Allow-Origin"] == WEB


def test_connect_to_a_host_and_port_is_answered_in_the_api_md_shape(api: LocalStack) -> None:
    status, headers, body = raw(api, b"CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 404
    assert_error_shape(headers, body, "NOT_FOUND")


@pytest.mark.parametrize(
    "line",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /v1/health HTTP/9.9\r\n\r\n",
        b"GET /v1/health HTTP/x\r\n\r\n",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
        b"GET /v1/health HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
    ],
)
def test_a_request_http_server_refuses_itself_is_answered_in_the_api_md_shape(
    api: LocalStack, line: bytes
) -> None:
    status, headers, body = raw(api, line)
    assert status == 400
    assert_error_shape(headers, body, "VALIDATION_ERROR")


def test_the_routes_still_answer(api: LocalStack) -> None:
    status, _, body = request(api, "GET", "/v1/health")
    assert status == 200
    assert json.loads(body) == {"status": "ok"}


def test_a_setting_of_the_shell_reaches_the_app_past_chalice_local(api: LocalStack) -> None:
    """`chalice local --stage local` applies the stage's variables over the process's own: with
    LOG_LEVEL=WARNING from the shell, the app writes no INFO access line."""
    request(api, "GET", "/v1/catalogs/provinces")
    deadline = time.monotonic() + 5
    while b"GET /v1/catalogs/provinces" not in Path(api.log).read_bytes():
        assert time.monotonic() < deadline, "the server logged nothing for the request"
        time.sleep(0.1)
    log = Path(api.log).read_text()
    assert '"message": "request"' not in log
