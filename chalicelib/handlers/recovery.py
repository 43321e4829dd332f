"""Password recovery and the undo of an e-mail change (api.md, R-HARD-6, R-HARD-9). No session:
the mailed code and the mailed link are the credentials."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import recovery
from chalicelib.domain.breached_passwords import refuse_if_breached
from chalicelib.domain.throttles import CODE_REQUESTS
from chalicelib.handlers.challenge import require_solution
from chalicelib.handlers.http import (
    answered_no_sooner_than,
    code_issued,
    json_body,
    json_response,
    origin,
    route,
)
from chalicelib.handlers.throttles import limit_source
from chalicelib.wiring import services

bp = Blueprint(__name__)


@route(bp, "POST", "/v1/password-recovery/security-code")
def security_code() -> Response:
    """The code request's per-source budget caps the identifiers one address can probe; an
    account's code is mailed and audited, an unknown one's is not: same time (R-HARD-6)."""
    request = bp.current_request
    body = json_body(request)
    identifier = recovery.read_identifier(body)
    require_solution(body)
    limit_source(CODE_REQUESTS, request)
    with answered_no_sooner_than(services().settings.timing_floor_ms):
        issued = recovery.request_code(services().recovery(), identifier, origin(request))
    return code_issued(issued)


@route(bp, "POST", "/v1/password-recovery")
def recover_password() -> Response:
    """A new password against the mailed code, in the same time for any ID (R-HARD-6)."""
    request = bp.current_request
    form = recovery.read_recovery(json_body(request))
    with answered_no_sooner_than(services().settings.timing_floor_ms):
        # R-ABUSE-2: inside the floor (the answer's time tells nothing) and before the hash.
        refuse_if_breached(services().breached_passwords(), form.new_password, "new_password")
        recovery.recover_password(services().recovery(), form, origin(request))
    return json_response({"status": "PASSWORD_RESET"})


@route(bp, "POST", "/v1/account/email-change/undo")
def undo_email_change() -> Response:
    """The old address's one-time link puts it back (R-HARD-9)."""
    request = bp.current_request
    token = recovery.read_undo_token(json_body(request))
    recovery.undo_email_change(services().recovery(), token, origin(request))
    return json_response({"status": "EMAIL_RESTORED"})
