"""The signed-in person's open sessions (api.md "Sessions" of the second wave, R-SEC-1)."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import account_sessions
from chalicelib.domain.records import Caller
from chalicelib.handlers.http import json_body, json_response, route
from chalicelib.wiring import services

bp = Blueprint(__name__)


@route(bp, "GET", "/v1/account/sessions", signed_in=True)
def list_sessions(caller: Caller) -> Response:
    """This session first, then the others (R-SEC-1)."""
    rows = account_sessions.listing(services().account_sessions(), caller)
    return json_response({"items": [row.as_json() for row in rows]})


@route(bp, "DELETE", "/v1/account/sessions/{session_id}", signed_in=True)
def end_session(caller: Caller, session_id: str) -> Response:
    """Ends one open session of the account; 404 for any other id (R-SEC-1)."""
    account_sessions.end_one(services().account_sessions(), caller, session_id)
    return Response(body="", status_code=204)


@route(bp, "POST", "/v1/account/sessions/end-others", signed_in=True)
def end_other_sessions(caller: Caller) -> Response:
    """Ends every session of the account but this one (R-SEC-1)."""
    request = bp.current_request
    # api.md gives this route no body; one that is sent must still be a JSON object (R-HARD-7).
    if request.raw_body:
        json_body(request)
    ended = account_sessions.end_others(services().account_sessions(), caller)
    return json_response({"ended": ended})
