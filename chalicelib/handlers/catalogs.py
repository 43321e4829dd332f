"""Catalogue routes (R-CAT-1): public, cacheable by browsers and CDNs."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import catalogs, errors
from chalicelib.handlers.http import ACCEPTED_TYPES, api, json_response

bp = Blueprint(__name__)

CACHE = {"Cache-Control": "public, max-age=86400"}


def _items(items: object) -> Response:
    return json_response({"items": items}, headers=CACHE)


@bp.route("/v1/catalogs/countries", methods=["GET"], content_types=ACCEPTED_TYPES)
@api
def countries() -> Response:
    return _items(catalogs.countries())


@bp.route("/v1/catalogs/provinces", methods=["GET"], content_types=ACCEPTED_TYPES)
@api
def provinces() -> Response:
    return _items(catalogs.provinces())


@bp.route("/v1/catalogs/provinces/{code}/cities", methods=["GET"], content_types=ACCEPTED_TYPES)
@api
def cities(code: str) -> Response:
    items = catalogs.cities(code)
    if items is None:
        raise errors.NotFound(f"No existe la provincia con código «{code[:10]}».")
    return _items(items)


@bp.route("/v1/catalogs/mobile-operators", methods=["GET"], content_types=ACCEPTED_TYPES)
@api
def mobile_operators() -> Response:
    return _items(list(catalogs.MOBILE_OPERATORS))


@bp.route("/v1/catalogs/document-types", methods=["GET"], content_types=ACCEPTED_TYPES)
@api
def document_types() -> Response:
    return _items(list(catalogs.DOCUMENT_TYPES))
