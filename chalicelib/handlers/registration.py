"""Registration routes (api.md "Registration", R-REG-*)."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import forms, registration
from chalicelib.domain.forms import Problems
from chalicelib.domain.throttles import AVAILABILITY_CHECKS, CODE_REQUESTS
from chalicelib.handlers.http import ACCEPTED_TYPES, api, json_body, json_response, source_ip
from chalicelib.handlers.throttle import limit_source
from chalicelib.wiring import runtime

bp = Blueprint(__name__)


def _post(path: str):  # type: ignore[no-untyped-def]
    return bp.route(path, methods=["POST"], content_types=ACCEPTED_TYPES)


@_post("/v1/registration/user-id-availability")
@api
def user_id_availability() -> Response:
    problems = Problems()
    user_id = forms.read_user_id(json_body(bp.current_request), problems)
    problems.raise_if_any()
    limit_source(AVAILABILITY_CHECKS, bp.current_request)
    deps = runtime().registration()
    return json_response({"available": registration.user_id_available(deps.claims, user_id)})


@_post("/v1/registration/document-availability")
@api
def document_availability() -> Response:
    problems = Problems()
    document_type, number = forms.read_document(json_body(bp.current_request), problems)
    problems.raise_if_any()
    limit_source(AVAILABILITY_CHECKS, bp.current_request)
    deps = runtime().registration()
    available = registration.document_available(deps.claims, document_type, number)
    return json_response({"available": available})


@_post("/v1/registration/email-availability")
@api
def email_availability() -> Response:
    problems = Problems()
    email = forms.read_email_pair(json_body(bp.current_request), problems)
    problems.raise_if_any()
    limit_source(AVAILABILITY_CHECKS, bp.current_request)
    deps = runtime().registration()
    return json_response({"available": registration.email_available(deps.claims, email)})


@_post("/v1/registration/security-code")
@api
def security_code() -> Response:
    problems = Problems()
    body = json_body(bp.current_request)
    email = forms.read_text(body, "email", problems, forms.fields.normalise_email)
    problems.add("email", forms.fields.check_email(email))
    problems.raise_if_any()
    limit_source(CODE_REQUESTS, bp.current_request)
    issued = registration.request_registration_code(runtime().registration(), email)
    return json_response(
        {
            "expires_in_seconds": issued.expires_in_seconds,
            "resend_after_seconds": issued.resend_after_seconds,
        },
        status=202,
    )


@_post("/v1/registration")
@api
def register() -> Response:
    request = bp.current_request
    form = forms.read_registration(json_body(request))
    user = registration.register(runtime().registration(), form, source_ip(request))
    return json_response(
        {"user_id": user.user_id, "senae_email": user.senae_email, "status": user.status},
        status=201,
    )
