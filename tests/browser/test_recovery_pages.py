"""«¿Olvidó su contraseña?» and the undo of an e-mail change, in Chromium against the local stack
(issue 8). Each test sets its person up through the API, works through the pages, and checks the
outcome through the API."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Stack
from tests.browser.pages import (
    Console,
    Person,
    api,
    expect_field_error,
    log_in,
    log_in_by_api,
    log_in_refused,
    no_horizontal_scroll,
    open_page,
    person,
    phone_page,
    register_by_api,
    unlabelled_controls,
)
from tests.helpers import new_email_body, solved_at

NEW_PASSWORD = "Recuperada2027ok"
INTRUDER_EMAIL = "intruso.{tag}@example.org"


def request_code_on_page(page: Page, identifier: str) -> None:
    page.fill("#identifier", identifier)
    page.get_by_test_id("recovery-request").click()
    expect(page.get_by_test_id("recovery-request-result")).to_contain_text(
        "Si los datos corresponden a una cuenta activa"
    )


def reset_on_page(page: Page, code: str, password: str, confirmation: str | None = None) -> None:
    page.fill("#security_code", code)
    page.fill("#new_password", password)
    page.fill("#new_password_confirmation", confirmation or password)
    page.get_by_test_id("recovery-submit").click()


def undo_link(stack: Stack, address: str) -> str:
    pattern = re.compile(re.escape(stack.web) + r"/undo-email\.html\?token=[A-Za-z0-9_-]{43}")
    for mail in reversed(stack.mails()):
        if address in mail["to"] and (match := pattern.search(mail["text"])):
            return match.group(0)
    raise AssertionError(f"no undo link mailed to {address}")


def undo_refused(page: Page, link: str, text: str) -> None:
    """Opens `link` and confirms: the page shows the API's refusal and turns the button off."""
    page.goto(link)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.get_by_test_id("undo-confirm").click()
    expect(page.get_by_test_id("undo-error")).to_contain_text(text)
    expect(page.get_by_test_id("undo-confirm")).to_be_disabled()


def change_email_by_api(stack: Stack, who: Person, new_email: str) -> str:
    """Log in and move the account to `new_email` (code read from the outbox); the token."""
    token = log_in_by_api(stack, who.user_id, who.password).body["token"]
    request = {"email": new_email, "altcha": solved_at(stack.api)}
    answer = api(stack, "POST", "/v1/account/security-code", request, token=token)
    assert answer.status == 202, answer.body
    profile = api(stack, "GET", "/v1/account", token=token).body
    body = new_email_body(profile, new_email, stack.last_code(new_email))
    answer = api(stack, "PUT", "/v1/account", body, token=token)
    assert answer.status == 200, answer.body
    return str(token)


def test_forgotten_password_form_sets_a_new_password_that_logs_in(page: Page, stack: Stack) -> None:
    """The landing page's link, a code by ID, a new password; every old session ends."""
    console = Console(page)
    who = person("olvido", 1_470_258)
    register_by_api(stack, who)
    old_session = log_in_by_api(stack, who.user_id, who.password).body["token"]

    open_page(page, stack, "")
    page.get_by_test_id("forgot-password").click()
    page.wait_for_url("**/recuperar.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    assert unlabelled_controls(page) == []
    request_code_on_page(page, who.user_id)
    # The identifier is carried to the second step.
    expect(page.locator("#recovery-identifier")).to_have_value(who.user_id)
    reset_on_page(page, stack.last_code(who.email), NEW_PASSWORD)
    success = page.get_by_test_id("recovery-success")
    expect(success).to_be_visible()
    expect(success).to_be_focused()
    expect(page.get_by_test_id("recovery-form")).to_be_hidden()

    assert api(stack, "GET", "/v1/account", token=old_session).status == 401
    assert log_in_by_api(stack, who.user_id, who.password).status == 401
    page.get_by_test_id("go-login").click()
    log_in(page, stack, who.user_id, NEW_PASSWORD)
    console.check()


def test_recovery_form_shows_the_api_s_answers_beside_their_fields(
    page: Page, stack: Stack
) -> None:
    """A wrong code next to the code field, a mismatched confirmation next to its own, the
    throttle in the first step; an unknown address gets the same first answer as a real one."""
    console = Console(page)
    who = person("codigo", 1_592_604)
    register_by_api(stack, who)
    open_page(page, stack, "recuperar.html")

    request_code_on_page(page, "nadie.registrado@example.com")
    page.fill("#recovery-identifier", "")
    request_code_on_page(page, who.email)
    expect(page.locator("#recovery-identifier")).to_have_value(who.email)
    code = stack.last_code(who.email)
    wrong = "22222222" if code != "22222222" else "33333333"

    reset_on_page(page, wrong, NEW_PASSWORD)
    expect_field_error(page, "security_code", re.compile("incorrecto"))
    reset_on_page(page, code, NEW_PASSWORD, "OtraDistinta2027")
    expect_field_error(page, "new_password_confirmation", re.compile("no coincide"))
    reset_on_page(page, code, "corta1")
    expect_field_error(page, "new_password", re.compile("8 caracteres"))

    # A second request within the minute is throttled, and said so in the first step.
    page.fill("#identifier", who.email)
    page.get_by_test_id("recovery-request").click()
    expect(page.get_by_test_id("recovery-request-result")).to_contain_text("segundos")

    reset_on_page(page, code, NEW_PASSWORD)
    expect(page.get_by_test_id("recovery-success")).to_be_visible()
    assert log_in_by_api(stack, who.user_id, NEW_PASSWORD).status == 201
    console.check(
        (400, "/v1/password-recovery"),
        (429, "/v1/password-recovery/security-code"),
    )


def test_undo_page_restores_the_old_address_and_the_owner_recovers_the_account(
    page: Page, stack: Stack
) -> None:
    """The link mailed to the old address: the page confirms the undo, every session ends, log-in
    asks for a new password, whose code reaches the old address; a used link is refused."""
    console = Console(page)
    who = person("deshacer", 1_714_950)
    register_by_api(stack, who)
    intruder_email = INTRUDER_EMAIL.format(tag=who.tag)
    intruder_session = change_email_by_api(stack, who, intruder_email)
    link = undo_link(stack, who.email)

    page.goto(link)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    assert "token=" not in page.url  # the credential leaves the address bar at once
    page.get_by_test_id("undo-confirm").click()
    done = page.get_by_test_id("undo-success")
    expect(done).to_be_visible()
    expect(done).to_be_focused()

    assert api(stack, "GET", "/v1/account", token=intruder_session).status == 401
    refused = log_in_refused(page, stack, who.user_id, who.password)
    assert "contraseña nueva" in refused

    # Opened again, the link is refused for good.
    undo_refused(page, link, "ya fue utilizado")

    # The owner creates a new password through the old address, from the recovery page.
    open_page(page, stack, "recuperar.html")
    to_intruder = [m for m in stack.mails() if intruder_email in m["to"]]
    request_code_on_page(page, who.user_id)
    code = stack.last_code(who.email)
    assert [m for m in stack.mails() if intruder_email in m["to"]] == to_intruder
    reset_on_page(page, code, NEW_PASSWORD)
    expect(page.get_by_test_id("recovery-success")).to_be_visible()
    log_in(page, stack, who.user_id, NEW_PASSWORD)
    token = log_in_by_api(stack, who.user_id, NEW_PASSWORD).body["token"]
    assert api(stack, "GET", "/v1/account", token=token).body["email"] == who.email
    console.check((403, "/v1/sessions"), (400, "/v1/account/email-change/undo"))


def test_undo_page_without_its_token_says_so_and_sends_nothing(page: Page, stack: Stack) -> None:
    console = Console(page)
    open_page(page, stack, "undo-email.html")
    expect(page.get_by_test_id("undo-error")).to_contain_text("El enlace no está completo")
    expect(page.get_by_test_id("undo-confirm")).to_be_disabled()
    # An unknown token: the API's answer is shown and the button stays off.
    undo_refused(page, f"{stack.web}/undo-email.html?token={'A' * 43}", "no es válido")
    console.check((404, "/v1/account/email-change/undo"))


def test_recovery_and_undo_pages_fit_a_phone(browser: Browser, stack: Stack) -> None:
    with phone_page(browser) as page:
        for path in ("recuperar.html", "undo-email.html"):
            open_page(page, stack, path)
            no_horizontal_scroll(page)
