"""Catalogues (R-CAT-1, R-REG-5): read from chalicelib/data on first use, then kept.

Loaded lazily so that a cold start that serves no catalogue or registration never parses them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"

MOBILE_OPERATORS: tuple[dict[str, str], ...] = (
    {"code": "CLARO", "name": "Claro"},
    {"code": "MOVISTAR", "name": "Movistar"},
    {"code": "CNT", "name": "Cnt"},
    {"code": "TUENTI", "name": "Tuenti"},
    {"code": "OTROS", "name": "OTROS"},
)

DOCUMENT_TYPES: tuple[dict[str, str], ...] = (
    {"code": "RUC", "name": "RUC"},
    {"code": "CEDULA", "name": "Cédula de Identidad"},
    {"code": "PASAPORTE", "name": "Pasaporte"},
)


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return document


@cache
def countries() -> list[dict[str, str]]:
    items: list[dict[str, str]] = _load("countries.json")["items"]
    return items


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(c["code"] for c in countries())


@cache
def _dpa() -> dict[str, Any]:
    return _load("ecuador_dpa.json")


@cache
def provinces() -> list[dict[str, str]]:
    return [{"code": p["code"], "name": p["name"]} for p in _dpa()["provinces"]]


@cache
def _cities_by_province() -> dict[str, list[dict[str, str]]]:
    return {p["code"]: p["cities"] for p in _dpa()["provinces"]}


def cities(province_code: str) -> list[dict[str, str]] | None:
    """The cantons of a province, or None for an unknown province."""
    return _cities_by_province().get(province_code)


def is_country(code: str) -> bool:
    return code in _country_codes()


def is_province(code: str) -> bool:
    return code in _cities_by_province()


def is_city(province_code: str, city_code: str) -> bool:
    return any(c["code"] == city_code for c in cities(province_code) or ())


def is_mobile_operator(code: str) -> bool:
    return any(o["code"] == code for o in MOBILE_OPERATORS)
