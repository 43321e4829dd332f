"""Health and the published OpenAPI document."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import errors
from chalicelib.handlers.http import ACCEPTED_TYPES, api, json_response

bp = Blueprint(__name__)

OPENAPI = Path(__file__).resolve().parent.parent / "openapi.json"


@cache
def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return document


@bp.route("/v1/health", methods=["GET"], content_types=ACCEPTED_TYPES)
@api
def health() -> Response:
    from chalicelib.store.health import tables_reachable

    if not tables_reachable():
        raise errors.ServiceUnavailable()
    return json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})


@bp.route("/v1/openapi.json", methods=["GET"], content_types=ACCEPTED_TYPES)
@api
def openapi() -> Response:
    return json_response(openapi_document(), headers={"Cache-Control": "public, max-age=3600"})
