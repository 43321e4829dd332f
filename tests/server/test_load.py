"""Bounded load on the local stack (issue 6, point 4): 16 concurrent clients, 200 registrations
and then 1,000 mixed reads and updates, over HTTP against the API as `make run` serves it
(`python -m devstack.api_server`, i.e. `chalice local`, on the serialized moto server), with
RATE_LIMITS_PER_IP=off as every client comes from 127.0.0.1.

Zero 5xx, every answer the one expected (and about the caller's own account: concurrent requests
must not see each other's, which `chalice local` ensures with a thread-local `current_request`),
and afterwards every table is counted: each account, claim, code, session and audit item is there
exactly once, and no throttle counter was written. Throughput and latency percentiles are printed
(`pytest -s`); they are measured, never asserted.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from devstack.moto_server import MotoServer
from tests.helpers import PASSWORD, ROOT, last_code, registration_body
from tests.stack import LocalStack, running_local_stack

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("load")]

CLIENTS = 16
REGISTRATIONS = 200
MIXED = 1_000
LOCAL = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["local"]
TABLES = {
    kind: LOCAL["environment_variables"][f"{kind.upper()}_TABLE"]
    for kind in ("users", "claims", "codes", "sessions", "audit", "limits")
}


@pytest.fixture
def local_stack(tmp_path: Path) -> Iterator[LocalStack]:
    """moto and the API the way `make run` starts them, with the per-IP limits off."""
    with running_local_stack(
        tmp_path / "api.log", RATE_LIMITS_PER_IP="off", PROOF_OF_WORK="off"
    ) as stack:
        yield stack


@dataclass
class Account:
    n: int
    user_id: str
    body: dict[str, Any]
    token: str = ""
    version: int = 1


@dataclass
class Record:
    """What the clients saw: each request's kind, status, latency; what should now be stored."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    audit: Counter[tuple[str, str]] = field(default_factory=Counter)
    sessions: Counter[str] = field(default_factory=Counter)


class Client:
    def __init__(self, api: str, record: Record) -> None:
        self.api = api
        self.record = record
        self.http = requests.Session()

    def call(
        self, kind: str, method: str, path: str, body: Any = None, token: str = "", want: int = 200
    ) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        answer = self.http.request(method, self.api + path, json=body, headers=headers, timeout=60)
        elapsed = time.perf_counter() - started
        with self.record.lock:
            self.record.latencies[kind].append(elapsed)
            self.record.statuses[answer.status_code] += 1
            if answer.status_code != want:
                self.record.wrong.append(f"{kind}: {answer.status_code} {answer.text[:200]}")
        return answer


def register(client: Client, account: Account) -> None:
    body = account.body
    client.call("code request", "POST", "/v1/registration/security-code",
                {"email": body["email"]}, want=202)  # fmt: skip
    answer = client.call(
        "registration", "POST", "/v1/registration",
        {**body, "security_code": last_code(body["email"])}, want=201,
    )  # fmt: skip
    if answer.status_code == 201:
        if answer.json()["user_id"] != account.user_id:
            client.record.wrong.append(f"registration answered for {answer.json()['user_id']}")
        with client.record.lock:
            client.record.audit[(account.user_id, "REGISTERED")] += 1


def log_in(client: Client, account: Account) -> None:
    answer = client.call(
        "log-in", "POST", "/v1/sessions",
        {"user_id": account.user_id, "password": PASSWORD}, want=201,
    )  # fmt: skip
    if answer.status_code == 201:
        account.token = answer.json()["token"]
        with client.record.lock:
            client.record.audit[(account.user_id, "LOGGED_IN")] += 1
            client.record.sessions[account.user_id] += 1


def mixed_operation(client: Client, account: Account, rng: random.Random) -> None:
    if not account.token:
        log_in(client, account)
        return
    roll = rng.random()
    if roll < 0.40:
        answer = client.call("read profile", "GET", "/v1/account", token=account.token)
        if answer.status_code == 200:
            profile = answer.json()
            if profile["user_id"] != account.user_id:
                client.record.wrong.append(f"{account.user_id} read {profile['user_id']}")
            account.version = profile["version"]
    elif roll < 0.60:
        body = {
            name: account.body[name]
            for name in ("name", "country", "province", "city", "phone1", "phone2", "fax")
        }
        body.update(
            version=account.version,
            keep_email=True,
            address=f"Av. de los Shyris N{rng.randrange(10, 99)}-{rng.randrange(100, 999)}",
            mobile_operator=account.body["mobile_operator"],
            mobile=account.body["mobile"],
        )
        answer = client.call("update profile", "PUT", "/v1/account", body, token=account.token)
        if answer.status_code == 200:
            saved = answer.json()
            if (saved["user_id"], saved["address"]) != (account.user_id, body["address"]):
                client.record.wrong.append(f"{account.user_id} saved {saved['user_id']}")
            account.version = saved["version"]
            with client.record.lock:
                client.record.audit[(account.user_id, "PROFILE_UPDATED")] += 1
    elif roll < 0.75:
        answer = client.call(
            "availability", "POST", "/v1/registration/user-id-availability",
            {"user_id": account.user_id},
        )  # fmt: skip
        if answer.status_code == 200 and answer.json() != {"available": False}:
            client.record.wrong.append(f"{account.user_id} reported available")
    elif roll < 0.85:
        log_in(client, account)
    elif roll < 0.95:
        client.call("catalogue", "GET", f"/v1/catalogs/provinces/{rng.randrange(1, 25):02d}/cities")
    else:
        client.call(
            "password check", "POST", "/v1/account/password-check",
            {"current_password": PASSWORD}, token=account.token,
        )  # fmt: skip


def scan(moto: MotoServer, table: str) -> list[dict[str, Any]]:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto.url)
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = dynamodb.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(record: Record, seconds: float, phase: str, kinds: list[str]) -> str:
    latencies = [x for kind in kinds for x in record.latencies[kind]]
    lines = [
        f"{phase}: {len(latencies)} requests in {seconds:.1f} s = "
        f"{len(latencies) / seconds:.1f} req/s, p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms"
    ]
    for kind in kinds:
        values = record.latencies[kind]
        if values:
            lines.append(
                f"  {kind:15} {len(values):5}  p50 {percentile(values, 0.5) * 1000:6.0f} ms  "
                f"p95 {percentile(values, 0.95) * 1000:6.0f} ms  "
                f"mean {statistics.fmean(values) * 1000:6.0f} ms"
            )
    return "\n".join(lines)


def test_sixteen_clients_register_200_and_make_1000_changes_with_nothing_lost(
    local_stack: LocalStack,
) -> None:
    record = Record()
    accounts = [
        Account(n, f"carga.{n:04d}", registration_body(n, user_id=f"carga.{n:04d}"))
        for n in range(1, REGISTRATIONS + 1)
    ]
    clients = threading.local()

    def client() -> Client:
        if not hasattr(clients, "client"):
            clients.client = Client(local_stack.url, record)
        return clients.client

    with ThreadPoolExecutor(CLIENTS) as pool:
        started = time.perf_counter()
        list(pool.map(lambda account: register(client(), account), accounts))
        registering = time.perf_counter() - started

        # Each client owns its own accounts, so a profile's version is only moved by its owner.
        groups = [accounts[i::CLIENTS] for i in range(CLIENTS)]
        shares = [MIXED // CLIENTS + (1 if i < MIXED % CLIENTS else 0) for i in range(CLIENTS)]

        def work(i: int) -> None:
            rng = random.Random(i)
            for _ in range(shares[i]):
                mixed_operation(client(), rng.choice(groups[i]), rng)

        started = time.perf_counter()
        list(pool.map(work, range(CLIENTS)))
        mixing = time.perf_counter() - started

    print()
    print(report(record, registering, "registrations", ["code request", "registration"]))
    mixed = ["log-in", "read profile", "update profile", "availability", "catalogue",
             "password check"]  # fmt: skip
    print(report(record, mixing, "mixed", mixed))
    print(f"statuses: {dict(sorted(record.statuses.items()))}")

    assert not [s for s in record.statuses if s >= 500], record.statuses
    assert record.wrong == [], record.wrong[:10]
    assert sum(len(record.latencies[k]) for k in mixed) == MIXED

    # Every table, counted.
    users = scan(local_stack.moto, TABLES["users"])
    assert sorted(u["user_id"]["S"] for u in users) == [a.user_id for a in accounts]

    claims = Counter(
        (c["claim"]["S"], c["owner"]["S"]) for c in scan(local_stack.moto, TABLES["claims"])
    )
    expected_claims: Counter[tuple[str, str]] = Counter()
    for a in accounts:
        expected_claims[(f"USERID#{a.user_id}", a.user_id)] += 1
        expected_claims[(f"DOC#CEDULA#{a.body['document_number']}", a.user_id)] += 1
        expected_claims[(f"EMAIL#{a.body['email']}", a.user_id)] += 1
    assert claims == expected_claims

    codes = scan(local_stack.moto, TABLES["codes"])
    assert len(codes) == REGISTRATIONS
    assert all(c["used"]["BOOL"] and "code_hash" not in c for c in codes)

    audit = Counter(
        (a["user_id"]["S"], a["event"]["S"]) for a in scan(local_stack.moto, TABLES["audit"])
    )
    assert audit == record.audit

    sessions = Counter(s["user_id"]["S"] for s in scan(local_stack.moto, TABLES["sessions"]))
    assert sessions == record.sessions

    versions = {u["user_id"]["S"]: int(u["version"]["N"]) for u in users}
    updates = {a.user_id: record.audit[(a.user_id, "PROFILE_UPDATED")] for a in accounts}
    assert versions == {user_id: 1 + n for user_id, n in updates.items()}

    assert scan(local_stack.moto, TABLES["limits"]) == [], "RATE_LIMITS_PER_IP=off still counted"
    print(
        f"items: {len(users)} users, {sum(claims.values())} claims, {len(codes)} codes, "
        f"{sum(sessions.values())} sessions, {sum(audit.values())} audit"
    )
