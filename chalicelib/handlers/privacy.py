"""The privacy notice and its acknowledgement (api.md "Privacy", R-PRIV-1, R-PRIV-2)."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import forms, privacy_notice
from chalicelib.domain.records import Caller
from chalicelib.handlers.http import json_body, json_response, route
from chalicelib.wiring import services

bp = Blueprint(__name__)

# Public and the same for everyone; an hour, so that a new version reaches browsers soon.
NOTICE_CACHE = "public, max-age=3600"


@route(bp, "GET", "/v1/privacy-notice")
def get_notice() -> Response:
    """The notice's version, page and variable parts, from configuration (R-PRIV-1)."""
    body = privacy_notice.notice(services().privacy)
    return json_response(body, headers={"Cache-Control": NOTICE_CACHE})


@route(bp, "POST", "/v1/account/privacy-notice-acknowledgement", signed_in=True)
def acknowledge(caller: Caller) -> Response:
    """The signed-in person read the current notice (R-PRIV-2)."""
    from chalicelib.store.privacy import DynamoAcknowledgements

    problems = forms.Problems()
    version = forms.read_text(json_body(bp.current_request), "version", problems)
    problems.raise_if_any()
    api = services()
    acknowledged = privacy_notice.acknowledge(
        DynamoAcknowledgements(), caller, version, api.settings.privacy_notice_version, api.clock()
    )
    return json_response({"privacy_notice_version": acknowledged})
