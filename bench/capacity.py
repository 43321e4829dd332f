"""DynamoDB request units by the service's own rules, from item sizes.

moto answers `ReturnConsumedCapacity` with fixed placeholders (0.5 for any GetItem, 1.0 for any
write, one unit per key of a BatchGetItem, nothing for a TransactWriteItems), whatever the item
size or read consistency, so the bench computes the units the way DynamoDB bills on-demand tables:

- item size: attribute names plus values, strings in UTF-8 bytes, numbers 1 byte per two
  significant digits plus 1, booleans and nulls 1 byte, lists and maps 3 bytes plus 1 byte per
  element, sets the sum of their elements
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html);
- reads: one unit per 4 KB of the whole item (a projection does not make it cheaper), half for an
  eventually consistent read, twice for a transactional one; a missing item still costs the
  minimum; a Query sums the items it reads, then rounds up;
- writes: one unit per 1 KB of the larger of the item before and after the write, at least one,
  twice inside a transaction; a write refused by its condition is charged all the same.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

READ_BLOCK = 4096
WRITE_BLOCK = 1024


def _number_size(text: str) -> int:
    digits = str(Decimal(text).normalize()).lstrip("-")
    mantissa = digits.split("E")[0].replace(".", "").lstrip("0").rstrip("0") or "0"
    return math.ceil(len(mantissa) / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """Size in bytes of one typed attribute value ({"S": "..."}, {"N": "1"}, {"L": [...]}, …)."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(str(inner).encode("utf-8"))
    if kind == "N":
        return _number_size(str(inner))
    if kind == "B":
        return len(inner)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "SS":
        return sum(len(str(v).encode("utf-8")) for v in inner)
    if kind == "NS":
        return sum(_number_size(str(v)) for v in inner)
    if kind == "BS":
        return sum(len(v) for v in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    blocks = max(1, math.ceil(size / READ_BLOCK))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else blocks / 2


def write_units(before: int, after: int, *, transactional: bool = False) -> float:
    blocks = max(1, math.ceil(max(before, after) / WRITE_BLOCK))
    return float(2 * blocks if transactional else blocks)
