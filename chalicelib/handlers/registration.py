"""Registration routes (api.md "Registration", R-REG-*)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import forms, registration, reserved_ids
from chalicelib.domain.claims import ClaimStore
from chalicelib.domain.forms import Problems
from chalicelib.domain.throttles import AVAILABILITY_CHECKS, CODE_REQUESTS
from chalicelib.handlers.auth import origin
from chalicelib.handlers.http import (
    ACCEPTED_TYPES,
    api,
    code_issued,
    json_body,
    json_response,
)
from chalicelib.handlers.throttle import limit_source, read_checked, read_then_limit
from chalicelib.wiring import runtime

bp = Blueprint(__name__)


def _post[F: Callable[..., Any]](path: str) -> Callable[[F], F]:
    return bp.route(path, methods=["POST"], content_types=ACCEPTED_TYPES)


def _availability[T](
    read: Callable[[dict[str, Any], Problems], T],
    available: Callable[[ClaimStore, T], bool],
    settled: Callable[[T], dict[str, Any] | None] = lambda value: None,
) -> Response:
    """«Comprobar disponibilidad»: the field read and checked, the source address's budget
    counted, then one claim looked up (R-REG-1, R-REG-2, R-REG-10). A value that `settled`
    answers by itself is answered at once, with no DynamoDB call."""
    request = bp.current_request
    value = read_checked(request, read)
    answer = settled(value)
    if answer is None:
        limit_source(AVAILABILITY_CHECKS, request)
        answer = {"available": available(runtime().registration().claims, value)}
    return json_response(answer)


def _reserved(user_id: str) -> dict[str, Any] | None:
    """R-HARD-2: a reserved ID is unavailable, by the repo's list alone (api.md "Richer
    refusals"); it tells nothing about accounts, so it is neither looked up nor counted."""
    if not reserved_ids.is_reserved(user_id):
        return None
    return {"available": False, "reason": "RESERVED", "message": reserved_ids.MESSAGE}


@_post("/v1/registration/user-id-availability")
@api
def user_id_availability() -> Response:
    return _availability(forms.read_user_id, registration.user_id_available, _reserved)


@_post("/v1/registration/document-availability")
@api
def document_availability() -> Response:
    return _availability(
        forms.read_document,
        lambda claims, document: registration.document_available(claims, *document),
    )


@_post("/v1/registration/email-availability")
@api
def email_availability() -> Response:
    return _availability(forms.read_email_pair, registration.email_available)


@_post("/v1/registration/security-code")
@api
def security_code() -> Response:
    email = read_then_limit(CODE_REQUESTS, bp.current_request, forms.read_email)
    return code_issued(
        registration.request_registration_code(
            runtime().registration(), email, origin(bp.current_request)
        )
    )


@_post("/v1/registration")
@api
def register() -> Response:
    request = bp.current_request
    form = forms.read_registration(json_body(request))
    user = registration.register(runtime().registration(), form, origin(request))
    return json_response(
        {"user_id": user.user_id, "senae_email": user.senae_email, "status": user.status},
        status=201,
    )
