"""Health and the published OpenAPI document."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import errors
from chalicelib.handlers.http import json_response, route

bp = Blueprint(__name__)

OPENAPI = Path(__file__).resolve().parent.parent / "openapi.json"


@cache
def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document


@route(bp, "GET", "/v1/health")
def health() -> Response:
    """200 while the tables answer, else 503."""
    from chalicelib.store.health import tables_reachable

    if not tables_reachable():
        raise errors.ServiceUnavailable()
    return json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})


@route(bp, "GET", "/v1/openapi.json")
def openapi() -> Response:
    """The published contract (chalicelib/openapi.json)."""
    return json_response(openapi_document(), headers={"Cache-Control": "public, max-age=3600"})
