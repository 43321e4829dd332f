"""Registration routes (api.md "Registration", R-REG-*)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint
from chalice.app import Response

from chalicelib import metrics
from chalicelib.domain import errors, forms, registration, reserved_ids
from chalicelib.domain.breached_passwords import refuse_if_breached
from chalicelib.domain.claims import ClaimStore
from chalicelib.domain.forms import Problems
from chalicelib.domain.throttles import AVAILABILITY_CHECKS, CODE_REQUESTS
from chalicelib.handlers.challenge import require_solution
from chalicelib.handlers.http import code_issued, json_body, json_response, origin, route
from chalicelib.handlers.throttles import limit_source, read_checked, read_then_limit
from chalicelib.wiring import services

bp = Blueprint(__name__)


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
        answer = {"available": available(services().registration().claims, value)}
    return json_response(answer)


def _reserved(user_id: str) -> dict[str, Any] | None:
    """R-HARD-2: a reserved ID is unavailable, by the repo's list alone (api.md "Richer
    refusals"); it tells nothing about accounts, so it is neither looked up nor counted."""
    if not reserved_ids.is_reserved(user_id):
        return None
    return {"available": False, "reason": "RESERVED", "message": reserved_ids.MESSAGE}


@route(bp, "POST", "/v1/registration/user-id-availability")
def user_id_availability() -> Response:
    """«Comprobar disponibilidad» of the ID; a reserved one is answered as such (R-HARD-2)."""
    return _availability(forms.read_user_id, registration.user_id_available, _reserved)


@route(bp, "POST", "/v1/registration/document-availability")
def document_availability() -> Response:
    """«Comprobar disponibilidad» of the identity document."""
    return _availability(
        forms.read_document,
        lambda claims, document: registration.document_available(claims, *document),
    )


@route(bp, "POST", "/v1/registration/email-availability")
def email_availability() -> Response:
    """«Comprobar disponibilidad» of the e-mail address, and whether mail reaches it
    (R-MAIL-3)."""
    request = bp.current_request
    email = read_checked(request, forms.read_email_pair)
    limit_source(AVAILABILITY_CHECKS, request)
    claims = services().registration().claims
    return json_response(registration.email_availability(claims, email, services().clock()))


@route(bp, "POST", "/v1/registration/security-code")
def security_code() -> Response:
    """The code mailed to the address being registered."""
    request = bp.current_request
    email = read_then_limit(CODE_REQUESTS, request, forms.read_email, require_solution)
    deps = services().registration()
    return code_issued(registration.request_registration_code(deps, email, origin(request)))


@route(bp, "POST", "/v1/registration")
def register() -> Response:
    """Creates the account (api.md "Registration", R-REG-*)."""
    request = bp.current_request
    body = json_body(request)
    form, problems = forms.read_registration_form(body)
    # R-ABUSE-1: spent even when the form is refused, whose answer tells which values are taken.
    require_solution(body)
    if "password" not in problems:
        # R-ABUSE-2: before the code and the hash; named with the other problems (R-UX-1).
        try:
            refuse_if_breached(services().breached_passwords(), form.password, "password")
        except errors.ValidationFailed as breached:
            problems.update(breached.fields)
    user = registration.register(services().registration(), form, origin(request), problems)
    metrics.count(metrics.REGISTRATIONS)
    body = {"user_id": user.user_id, "senae_email": user.senae_email, "status": user.status}
    return json_response(body, status=201)
