"""«Seguridad de la cuenta» in Chromium against the local stack (R-SEC-1): the open sessions of
one account seen from several browsers, ending one, ending all the others, the page's errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import Stack
from tests.browser.pages import (
    PHONE,
    Console,
    answer_unavailable,
    api,
    assert_accessible,
    log_in,
    no_horizontal_scroll,
    person,
    register_by_api,
    screenshot,
    token_of,
)

ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SESSIONS = "/v1/account/sessions"
EXPIRED = "Su sesión ha expirado o fue cerrada"


@contextmanager
def browser_page(
    browser: Browser, user_agent: str | None = None, phone: bool = False
) -> Iterator[Page]:
    """A browser of its own (its own sessionStorage, so its own session)."""
    options = {"user_agent": user_agent} if user_agent else {}
    viewport = PHONE if phone else {"width": 1280, "height": 900}
    context = browser.new_context(
        locale="es-EC",
        timezone_id="Europe/Madrid",
        viewport=viewport,
        **options,  # type: ignore[arg-type]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def open_security(page: Page) -> None:
    """From the menu's entry, as a person gets there."""
    page.get_by_test_id("menu-security").click()
    page.wait_for_url("**/seguridad.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("session-list")).to_be_visible()


MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"


def in_ecuador(iso: str) -> str:
    """How the page writes an API time: Ecuador's local time, to the minute."""
    moment = datetime.fromisoformat(iso).astimezone(timezone(timedelta(hours=-5)))
    month = MONTHS.split()[moment.month - 1]
    return f"{moment.day} de {month} de {moment.year} a las {moment:%H:%M}"


def rows(page: Page) -> Locator:
    return page.get_by_test_id("session")


def expect_sent_to_log_in(page: Page) -> None:
    """The landing page's log-in form, with the message that the session ended."""
    expect(page.get_by_test_id("flash")).to_contain_text(EXPIRED)
    expect(page.locator("#login-user-id")).to_be_visible()
    assert "seguridad.html" not in page.url and "menu.html" not in page.url, page.url


def test_one_browser_ends_another_then_all_the_others_r_sec_1(
    browser: Browser, stack: Stack
) -> None:
    who = person("sesiones", 3_501_001)
    register_by_api(stack, who)
    with (
        browser_page(browser) as first,
        browser_page(browser, ANDROID) as second,
        browser_page(browser, WINDOWS_FIREFOX) as third,
    ):
        console = Console(first)
        log_in(second, stack, who.user_id, who.password)
        log_in(first, stack, who.user_id, who.password)
        open_security(first)

        # Two sessions: this one first, marked, and the phone with its device described.
        expect(rows(first)).to_have_count(2)
        this = rows(first).nth(0)
        expect(this.get_by_test_id("this-session")).to_have_text("Esta sesión")
        expect(this.get_by_test_id("session-device")).to_have_text("Chrome en Linux")
        expect(this.get_by_test_id("end-session")).to_have_count(0)
        other = rows(first).nth(1)
        expect(other.get_by_test_id("session-device")).to_have_text("Chrome en Android")
        expect(other.get_by_test_id("this-session")).to_have_count(0)
        expect(other).to_contain_text("127.0.0.1")
        # Ecuador's local time (UTC−5), to the minute, in a browser set to Madrid's zone.
        for time in other.locator("time").all():
            expect(time).to_have_text(in_ecuador(time.get_attribute("datetime") or ""))
        assert_accessible(first, "the session list")

        # Keyboard: Tab reaches «Cerrar esta sesión», Enter ends it; the focus stays on the page.
        other.get_by_test_id("end-session").focus()
        first.keyboard.press("Enter")
        status = first.get_by_test_id("security-status")
        expect(status).to_contain_text("Se cerró la sesión de Chrome en Android")
        expect(rows(first)).to_have_count(1)
        assert first.evaluate("document.activeElement.id") == "sesiones-title"
        expect(first.get_by_test_id("no-others")).to_be_visible()
        expect(first.get_by_test_id("end-others")).to_be_hidden()
        assert_accessible(first, "the list after ending one session")

        # The ended browser's next action goes to the log-in page.
        # (the second browser is still on the menu it logged in to)
        second.get_by_test_id("menu-security").click()
        expect_sent_to_log_in(second)

        # A second and a third browser again, then «Cerrar las demás sesiones».
        log_in(second, stack, who.user_id, who.password)
        log_in(third, stack, who.user_id, who.password)
        first.reload()
        expect(first.locator("body")).to_have_attribute("data-ready", "true")
        expect(rows(first)).to_have_count(3)
        devices = rows(first).get_by_test_id("session-device").all_inner_texts()
        assert sorted(devices[1:]) == ["Chrome en Android", "Firefox en Windows"], devices
        end_others = first.get_by_test_id("end-others")
        end_others.focus()
        first.keyboard.press("Enter")
        expect(status).to_contain_text("Se cerraron 2 sesiones")
        expect(rows(first)).to_have_count(1)
        assert first.evaluate("document.activeElement.id") == "sesiones-title"
        assert_accessible(first, "the list after ending the others")

        for ended in (second, third):
            ended.get_by_test_id("menu-modify").click()
            expect_sent_to_log_in(ended)
        token = token_of(first)
        listed = api(stack, "GET", SESSIONS, token=token)
        assert listed.status == 200 and len(listed.body["items"]) == 1, listed.body
        console.check()


def test_errors_are_told_apart_and_an_expired_session_goes_to_log_in_r_sec_1(
    browser: Browser, stack: Stack
) -> None:
    who = person("sesionerr", 3_501_002)
    register_by_api(stack, who)
    with browser_page(browser) as page, browser_page(browser, ANDROID) as phone:
        console = Console(page)
        log_in(phone, stack, who.user_id, who.password)
        log_in(page, stack, who.user_id, who.password)
        open_security(page)
        status = page.get_by_test_id("security-status")
        button = rows(page).nth(1).get_by_test_id("end-session")

        # No answer at all: the request never reaches the service.
        page.route(f"**{SESSIONS}/*", lambda route: route.abort("connectionrefused"))
        button.click()
        expect(status).to_contain_text("no hubo respuesta")
        expect(button).to_be_focused()
        assert_accessible(page, "the list with a connection error")

        # An answer of the service saying it is unavailable.
        page.unroute(f"**{SESSIONS}/*")
        page.route(f"**{SESSIONS}/end-others", answer_unavailable)
        page.get_by_test_id("end-others").click()
        expect(status).to_contain_text("no está disponible")
        expect(status).not_to_contain_text("no hubo respuesta")
        expect(page.get_by_test_id("end-others")).to_be_focused()
        expect(rows(page)).to_have_count(2)
        page.unroute(f"**{SESSIONS}/end-others")

        # The list cannot load: the error is said and the page offers to try again.
        page.route(f"**{SESSIONS}", lambda route: route.abort("connectionrefused"))
        page.reload()
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        expect(status).to_contain_text("no hubo respuesta")
        expect(page.get_by_test_id("sessions-error")).to_be_visible()
        assert_accessible(page, "the list that could not load")
        page.unroute(f"**{SESSIONS}")
        page.get_by_test_id("sessions-reload").click()
        expect(rows(page)).to_have_count(2)
        assert page.evaluate("document.activeElement.id") == "sesiones-title"

        # This session ended elsewhere: the next action goes to the log-in page.
        phone.get_by_test_id("menu-security").click()
        phone.wait_for_url("**/seguridad.html")
        expect(rows(phone)).to_have_count(2)
        phone.get_by_test_id("end-others").click()
        expect(phone.get_by_test_id("security-status")).to_contain_text("Se cerró 1 sesión")
        gone = rows(page).nth(1).get_attribute("data-session-id")
        rows(page).nth(1).get_by_test_id("end-session").click()
        expect_sent_to_log_in(page)
        # The refused connections were provoked above, as were the 503 and this 401.
        console.errors = [e for e in console.errors if "ERR_CONNECTION_REFUSED" not in e[0]]
        console.check((401, f"{SESSIONS}/{gone}"), (503, f"{SESSIONS}/end-others"))


def test_the_page_fits_320_and_375_px_and_is_axe_clean_on_a_phone_r_sec_1(
    browser: Browser, stack: Stack
) -> None:
    who = person("sesiontel", 3_501_003)
    register_by_api(stack, who)
    with browser_page(browser, ANDROID) as other:
        log_in(other, stack, who.user_id, who.password)
        with browser_page(browser, phone=True) as page:
            log_in(page, stack, who.user_id, who.password)
            open_security(page)
            expect(rows(page)).to_have_count(2)
            no_horizontal_scroll(page)
            assert_accessible(page, "the session list on a phone")
            screenshot(page, "security-sessions-phone", full_page=True)
            page.set_viewport_size({"width": 320, "height": 640})
            no_horizontal_scroll(page)
        with browser_page(browser) as page:
            log_in(page, stack, who.user_id, who.password)
            open_security(page)
            expect(rows(page)).to_have_count(3)
            screenshot(page, "security-sessions")
