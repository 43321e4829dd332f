"""The privacy notice, its acknowledgement and the data export (api.md "Privacy", R-PRIV-1 …
R-PRIV-3)."""

from __future__ import annotations

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import (
    account_forms,
    account_sessions,
    accounts,
    forms,
    privacy,
    privacy_notice,
)
from chalicelib.domain.records import Caller, audit
from chalicelib.handlers.http import json_body, json_response, route
from chalicelib.wiring import services

bp = Blueprint(__name__)

# Public and the same for everyone; an hour, so that a new version reaches browsers soon.
NOTICE_CACHE = "public, max-age=3600"


@route(bp, "GET", "/v1/privacy-notice")
def get_notice() -> Response:
    """The notice's version, page and variable parts, from configuration (R-PRIV-1)."""
    body = privacy_notice.notice(services().privacy)
    return json_response(body, headers={"Cache-Control": NOTICE_CACHE})


@route(bp, "POST", "/v1/account/privacy-notice-acknowledgement", signed_in=True)
def acknowledge(caller: Caller) -> Response:
    """The signed-in person read the current notice (R-PRIV-2)."""
    from chalicelib.store.privacy import DynamoAcknowledgements

    problems = forms.Problems()
    version = forms.read_text(json_body(bp.current_request), "version", problems)
    problems.raise_if_any()
    api = services()
    acknowledged = privacy_notice.acknowledge(
        DynamoAcknowledgements(), caller, version, api.settings.privacy_notice_version, api.clock()
    )
    return json_response({"privacy_notice_version": acknowledged})


@route(bp, "POST", "/v1/account/data-export", signed_in=True)
def data_export(caller: Caller) -> Response:
    """«Descargar mis datos» (R-PRIV-3): with the password, whose wrong tries count toward the
    lock-out (R-HARD-1); the export is audited (DATA_EXPORTED)."""
    from chalicelib.store.audit import DynamoAuditTrail

    password = account_forms.read_password(json_body(bp.current_request), "password")
    api = services()
    accounts.check_password(api.accounts(), caller, password)
    now = api.clock()
    trail = DynamoAuditTrail()
    deps = privacy.ExportDeps(trail, api.settings.privacy_notice_version)
    sessions = account_sessions.listing(api.account_sessions(), caller)
    document = privacy.export_for(deps, caller.user, sessions, now)
    trail.append(audit(caller.user.user_id, privacy.EXPORTED, now, caller.origin))
    name = privacy.file_name(caller.user.user_id, now)
    return json_response(
        document, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
