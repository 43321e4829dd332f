"""The proof of work (api.md "Proof of work", R-ABUSE-1): the challenge, and its check as the
mail-sending views and the registration call it."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from chalice.app import Response

from chalicelib.domain import errors
from chalicelib.handlers.http import json_response, route
from chalicelib.wiring import services

bp = Blueprint(__name__)


@route(bp, "GET", "/v1/challenge")
def challenge() -> Response:
    """A fresh challenge for the widget; no DynamoDB call (a challenge is stateless until its
    solution is spent)."""
    proof = services().proof_of_work()
    body = {"required": proof is not None, "challenge": proof.challenge() if proof else None}
    return json_response(body)


def require_solution(body: dict[str, Any]) -> None:
    """The body's `altcha` must be a fresh, unused solution when PROOF_OF_WORK is on: checked
    by CPU alone (a missing or wrong one is refused with no call), then spent in one conditional
    write. Views call it once the fields are read and before any other work."""
    proof = services().proof_of_work()
    payload = body.get("altcha")
    if proof is not None:
        proof.require(payload)
    elif payload is not None and not isinstance(payload, str):
        # Not asked for; but what is sent must still be what api.md says: the widget's string.
        raise errors.ChallengeInvalid()
