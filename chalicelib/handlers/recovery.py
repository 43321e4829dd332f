"""Password recovery and the undo of an e-mail change (issue 8). No session: the mailed code and
the mailed link are the credentials. Every answer is `Cache-Control: no-store`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import recovery
from chalicelib.domain.throttles import CODE_REQUESTS
from chalicelib.handlers.auth import origin, private
from chalicelib.handlers.http import (
    ACCEPTED_TYPES,
    answered_no_sooner_than,
    api,
    code_issued,
    json_body,
    json_response,
)
from chalicelib.handlers.throttle import limit_source
from chalicelib.wiring import runtime

bp = Blueprint(__name__)


def _post[F: Callable[..., Any]](path: str) -> Callable[[F], F]:
    return bp.route(path, methods=["POST"], content_types=ACCEPTED_TYPES)


@_post("/v1/password-recovery/security-code")
@api
def security_code() -> Response:
    request = bp.current_request
    identifier = recovery.read_identifier(json_body(request))
    # The same per-source budget as every other code request (issue 6): it also caps how many
    # identifiers one address can probe, whatever they answer.
    limit_source(CODE_REQUESTS, request)
    # An account's code is mailed and audited; an unknown one's is not (R-HARD-6).
    with answered_no_sooner_than(runtime().settings.timing_floor_ms):
        issued = recovery.request_code(runtime().recovery(), identifier, origin(request))
    return private(code_issued(issued))


@_post("/v1/password-recovery")
@api
def recover_password() -> Response:
    request = bp.current_request
    form = recovery.read_recovery(json_body(request))
    with answered_no_sooner_than(runtime().settings.timing_floor_ms):
        recovery.recover_password(runtime().recovery(), form, origin(request))
    return private(json_response({"status": "PASSWORD_RESET"}))


@_post("/v1/account/email-change/undo")
@api
def undo_email_change() -> Response:
    request = bp.current_request
    token = recovery.read_undo_token(json_body(request))
    recovery.undo_email_change(runtime().recovery(), token, origin(request))
    return private(json_response({"status": "EMAIL_RESTORED"}))
