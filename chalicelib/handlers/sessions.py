"""Log-in and log-out (api.md "Sessions", R-AUTH-1 … R-AUTH-3)."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import account_forms, sessions
from chalicelib.domain.records import Caller
from chalicelib.domain.sessions import NewSession
from chalicelib.handlers.http import (
    answered_no_sooner_than,
    json_body,
    json_response,
    origin,
    route,
)
from chalicelib.wiring import services

bp = Blueprint(__name__)


def _created(created: NewSession) -> Response:
    body = {
        "token": created.token,
        "expires_at": created.expires_at,
        "idle_timeout_seconds": created.idle_timeout_seconds,
    }
    return json_response(body, status=201)


@route(bp, "POST", "/v1/sessions")
def log_in() -> Response:
    """A locking failure mails the owner, an unknown ID mails nobody: same time (R-HARD-6)."""
    request = bp.current_request
    form = account_forms.read_login(json_body(request))
    with answered_no_sooner_than(services().settings.timing_floor_ms):
        created = sessions.log_in(
            services().sessions(), form.user_id, form.password, origin(request)
        )
    return _created(created)


@route(bp, "POST", "/v1/sessions/totp")
def log_in_with_code() -> Response:
    """The second step of a log-in with a second factor (R-SEC-2): 201 as POST /v1/sessions."""
    request = bp.current_request
    form = account_forms.read_code_step(json_body(request))
    created = sessions.log_in_with_code(
        services().sessions(), form.totp_challenge, form.code, origin(request)
    )
    return _created(created)


@route(bp, "DELETE", "/v1/sessions/current", signed_in=True)
def log_out(caller: Caller) -> Response:
    """Ends the caller's session (R-AUTH-3)."""
    sessions.log_out(services().sessions(), caller)
    return Response(body="", status_code=204)
