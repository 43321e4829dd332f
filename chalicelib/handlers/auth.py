"""The one way an authenticated route checks its caller (R-AUTH-1, api.md "Account").

`authenticated(bp)` returns the decorator every view of that blueprint puts under `@api`: it
reads `Authorization: Bearer <token>`, lets chalicelib.domain.sessions check it (one DynamoDB
call for session and user together), hands the view a `Caller` whose user item the view reuses,
and marks every answer, errors included, `Cache-Control: no-store`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice import Blueprint
from chalice.app import Request, Response

from chalicelib.domain import errors, sessions
from chalicelib.domain.records import Origin
from chalicelib.handlers.http import error_response, source_ip
from chalicelib.wiring import runtime

AuthView = Callable[..., Response]
USER_AGENT_MAX = 256


def origin(request: Request) -> Origin:
    user_agent = (request.headers.get("user-agent") or "")[:USER_AGENT_MAX]
    return Origin(source_ip=source_ip(request), user_agent=user_agent)


def bearer_token(request: Request) -> str:
    scheme, _, token = (request.headers.get("authorization") or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def private(response: Response) -> Response:
    """Answers about one person's account must never sit in a shared cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def authenticated(blueprint: Blueprint) -> Callable[[AuthView], Callable[..., Response]]:
    def decorate(view: AuthView) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            request = blueprint.current_request
            try:
                caller = sessions.authenticate(
                    runtime().sessions(), bearer_token(request), origin(request)
                )
                response = view(caller, *args, **kwargs)
            except errors.Unauthorized as error:
                response = error_response(error)
                response.headers["WWW-Authenticate"] = "Bearer"
            except errors.ApiError as error:
                response = error_response(error)
            return private(response)

        return wrapper

    return decorate
