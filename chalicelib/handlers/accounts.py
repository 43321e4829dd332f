"""The signed-in user's account (api.md "Account", R-MOD-*, R-DEL-*): every view is declared
`signed_in`, so it receives the caller whose session `route` checked."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import account_forms, accounts, forms, privacy_notice
from chalicelib.domain.breached_passwords import refuse_if_breached
from chalicelib.domain.records import Caller, User
from chalicelib.domain.throttles import AVAILABILITY_CHECKS, CODE_REQUESTS
from chalicelib.handlers.challenge import require_solution
from chalicelib.handlers.http import code_issued, json_body, json_response, route
from chalicelib.handlers.throttles import read_then_limit
from chalicelib.wiring import services

bp = Blueprint(__name__)


@route(bp, "GET", "/v1/account", signed_in=True)
def get_account(caller: Caller) -> Response:
    """The user item the session check read: no second read (R-MOD-1)."""
    return json_response(_profile(caller.user))


def _profile(user: User) -> dict[str, Any]:
    """The profile, with the notice version acknowledged and whether it is current (R-PRIV-2)."""
    current = services().settings.privacy_notice_version
    return {
        **accounts.profile(user, services().clock()),
        **privacy_notice.account_fields(user, current),
    }


@route(bp, "PUT", "/v1/account", signed_in=True)
def update_account(caller: Caller) -> Response:
    """One save of the form's changes (R-MOD-2 … R-MOD-8)."""
    form, problems = account_forms.read_account_update_form(
        json_body(bp.current_request), caller.user
    )
    if problems:
        raise accounts.refused_save(services().accounts(), caller, form, problems)
    if form.password is not None:
        # R-ABUSE-2: before the current password's check and the new hash.
        refuse_if_breached(services().breached_passwords(), form.password.new, "new_password")
    updated = accounts.update_account(services().accounts(), caller, form)
    return json_response(_profile(updated))


@route(bp, "POST", "/v1/account/password-check", signed_in=True)
def password_check(caller: Caller) -> Response:
    """The form's "verify" button for the current password (R-MOD-4)."""
    password = account_forms.read_password(json_body(bp.current_request), "current_password")
    accounts.check_password(services().accounts(), caller, password)
    return json_response({"valid": True})


@route(bp, "POST", "/v1/account/email-availability", signed_in=True)
def email_availability(caller: Caller) -> Response:
    """Whether the caller may move to this address (R-MOD-6)."""
    email = read_then_limit(AVAILABILITY_CHECKS, bp.current_request, forms.read_email_pair)
    return json_response(accounts.email_available_for(services().accounts(), caller, email))


@route(bp, "POST", "/v1/account/security-code", signed_in=True)
def security_code(caller: Caller) -> Response:
    """A code mailed to the new address of an e-mail change (R-MOD-6)."""
    email = read_then_limit(CODE_REQUESTS, bp.current_request, forms.read_email, require_solution)
    return code_issued(accounts.request_email_change_code(services().accounts(), caller, email))


@route(bp, "POST", "/v1/account/email-change/confirmation", signed_in=True)
def confirm_email_change(caller: Caller) -> Response:
    """R-HARD-9: the owner keeps the new address; every pending undo link stops working."""
    password = account_forms.read_password(json_body(bp.current_request), "password")
    voided = accounts.confirm_email_change(services().accounts(), caller, password)
    return json_response({"undo_links_voided": voided})


@route(bp, "POST", "/v1/account/deactivation", signed_in=True)
def deactivate(caller: Caller) -> Response:
    """The account becomes DEACTIVATED; nothing is deleted (R-DEL-1, R-DEL-2)."""
    form = account_forms.read_deactivation(json_body(bp.current_request))
    accounts.deactivate(services().accounts(), caller, form)
    return json_response({"status": "DEACTIVATED"})
