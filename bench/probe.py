"""Instruments one process for the bench: AWS calls and request units through botocore's event
system, the time moto spends standing in for AWS, the time argon2 spends hashing, the breached-
password range GETs (R-ABUSE-2: not AWS, counted apart), and the time of each Lambda invocation
(`Chalice.__call__` for the API, `EventSourceHandler.__call__` for the SNS and scheduled
functions), so that an invocation's own work is what is left.

Every botocore client created after `install()` (PynamoDB's and boto3's alike, since both go
through `botocore.session.Session.create_client`) gets three handlers:

- `before-parameter-build`: asks DynamoDB for `ReturnConsumedCapacity=TOTAL` and, for writes,
  notes the size of each item before the write (read from moto's backend, not through the API);
- `after-call`: counts the call as `service:Operation` and computes its request units
  (bench/capacity.py, since moto's ConsumedCapacity figures are fixed placeholders), and notes
  which kinds of item each read asks for (the code request's BatchGetItem, R-MAIL-3);
- nothing on `before-send`: moto's own `before-send` handler is the "network", and is timed by
  wrapping `BotocoreStubber.__call__`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench import capacity

REGION = "us-east-1"
READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
WITH_CAPACITY = READS | WRITES


@dataclass
class Invocation:
    """What one Lambda invocation did and how long it took."""

    label: str
    calls: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    mails: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    aws_wall: float = 0.0
    aws_cpu: float = 0.0
    hash_wall: float = 0.0
    hash_cpu: float = 0.0
    hashes: int = 0
    status: int = 0
    # The breached-password range GETs (R-ABUSE-2): their count, wall and CPU time. The CPU
    # (building the request, reading the answer) stays the project's; the wait for the answer
    # does not count as the project's wall time.
    range_gets: int = 0
    range_wall: float = 0.0
    range_cpu: float = 0.0
    # "BatchGetItem: claims EMAIL, codes REG, limits DELIVERY": what each read asked for.
    reads: list[str] = field(default_factory=list)
    # Audit events written with a source address or browser: each one the retention job strips
    # later (R-PRIV-4), so a visit's cost includes that later write.
    audit_details: int = 0

    @property
    def project_wall(self) -> float:
        return (
            self.wall - self.aws_wall - self.hash_wall - max(0.0, self.range_wall - self.range_cpu)
        )

    @property
    def project_cpu(self) -> float:
        return self.cpu - self.aws_cpu - self.hash_cpu

    @property
    def dynamodb_calls(self) -> int:
        return sum(n for name, n in self.calls.items() if name.startswith("dynamodb:"))

    @property
    def aws_calls(self) -> int:
        return sum(self.calls.values())


class Probe:
    def __init__(self, audit_table: str = "") -> None:
        self.current: Invocation | None = None
        self.counting = True
        self.audit_table = audit_table
        self._installed = False

    # --- timing ---------------------------------------------------------------------------

    @contextmanager
    def invocation(self, label: str) -> Iterator[Invocation]:
        record = Invocation(label)
        self.current = record
        try:
            yield record
        finally:
            self.current = None

    @contextmanager
    def measured(self, label: str) -> Iterator[Invocation]:
        """An invocation timed around the block itself: a domain call measured alone (the proof
        of work's verification), not through a Lambda handler."""
        with self.invocation(label) as record:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                yield record
            finally:
                record.wall += time.perf_counter() - wall
                record.cpu += time.thread_time() - cpu

    def _timed(self, original: Callable[..., Any], kind: str) -> Callable[..., Any]:
        probe = self

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            record = probe.current
            if record is None:
                return original(*args, **kwargs)
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
                if kind == "aws":
                    record.aws_wall += wall
                    record.aws_cpu += cpu
                else:
                    record.hash_wall += wall
                    record.hash_cpu += cpu
                    record.hashes += 1

        return wrapper

    def install(self) -> None:
        """Patch once per process; call before the first botocore client is created."""
        if self._installed:
            return
        self._installed = True
        import argon2
        import botocore.session
        from chalice import Chalice
        from chalice.app import EventSourceHandler
        from moto.core.botocore_stubber import BotocoreStubber

        from chalicelib.breach_range import RangeClient

        stub = self._timed(BotocoreStubber.__call__, "aws")
        BotocoreStubber.__call__ = stub  # type: ignore[method-assign]  # timed for every client
        for name in ("hash", "verify"):
            setattr(
                argon2.PasswordHasher, name, self._timed(getattr(argon2.PasswordHasher, name), "h")
            )

        # The API's handler, and the SNS and scheduled functions' (app.ses_events, app.retention).
        Chalice.__call__ = self._handler(Chalice.__call__)  # type: ignore[method-assign]
        EventSourceHandler.__call__ = self._handler(  # type: ignore[method-assign]
            EventSourceHandler.__call__
        )
        RangeClient.__call__ = self._range_get(RangeClient.__call__)  # type: ignore[method-assign]

        probe = self
        original_create = botocore.session.Session.create_client

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original_create(session, *args, **kwargs)
            client.meta.events.register("before-parameter-build", probe._before)
            client.meta.events.register("after-call", probe._after)
            return client

        botocore.session.Session.create_client = create_client

    def _handler(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """A Lambda handler, timed when an invocation is being recorded."""
        probe = self

        def handler(target: Any, event: Any, context: Any) -> Any:
            record = probe.current
            if record is None:
                return original(target, event, context)
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                answer = original(target, event, context)
            finally:
                record.wall += time.perf_counter() - wall
                record.cpu += time.thread_time() - cpu
            if isinstance(answer, dict) and "statusCode" in answer:
                record.status = int(answer["statusCode"])
            return answer

        return handler

    def _range_get(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """The range GET, counted and timed (see `Invocation.range_wall`)."""
        probe = self

        def get(client: Any, prefix: str) -> Any:
            record = probe.current
            if record is None:
                return original(client, prefix)
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(client, prefix)
            finally:
                record.range_wall += time.perf_counter() - wall
                record.range_cpu += time.thread_time() - cpu
                if probe.counting:
                    record.range_gets += 1

        return get

    # --- counting -------------------------------------------------------------------------

    def _before(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if self.current is None or not self.counting:
            return
        service = model.service_model.service_name
        if service == "ses" and model.name == "SendEmail":
            destination = params.get("Destination") or {}
            context["bench_destination"] = [
                *destination.get("ToAddresses", []),
                *destination.get("CcAddresses", []),
                *destination.get("BccAddresses", []),
            ]
        if service != "dynamodb" or model.name not in WITH_CAPACITY:
            return
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
        context["bench_params"] = params
        if model.name in WRITES:
            context["bench_before"] = [_size(*key) for key in _write_keys(model.name, params)]

    def _after(
        self, parsed: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        record = self.current
        if record is None or not self.counting:
            return
        service = model.service_model.service_name
        record.calls[f"{service}:{model.name}"] += 1
        if service == "ses" and model.name in {"SendEmail", "SendRawEmail"}:
            destination = context.get("bench_destination") or {}
            record.mails += max(1, len(destination))
        if service != "dynamodb" or "bench_params" not in context:
            return
        params = context["bench_params"]
        if model.name in READS:
            record.read_units += _read_units(model.name, params, parsed)
            record.reads.append(f"{model.name}: {', '.join(_kinds_read(model.name, params))}")
        else:
            keys = _write_keys(model.name, params)
            before = context.get("bench_before") or [0] * len(keys)
            transactional = model.name == "TransactWriteItems"
            for (table, key, new_item), size_before in zip(keys, before, strict=True):
                after = max(_size(table, key, new_item), capacity.item_size(new_item))
                record.write_units += capacity.write_units(
                    size_before, after, transactional=transactional
                )
                if table == self.audit_table and new_item and "detail_on" in new_item:
                    record.audit_details += 1


# --- moto's backend, read directly so that the bench's look-ups are not counted as calls -------


def _table(name: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(name)


def _stored(table_name: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    table = _table(table_name)
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    try:
        item = table.get_item(hash_key, range_key)
    except KeyError:
        return None
    return item.to_json()["Attributes"] if item is not None else None


def _size(table_name: str, key: Mapping[str, Any], _new: Any = None) -> int:
    return capacity.item_size(_stored(table_name, key))


def _key_of(table_name: str, item: Mapping[str, Any]) -> dict[str, Any]:
    table = _table(table_name)
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: item[name] for name in names}


def _write_keys(operation: str, params: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(table, key, new item or None) for every item a write touches."""
    if operation == "PutItem":
        table = params["TableName"]
        return [(table, _key_of(table, params["Item"]), params["Item"])]
    if operation in {"UpdateItem", "DeleteItem"}:
        return [(params["TableName"], params["Key"], None)]
    if operation == "BatchWriteItem":
        found = []
        for table, requests in params["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    item = request["PutRequest"]["Item"]
                    found.append((table, _key_of(table, item), item))
                else:
                    found.append((table, request["DeleteRequest"]["Key"], None))
        return found
    found = []
    for action in params["TransactItems"]:
        (kind, body), *_ = action.items()
        table = body["TableName"]
        if kind == "Put":
            found.append((table, _key_of(table, body["Item"]), body["Item"]))
        else:
            found.append((table, body["Key"], None))
    return found


def _kind(table: str, key: Mapping[str, Any]) -> str:
    """`limits DELIVERY#…`: the table (without its stage prefix) and the shape of the hash key,
    its upper-case markers kept and the values (addresses, IDs) left out."""
    name = table.rsplit("-", 1)[-1]
    (_, raw), *_ = key[_table(table).hash_key_attr].items()
    shape = "#".join(
        part if part.replace("_", "").isalpha() and part.isupper() else "…"
        for part in str(raw).split("#")
    )
    return f"{name} {shape}"


def _kinds_read(operation: str, params: Mapping[str, Any]) -> list[str]:
    if operation == "GetItem":
        return [_kind(params["TableName"], params["Key"])]
    if operation == "BatchGetItem":
        return [
            _kind(table, key)
            for table, request in params["RequestItems"].items()
            for key in request["Keys"]
        ]
    if operation == "TransactGetItems":
        return [_kind(a["Get"]["TableName"], a["Get"]["Key"]) for a in params["TransactItems"]]
    index = params.get("IndexName")
    return [params["TableName"].rsplit("-", 1)[-1] + (f" {index}" if index else "")]


def _read_units(operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]) -> float:
    if operation == "GetItem":
        size = _size(params["TableName"], params["Key"])
        return capacity.read_units(size, consistent=bool(params.get("ConsistentRead")))
    if operation == "BatchGetItem":
        units = 0.0
        for table, request in params["RequestItems"].items():
            for key in request["Keys"]:
                units += capacity.read_units(
                    _size(table, key), consistent=bool(request.get("ConsistentRead"))
                )
        return units
    if operation == "TransactGetItems":
        return sum(
            capacity.read_units(
                _size(a["Get"]["TableName"], a["Get"]["Key"]), consistent=True, transactional=True
            )
            for a in params["TransactItems"]
        )
    # Query and Scan: the items read, summed then rounded (a Count-only answer reads them too).
    items = parsed.get("Items")
    if items is None:
        items = _items_read(params, int(parsed.get("ScannedCount", parsed.get("Count", 0))))
    size = sum(capacity.item_size(i) for i in items)
    return capacity.read_units(size, consistent=bool(params.get("ConsistentRead")))


def _items_read(params: Mapping[str, Any], count: int) -> list[dict[str, Any]]:
    table = _table(params["TableName"])
    found = [item.to_json()["Attributes"] for item in table.all_items()]
    return found[:count]
