"""The local stack as `make run` starts it, seen over HTTP (R-OPS-2, api.md Statuses)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.browser.conftest import Stack
from tests.helpers import solved_at


def fetch(url: str, method: str = "GET", body: Any = None, **headers: str) -> tuple[int, Any, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


def test_unknown_route_answers_404_in_the_error_shape_as_deployed(stack: Stack) -> None:
    status, body, headers = fetch(f"{stack.api}/v1/no-such-route")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "NOT_FOUND"
    assert headers["Access-Control-Allow-Origin"] == stack.web


def test_unknown_method_answers_404_in_the_error_shape_as_deployed(stack: Stack) -> None:
    status, body, _ = fetch(f"{stack.api}/v1/health", method="DELETE")
    assert status == 404
    assert json.loads(body)["error"]["code"] == "NOT_FOUND"


def test_web_config_points_at_the_local_api(stack: Stack) -> None:
    status, body, _ = fetch(f"{stack.web}/config.js")
    assert status == 200
    assert f'"{stack.api}"' in body


def test_api_allows_the_web_origin_only(stack: Stack) -> None:
    _, _, headers = fetch(f"{stack.api}/v1/catalogs/provinces", Origin=stack.web)
    assert headers["Access-Control-Allow-Origin"] == stack.web


def test_outbox_lists_every_mail_newest_first(stack: Stack) -> None:
    for address in ("primero.outbox@example.com", "segundo.outbox@example.com"):
        status, _, _ = fetch(
            f"{stack.api}/v1/registration/security-code",
            "POST",
            {"email": address, "altcha": solved_at(stack.api)},
        )
        assert status == 202
    stack.last_code("segundo.outbox@example.com")
    status, page, _ = fetch(f"{stack.web}/outbox")
    assert status == 200
    assert "ACTIVACIÓN DE CORREO ELECTRÓNICO" in page
    assert page.index("segundo.outbox@example.com") < page.index("primero.outbox@example.com")


def test_the_outbox_updates_itself_without_reloading_and_has_landmarks(
    stack: Stack, page: Any
) -> None:
    """No meta refresh (it moves focus and the reading position); it polls and says so."""
    page.goto(f"{stack.web}/outbox")
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    assert page.locator("main").count() == 1 and page.locator("header h1").count() == 1
    page.evaluate("window.marker = 'same page'")
    address = "tercero.outbox@example.com"
    body = {"email": address, "altcha": solved_at(stack.api)}
    status, _, _ = fetch(f"{stack.api}/v1/registration/security-code", "POST", body)
    assert status == 202
    page.get_by_text(address).wait_for(timeout=10_000)
    assert page.evaluate("window.marker") == "same page"
    assert "Llegó un correo nuevo" in page.locator("#estado").inner_text()
