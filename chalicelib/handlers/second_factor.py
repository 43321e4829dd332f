"""The owner's second factor (api.md "Second factor", R-SEC-2): enrol, confirm, turn off."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import account_forms, second_factor
from chalicelib.domain.records import Caller
from chalicelib.handlers.http import json_body, json_response, route
from chalicelib.wiring import services

bp = Blueprint(__name__)


@route(bp, "POST", "/v1/account/totp", signed_in=True)
def enrol(caller: Caller) -> Response:
    """A pending secret, its otpauth URI and QR code (SVG); shown this once."""
    password = account_forms.read_password(json_body(bp.current_request), "password")
    enrolment = second_factor.enrol(services().second_factor(), caller, password)
    body = {
        "secret": enrolment.secret,
        "otpauth_uri": enrolment.otpauth_uri,
        "qr_svg": enrolment.qr_svg,
    }
    return json_response(body, status=201)


@route(bp, "POST", "/v1/account/totp/confirmation", signed_in=True)
def confirm(caller: Caller) -> Response:
    """The first code turns the factor on; the 10 recovery codes are shown once."""
    code = account_forms.read_factor_code(json_body(bp.current_request))
    codes = second_factor.confirm(services().second_factor(), caller, code)
    return json_response({"recovery_codes": codes})


@route(bp, "POST", "/v1/account/totp/deactivation", signed_in=True)
def deactivate(caller: Caller) -> Response:
    """Password and a code (TOTP or recovery) turn the factor off."""
    form = account_forms.read_factor_deactivation(json_body(bp.current_request))
    second_factor.deactivate(services().second_factor(), caller, form.password, form.code)
    return json_response({"totp_enabled": False})
