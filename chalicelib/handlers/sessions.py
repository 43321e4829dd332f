"""Log-in and log-out (api.md "Sessions", R-AUTH-1 … R-AUTH-3)."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import account_forms, sessions
from chalicelib.domain.records import Caller
from chalicelib.handlers.auth import authenticated, origin, private
from chalicelib.handlers.http import (
    ACCEPTED_TYPES,
    answered_no_sooner_than,
    api,
    json_body,
    json_response,
)
from chalicelib.wiring import runtime

bp = Blueprint(__name__)
signed_in = authenticated(bp)


@bp.route("/v1/sessions", methods=["POST"], content_types=ACCEPTED_TYPES)
@api
def log_in() -> Response:
    request = bp.current_request
    form = account_forms.read_login(json_body(request))
    # A locking failure of an account mails its owner; an unknown ID's mails nobody (R-HARD-6).
    with answered_no_sooner_than(runtime().settings.timing_floor_ms):
        created = sessions.log_in(
            runtime().sessions(), form.user_id, form.password, origin(request)
        )
    body = {
        "token": created.token,
        "expires_at": created.expires_at,
        "idle_timeout_seconds": created.idle_timeout_seconds,
    }
    return private(json_response(body, status=201))


@bp.route("/v1/sessions/current", methods=["DELETE"], content_types=ACCEPTED_TYPES)
@api
@signed_in
def log_out(caller: Caller) -> Response:
    sessions.log_out(runtime().sessions(), caller)
    return Response(body="", status_code=204)
