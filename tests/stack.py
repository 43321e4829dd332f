"""moto in server mode for the fault, race, load and local-stack tests, and a fault injector at
the botocore level.

In server mode the app's AWS calls leave botocore as real HTTP requests to a serialized moto server
(devstack.moto_server), so a `before-send` handler that answers instead of the network replaces
AWS's answer exactly: botocore parses it, its standard retry mode decides whether to send again,
and nothing reaches moto. (With moto's in-process mock, moto's own `before-send` handler runs as
well and would carry out the write that the injected error claims was refused.)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import boto3
import botocore.endpoint
import pytest
import requests
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError

import chalicelib.mail.ses
import chalicelib.store.transactions
from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.store.models import ALL_MODELS, create_tables
from chalicelib.wiring import services
from devstack.moto_server import MotoServer
from devstack.run import local_environment
from tests.helpers import ROOT, STAGE_ENVIRONMENT


def forget_aws_clients() -> None:
    """Drop every cached client so the next call resolves AWS_ENDPOINT_URL afresh."""
    for model in ALL_MODELS:
        model._connection = None
    aws.forget_clients()


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Environment variables for the block, read afresh by settings, services and AWS clients."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    get_settings.cache_clear()
    services.cache_clear()
    forget_aws_clients()
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        services.cache_clear()
        forget_aws_clients()


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    """A fresh serialized moto server (devstack.moto_server), stopped after the block: the one
    set-up of the fault, race, load and local-stack tests."""
    server = MotoServer(port=0).start()
    try:
        # moto keeps its state in this process's globals, which an earlier server may have filled.
        requests.post(f"{server.url}/moto-api/reset", timeout=10).raise_for_status()
        yield server
    finally:
        server.stop()


@contextmanager
def moto_stack(**settings: str) -> Iterator[MotoServer]:
    """A fresh moto server with the tables and the verified sender; this process's app (the `dev`
    stage, with `settings` on top) points at it while the block runs."""
    with moto_server() as server, environment(AWS_ENDPOINT_URL=server.url, **settings):
        create_tables()
        boto3.client("ses", region_name="us-east-1").verify_email_identity(
            EmailAddress=get_settings().mail_sender
        )
        yield server


LOCAL_HASH_KEY = "local-stack-test-only-hash-key-0123456789"


@dataclass(frozen=True)
class LocalStack:
    url: str
    moto: MotoServer
    log: Path


@contextmanager
def running_local_stack(
    log_path: Path, shell: dict[str, str] | None = None, **settings: str
) -> Iterator[LocalStack]:
    """moto and the API the way `make run` starts them (devstack/run.py: a serialized moto server,
    its tables, `python -m devstack.api_server`, which serves requests in parallel): what the
    race, load and limit tests fire parallel requests at, and the local API server's tests read.

    `shell` is a developer's shell that sets only these variables (the `dev` stage's values
    tests/conftest.py exported for the in-process tests are not part of it); None keeps this
    process's environment. `settings` go on top of what the stack derives from either."""
    with moto_server() as moto:
        with pytest.MonkeyPatch.context() as patch:
            if shell is not None:
                for name in (*STAGE_ENVIRONMENT, "AWS_ENDPOINT_URL", "HASH_KEY"):
                    patch.delenv(name, raising=False)
                for name, value in shell.items():
                    patch.setenv(name, value)
            env = local_environment(moto.url, "http://127.0.0.1:8080")
        env.update({"HASH_KEY": LOCAL_HASH_KEY, "PYTHONUNBUFFERED": "1", **settings})
        # Tables and sender as `make run` creates them, in a process of their own: this one's
        # models are bound to the `dev` stage's tables.
        subprocess.run(
            [sys.executable, "-c", "import os\nfrom devstack.run import prepare_aws\n"
             "prepare_aws(dict(os.environ))"],
            cwd=ROOT, env=env, check=True, timeout=120,
        )  # fmt: skip
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with log_path.open("wb") as log:
            api = subprocess.Popen(
                [sys.executable, "-m", "devstack.api_server", "--stage", "local", "--host",
                 "127.0.0.1", "--port", str(port), "--no-autoreload"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
            try:
                deadline = time.monotonic() + 60
                while True:
                    assert api.poll() is None, log_path.read_text()[-2000:]
                    try:
                        if requests.get(f"{url}/v1/health", timeout=2).status_code == 200:
                            break
                    except requests.ConnectionError:
                        pass
                    assert time.monotonic() < deadline, "the API did not come up"
                    time.sleep(0.2)
                yield LocalStack(url, moto, log_path)
            finally:
                os.killpg(api.pid, 15)
                api.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_clients() -> dict[str, Any]:
    """Every botocore client the app uses, created now: one per PynamoDB model, the connection
    for transactions and batch reads, and SES."""
    clients = {
        f"model:{model.__name__}": model._get_connection().connection.client for model in ALL_MODELS
    }
    clients["transactions"] = chalicelib.store.transactions.connection().client
    clients["ses"] = chalicelib.mail.ses.ses_client(get_settings().region)
    return clients


def table_items(endpoint_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, sorted, read around the app's clients (no fault applies)."""
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint_url)
    tables: dict[str, list[dict[str, Any]]] = {}
    for model in ALL_MODELS:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": model.Meta.table_name, "ConsistentRead": True}
        while True:
            page = client.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        tables[model.__name__] = sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return tables


# --- faults ------------------------------------------------------------------------------------


class _Body(BytesIO):
    """What AWSResponse reads a body from (urllib3's `stream`)."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


@dataclass(frozen=True)
class Fault:
    """An answer AWS could give: HTTP status, headers and body; or a connection timeout."""

    status: int = 400
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    timeout: bool = False

    def answer(self, request: Any) -> AWSResponse:
        if self.timeout:
            raise ConnectTimeoutError(endpoint_url=request.url)
        headers = {"x-amzn-RequestId": "fault-injected", **self.headers}
        return AWSResponse(request.url, self.status, headers, _Body(self.body))


def dynamodb_error(code: str, message: str = "injected", status: int = 400, **extra: Any) -> Fault:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}
    return Fault(status, json.dumps(body).encode(), {"Content-Type": "application/x-amz-json-1.0"})


def transaction_cancelled(reasons: list[str]) -> Fault:
    """TransactWriteItems refused as a whole, with one reason per item in the order sent."""
    return dynamodb_error(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons "
        f"[{', '.join(reasons)}]",
        CancellationReasons=[{"Code": reason} for reason in reasons],
    )


def ses_error(code: str, status: int = 400, kind: str = "Sender") -> Fault:
    body = (
        '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
        f"<Error><Type>{kind}</Type><Code>{code}</Code><Message>injected</Message></Error>"
        "<RequestId>fault-injected</RequestId></ErrorResponse>"
    )
    return Fault(status, body.encode(), {"Content-Type": "text/xml"})


TIMEOUT = Fault(timeout=True)


class FaultInjector:
    """A botocore `before-send` handler: counts every attempt the app's clients send, per
    "service:Operation", and answers the planned ones with a fault instead of the network."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self._plans: dict[str, tuple[Fault, int | None]] = {}
        self._lock = threading.Lock()

    def fail(self, operation: str, fault: Fault, times: int | None = None) -> None:
        """Answer the next `times` attempts of `operation` (all of them if None) with `fault`."""
        with self._lock:
            self._plans[operation] = (fault, times)

    def heal(self) -> None:
        with self._lock:
            self._plans.clear()

    def reset_counts(self) -> None:
        with self._lock:
            self.attempts.clear()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-send", self, unique_id="tests-fault-injector")

    def __call__(self, request: Any, event_name: str, **_kwargs: Any) -> AWSResponse | None:
        _, service, operation = event_name.split(".", 2)
        name = f"{service}:{operation}"
        with self._lock:
            self.attempts[name] += 1
            plan = self._plans.get(name)
            if plan is None:
                return None
            fault, times = plan
            if times is not None:
                if times <= 1:
                    del self._plans[name]
                else:
                    self._plans[name] = (fault, times - 1)
        return fault.answer(request)


class BackoffRecorder:
    """Stands in for the `time` module inside botocore.endpoint only: the retry backoff botocore
    asks for is recorded instead of slept, so a test with retries stays fast."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def install_backoff_recorder(monkeypatch: Any) -> BackoffRecorder:
    recorder = BackoffRecorder()
    monkeypatch.setattr(botocore.endpoint, "time", recorder)
    return recorder
