"""The logged-in user's account (api.md "Account", R-MOD-*, R-DEL-*). Every view is
`@signed_in`: the session check happens there, once, and hands the view the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import account_forms, accounts, forms
from chalicelib.domain.records import Caller
from chalicelib.domain.throttles import AVAILABILITY_CHECKS, CODE_REQUESTS
from chalicelib.handlers.auth import authenticated
from chalicelib.handlers.http import ACCEPTED_TYPES, api, code_issued, json_body, json_response
from chalicelib.handlers.throttle import read_then_limit
from chalicelib.wiring import runtime

bp = Blueprint(__name__)
signed_in = authenticated(bp)


def _route[F: Callable[..., Any]](path: str, method: str) -> Callable[[F], F]:
    return bp.route(path, methods=[method], content_types=ACCEPTED_TYPES)


@_route("/v1/account", "GET")
@api
@signed_in
def get_account(caller: Caller) -> Response:
    # The user item the session check read: no second read (R-MOD-1).
    return json_response(accounts.profile(caller.user))


@_route("/v1/account", "PUT")
@api
@signed_in
def update_account(caller: Caller) -> Response:
    form = account_forms.read_account_update(json_body(bp.current_request), caller.user)
    updated = accounts.update_account(runtime().accounts(), caller, form)
    return json_response(accounts.profile(updated))


@_route("/v1/account/password-check", "POST")
@api
@signed_in
def password_check(caller: Caller) -> Response:
    password = account_forms.read_password(json_body(bp.current_request), "current_password")
    accounts.check_password(runtime().accounts(), caller, password)
    return json_response({"valid": True})


@_route("/v1/account/email-availability", "POST")
@api
@signed_in
def email_availability(caller: Caller) -> Response:
    email = read_then_limit(AVAILABILITY_CHECKS, bp.current_request, forms.read_email_pair)
    available = accounts.email_available_for(runtime().accounts(), caller, email)
    return json_response({"available": available})


@_route("/v1/account/security-code", "POST")
@api
@signed_in
def security_code(caller: Caller) -> Response:
    email = read_then_limit(CODE_REQUESTS, bp.current_request, forms.read_email)
    return code_issued(accounts.request_email_change_code(runtime().accounts(), caller, email))


@_route("/v1/account/email-change/confirmation", "POST")
@api
@signed_in
def confirm_email_change(caller: Caller) -> Response:
    """R-HARD-9: the owner keeps the new address; every pending undo link stops working."""
    password = account_forms.read_password(json_body(bp.current_request), "password")
    voided = accounts.confirm_email_change(runtime().accounts(), caller, password)
    return json_response({"undo_links_voided": voided})


@_route("/v1/account/deactivation", "POST")
@api
@signed_in
def deactivate(caller: Caller) -> Response:
    form = account_forms.read_deactivation(json_body(bp.current_request))
    accounts.deactivate(runtime().accounts(), caller, form)
    return json_response({"status": "DEACTIVATED"})
