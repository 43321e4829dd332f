"""R-ABUSE-1 in Chromium: the registration form solves the local API's ALTCHA challenges for
real (PROOF_OF_WORK is on in the local stage, and nothing here turns it off), in Web Workers from
the page's own origin under its strict CSP, with no click; each request takes its own solution.
The solve times are printed (`pytest -s`), measured, never asserted."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Stack
from tests.browser.pages import (
    Console,
    api,
    assert_accessible,
    fill_registration,
    log_in_by_api,
    open_page,
    person,
    wait_for_proof_of_work,
)


def sent_bodies(page: Page, path: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith(path):
            bodies.append(request.post_data_json or {})

    page.on("request", record)
    return bodies


def test_registration_solves_the_proof_of_work_in_the_background_r_abuse_1(
    page: Page, stack: Stack
) -> None:
    assert api(stack, "GET", "/v1/challenge").body["required"] is True
    console = Console(page)
    codes = sent_bodies(page, "/v1/registration/security-code")
    registrations = sent_bodies(page, "/v1/registration")
    who = person("trabajo", 4_765_432)

    started = time.monotonic()
    open_page(page, stack, "registro.html")
    # No click: the widget solves as soon as the form opens, and says so.
    status = page.get_by_test_id("proof-of-work-status")
    wait_for_proof_of_work(page)
    print(f"\nfirst solution {time.monotonic() - started:.2f} s after opening the page")
    expect(status).to_have_text("Verificación automática completada.")
    assert status.get_attribute("role") == "status"
    widget = page.locator("altcha-widget")
    expect(widget).to_have_count(1)
    expect(widget.get_by_role("checkbox")).to_be_checked()
    expect(widget).to_contain_text("Verificación automática completada")
    assert_accessible(page, "the proof of work solved")

    fill_registration(page, who)
    page.get_by_test_id("check-email").click()
    expect(page.get_by_test_id("check-email-result")).to_contain_text("Disponible")
    page.get_by_role("button", name="Solicitar código de seguridad").click()
    expect(page.get_by_test_id("request-code-result")).to_contain_text(who.email)
    code = stack.last_code(who.email)
    # A fresh solution for the next request, solved again at once.
    wait_for_proof_of_work(page)
    page.fill("#security_code", code)
    page.get_by_role("button", name="Registrar").click()
    expect(page.get_by_test_id("registration-success")).to_be_visible()
    assert log_in_by_api(stack, who.user_id, who.password).status == 201

    assert len(codes) == 1 and len(registrations) == 1
    first, second = codes[0]["altcha"], registrations[0]["altcha"]
    assert first and second and first != second, "each request needs its own solution"
    console.check()


def test_the_solution_is_single_use_so_the_form_sends_a_new_one_each_time_r_abuse_1(
    page: Page, stack: Stack
) -> None:
    codes = sent_bodies(page, "/v1/password-recovery/security-code")
    open_page(page, stack, "recuperar.html")
    for attempt in range(2):
        wait_for_proof_of_work(page)
        page.fill("#identifier", f"nadie.{attempt}")
        page.get_by_test_id("recovery-request").click()
        expect(page.get_by_test_id("recovery-request-result")).to_contain_text("código")
        page.reload()
    assert len(codes) == 2
    assert codes[0]["altcha"] != codes[1]["altcha"]
    replay = api(
        stack, "POST", "/v1/password-recovery/security-code", {"user_id": "x.y.z", **codes[0]}
    )
    assert replay.status == 400 and replay.body["error"]["code"] == "CHALLENGE_INVALID"
