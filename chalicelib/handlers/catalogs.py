"""Catalogue routes (R-CAT-1): public, cacheable by browsers and CDNs."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import catalogs, errors
from chalicelib.handlers.http import json_response, route

bp = Blueprint(__name__)

CACHE = {"Cache-Control": "public, max-age=86400"}


def _items(items: object) -> Response:
    return json_response({"items": items}, headers=CACHE)


@route(bp, "GET", "/v1/catalogs/countries")
def countries() -> Response:
    """Every country, by ISO code."""
    return _items(catalogs.countries())


@route(bp, "GET", "/v1/catalogs/provinces")
def provinces() -> Response:
    """Ecuador's provinces."""
    return _items(catalogs.provinces())


@route(bp, "GET", "/v1/catalogs/provinces/{code}/cities")
def cities(code: str) -> Response:
    """The cities of one province; 404 for an unknown province."""
    items = catalogs.cities(code)
    if items is None:
        raise errors.NotFound(f"No existe la provincia con código «{code[:10]}».")
    return _items(items)


@route(bp, "GET", "/v1/catalogs/mobile-operators")
def mobile_operators() -> Response:
    """The mobile operators the form offers."""
    return _items(list(catalogs.MOBILE_OPERATORS))


@route(bp, "GET", "/v1/catalogs/document-types")
def document_types() -> Response:
    """The identity document types the form offers."""
    return _items(list(catalogs.DOCUMENT_TYPES))
