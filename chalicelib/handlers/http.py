"""How every view is declared (`route`), reads its request and answers (api.md): the one place
where domain errors become HTTP answers, and the API's `http` middleware."""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from chalice import Blueprint
from chalice.app import Request, Response

from chalicelib import logs, metrics
from chalicelib.config import get_settings
from chalicelib.domain import errors, sessions
from chalicelib.domain.records import USER_AGENT_MAX, Caller, Origin
from chalicelib.domain.security_codes import CodeIssued
from chalicelib.wiring import services

log = logging.getLogger(__name__)

JSON = {"Content-Type": "application/json; charset=utf-8"}

View = Callable[..., Any]


def error_response(error: errors.ApiError) -> Response:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.fields:
        body["fields"] = error.fields
    if error.attempts_left is not None:
        body["attempts_left"] = error.attempts_left
    body.update(error.details())
    headers: dict[str, str | list[str]] = dict(JSON)
    if error.retry_after is not None:
        headers["Retry-After"] = str(max(1, int(error.retry_after)))
    if isinstance(error, errors.Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return Response(body={"error": body}, status_code=error.status, headers=headers)


# The refusals the operators watch (R-MAIL-5), by the error that answers them.
REFUSAL_METRICS = {
    "EMAIL_UNDELIVERABLE": metrics.UNDELIVERABLE_REFUSED,
    "TOO_MANY_REQUESTS": metrics.THROTTLED,
}


def _count_refusal(error: errors.ApiError) -> None:
    name = REFUSAL_METRICS.get(error.code)
    if isinstance(error, errors.AccountLocked) and error.started:
        # A lock-out is the answer that started a lock, not every answer refused during it.
        name = metrics.LOCK_OUTS
    if name is not None:
        metrics.count(name)


def _from_dependency(exc: Exception) -> bool:
    return type(exc).__module__.split(".")[0] in {"botocore", "boto3", "pynamodb", "urllib3"}


def caller(request: Request) -> Caller:
    """The session check (R-AUTH-1): one DynamoDB call for session and user together."""
    return sessions.authenticate(services().sessions(), bearer_token(request), origin(request))


def route(
    bp: Blueprint, method: str, path: str, *, signed_in: bool = False
) -> Callable[[View], View]:
    """Declares a view: `bp`'s route for `method` and `path`. An ApiError becomes its status and
    shape; any other error never leaks (a failing dependency is a 503, anything else a 500).

    With `signed_in`, the session is checked before anything else (the body included) and the
    view receives the `Caller`, whose user item it reuses.
    """

    def declare(view: View) -> View:
        @functools.wraps(view)
        def answer(*args: Any, **kwargs: Any) -> Any:
            try:
                if signed_in:
                    return view(caller(bp.current_request), *args, **kwargs)
                return view(*args, **kwargs)
            except errors.ApiError as error:
                _count_refusal(error)
                return error_response(error)
            except Exception as exc:
                if _from_dependency(exc):
                    log.error("dependency failed", extra={"error_type": type(exc).__name__})
                    return error_response(errors.ServiceUnavailable())
                log.exception("unhandled error")
                return error_response(errors.ApiError())

        routed: View = bp.route(path, methods=[method], content_types=ACCEPTED_TYPES)(answer)
        return routed

    return declare


JSON_ONLY = "Envíe los datos como JSON (Content-Type: application/json)."


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; anything else is a 400 in the api.md error shape.

    R-HARD-7: the body must be declared `application/json` (parameters such as a charset are
    fine); a missing type is refused too. A browser sends a cross-site POST without a CORS
    preflight only with no type or a CORS-safelisted one (text/plain, form-urlencoded,
    multipart), so no other web site can make its visitors' browsers request codes, send mail
    or spend log-in tries here. Every view that takes a body reads it through this function
    before any work (an authenticated one right after its session check). 400 VALIDATION_ERROR
    rather than 415: one code for every malformed request (api.md allows either).
    """
    # chalice types raw_body as str | bytes, but it always encodes a str body to bytes.
    raw = cast(bytes, request.raw_body) or b""
    if len(raw) > get_settings().max_body_bytes:
        raise errors.ValidationFailed("La solicitud es demasiado grande (máximo 64 KiB).")
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise errors.ValidationFailed(JSON_ONLY)
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
        # A "\ud800" escape decodes to a lone surrogate, which cannot be encoded again (hashing a
        # code or password would raise); deep nesting exhausts the recursion limit. Both are
        # malformed input, not server errors.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        raise errors.ValidationFailed("El cuerpo de la solicitud no es un JSON válido.") from None
    if not isinstance(body, dict):
        raise errors.ValidationFailed("El cuerpo de la solicitud debe ser un objeto JSON.")
    return body


def source_ip(request: Request) -> str:
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def origin(request: Request) -> Origin:
    user_agent = (request.headers.get("user-agent") or "")[:USER_AGENT_MAX]
    return Origin(source_ip=source_ip(request), user_agent=user_agent)


def bearer_token(request: Request) -> str:
    scheme, _, token = (request.headers.get("authorization") or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def security_headers(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice `http` middleware: the headers every answer of the API carries (api.md).

    - `X-Content-Type-Options: nosniff`: a browser never runs a JSON answer as a script or page.
    - `Cache-Control: no-store` unless the view chose a policy (catalogues, the OpenAPI document
      are public): answers about one person (availability, sessions, the account, errors) never
      sit in a browser's or a proxy's cache.
    """
    response = get_response(request)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def access_log(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice `http` middleware: one access line per request, written once the answer is known
    (R-OPS-3)."""
    started = time.perf_counter()
    status = 500
    with logs.request_scope(request):
        try:
            response = get_response(request)
            status = response.status_code
            return response
        finally:
            logs.access(status, (time.perf_counter() - started) * 1000, source_ip(request))


@contextmanager
def answered_no_sooner_than(milliseconds: int) -> Iterator[None]:
    """The block's answer, success or refusal, leaves no sooner than `milliseconds` after the
    block started (R-HARD-6).

    An existing account costs more work than an unknown one (a mail, an audit item, a lock-out
    notice), and the difference is measurable from outside. Doing the same work for an unknown
    ID is not possible (there is nobody to mail), so every answer of such a view waits until
    the same fixed time instead; the floor is set above the slowest case. A sleep, not CPU: it
    costs billed duration only.
    """
    start = time.monotonic()
    try:
        yield
    finally:
        left = milliseconds / 1000 - (time.monotonic() - start)
        if left > 0:
            time.sleep(left)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status, headers={**JSON, **(headers or {})})


def code_issued(issued: CodeIssued) -> Response:
    """The 202 of every security-code request (api.md)."""
    metrics.count(metrics.CODES_SENT)
    body = {
        "expires_in_seconds": issued.expires_in_seconds,
        "resend_after_seconds": issued.resend_after_seconds,
    }
    return json_response(body, status=202)


# Chalice answers a content type a route does not list itself, with a 415 in its own error shape;
# accepting every type here lets json_body refuse them in the api.md shape instead.
ACCEPTED_TYPES = ["application/json", "*/*"]
