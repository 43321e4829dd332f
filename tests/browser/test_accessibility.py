"""Accessibility proven by axe-core and by layout probes (R-UX-6): every page and every state the
tests reach (errors shown, a dialog open, a success) at 375 px and at desktop width, with zero
WCAG 2.0/2.1/2.2 A and AA violations; no sideways scrolling at 320 px and at 200 % zoom with
errors shown; the inputs of a two-column row aligned; targets of at least 24 × 24 px."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import Stack
from tests.browser.pages import (
    PHONE,
    Authenticator,
    Console,
    Person,
    assert_accessible,
    fill_registration,
    log_in,
    open_page,
    overflow,
    person,
    register_by_api,
    screenshot,
    set_acknowledged_notice,
)

DESKTOP: ViewportSize = {"width": 1366, "height": 768}
NARROW: ViewportSize = {"width": 320, "height": 640}
# 1366 × 768 at 200 % zoom: half the CSS pixels, each drawn twice as large.
ZOOM_200: ViewportSize = {"width": 683, "height": 384}


@contextmanager
def sized_page(
    browser: Browser, viewport: ViewportSize, scale: float = 1, mobile: bool = False
) -> Iterator[Page]:
    context = browser.new_context(
        locale="es-EC",
        viewport=viewport,
        device_scale_factor=scale,
        is_mobile=mobile,
        has_touch=mobile,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def submit_empty(page: Page, button: str) -> None:
    """Presses the form's button with nothing typed: the errors show."""
    page.get_by_test_id(button).click()
    expect(page.locator("[aria-invalid='true']").first).to_be_visible()


def show_the_new_notice_banner(page: Page, stack: Stack, who: Person) -> None:
    """The menu of an account that acknowledged an older privacy notice (R-PRIV-2)."""
    set_acknowledged_notice(stack, who.user_id, "2025-06-01")
    open_page(page, stack, "menu.html")
    expect(page.get_by_test_id("privacy-banner")).to_be_visible()


def save_my_data(page: Page, stack: Stack, who: Person) -> None:
    """«Descargar mis datos» with the password: the file saved, the result shown (R-PRIV-3)."""
    open_page(page, stack, "mis-datos.html")
    page.fill("#password", who.password)
    with page.expect_download():
        page.get_by_test_id("export").click()
    expect(page.get_by_test_id("export-file")).to_be_visible()


def register_through_the_form(page: Page, stack: Stack, who: Person) -> None:
    fill_registration(page, who)
    page.get_by_test_id("check-email").click()
    expect(page.get_by_test_id("check-email-result")).to_contain_text("Disponible")
    page.get_by_test_id("request-code").click()
    expect(page.get_by_test_id("request-code-result")).to_contain_text(who.email)
    page.fill("#security_code", stack.last_code(who.email))
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("registration-success")).to_be_visible()


SIZES = [pytest.param(PHONE, True, id="375px"), pytest.param(DESKTOP, False, id="1366px")]


@pytest.mark.parametrize(("viewport", "mobile"), SIZES)
def test_every_public_page_and_state_has_no_axe_violation(
    browser: Browser, stack: Stack, viewport: ViewportSize, mobile: bool
) -> None:
    """R-UX-6: the pages before log-in, their forms with every error shown, the outbox, and a
    registration finished through the form."""
    who = person(f"axe{viewport['width']}", 3_100_000 + viewport["width"])
    with sized_page(browser, viewport, mobile=mobile) as page:
        console = Console(page)
        open_page(page, stack, "")
        assert_accessible(page, "the landing page")
        submit_empty(page, "login")
        assert_accessible(page, "the log-in form with its errors")
        for path in ("nuevo-registro.html", "undo-email.html", "privacidad.html"):
            open_page(page, stack, path)
            assert_accessible(page, path)
        open_page(page, stack, "recuperar.html")
        assert_accessible(page, "recuperar.html")
        submit_empty(page, "recovery-request")
        assert_accessible(page, "recuperar.html with its errors")
        page.goto(f"{stack.web}/outbox")
        assert_accessible(page, "the outbox")

        open_page(page, stack, "registro.html")
        assert_accessible(page, "the registration form")
        submit_empty(page, "register")
        assert_accessible(page, "the registration form with every error")
        register_through_the_form(page, stack, who)
        assert_accessible(page, "the registration finished")
        # The outbox page (devstack) has no favicon of its own.
        console.check(
            (400, "/v1/registration"),
            (400, "/v1/sessions"),
            (400, "/v1/password-reset"),
            (404, "/favicon.ico"),
        )


@pytest.mark.parametrize(("viewport", "mobile"), SIZES)
def test_every_page_after_log_in_and_its_states_has_no_axe_violation(
    browser: Browser, stack: Stack, viewport: ViewportSize, mobile: bool
) -> None:
    """R-UX-6: menu (also with the new privacy notice's banner and its acknowledgement), modify
    (errors, the «¿Está seguro…?» dialog, the success dialog), the account's security page,
    «Descargar mis datos» (errors, the file saved), baja (errors, the account closed)."""
    who = person(f"axm{viewport['width']}", 3_200_000 + viewport["width"])
    register_by_api(stack, who)
    with sized_page(browser, viewport, mobile=mobile) as page:
        console = Console(page)
        log_in(page, stack, who.user_id, who.password)
        assert_accessible(page, "the menu")
        show_the_new_notice_banner(page, stack, who)
        assert_accessible(page, "the menu with the new privacy notice's banner")
        page.get_by_test_id("privacy-acknowledge").click()
        # R-UX-5: the confirmation in sight, the focus on the menu's heading below it.
        expect(page.get_by_test_id("privacy-acknowledged")).to_be_in_viewport()
        expect(page.locator("#menu-title")).to_be_focused()
        assert_accessible(page, "the menu with the acknowledgement's confirmation")

        open_page(page, stack, "modificar.html")
        expect(page.get_by_test_id("modify-form")).to_be_visible()
        assert_accessible(page, "the modify form")
        page.fill("#name", "")
        page.fill("#phone1", "12")
        page.get_by_test_id("keep-email-yes").check()
        page.get_by_role("button", name="Actualizar").click()
        dialog = page.get_by_test_id("confirm-dialog")
        if dialog.count():  # the confirmation may come before or after the checks (R-UX-4)
            dialog.get_by_role("button", name="Sí").click()
        expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
        assert_accessible(page, "the modify form with its errors")

        page.fill("#name", who.name)
        page.fill("#phone1", "042345678")
        page.get_by_role("button", name="Actualizar").click()
        expect(dialog).to_contain_text("¿Está seguro")
        assert_accessible(page, "the «¿Está seguro…?» dialog")
        dialog.get_by_role("button", name="Sí").click()
        done = page.get_by_test_id("update-success")
        expect(done).to_be_visible()
        assert_accessible(page, "the update's success dialog")
        done.get_by_role("button", name="Aceptar").click()

        open_page(page, stack, "seguridad.html")
        expect(page.get_by_test_id("session-list")).to_be_visible()
        assert_accessible(page, "seguridad.html")

        open_page(page, stack, "mis-datos.html")
        assert_accessible(page, "mis-datos.html")
        submit_empty(page, "export")
        assert_accessible(page, "mis-datos.html with its errors")
        save_my_data(page, stack, who)
        assert_accessible(page, "mis-datos.html with the file saved")

        open_page(page, stack, "baja.html")
        assert_accessible(page, "baja.html")
        submit_empty(page, "deactivate")
        assert_accessible(page, "baja.html with its errors")
        page.fill("#reason", "Ya no necesito consultar información del portal.")
        page.fill("#password", who.password)
        page.get_by_test_id("deactivate").click()
        page.get_by_test_id("confirm-dialog").get_by_role("button", name="Sí").click()
        expect(page.get_by_test_id("deactivation-success")).to_be_visible()
        assert_accessible(page, "the account closed")
        # The session is over: neither the breadcrumb nor the header offers the menu.
        expect(page.get_by_role("link", name="Menú")).to_have_count(0)
        console.check((400, "/v1/account"), (400, "/v1/account/deactivation"))


# --- Layout: overflow, alignment, targets --------------------------------------------------------

TEXT_SPACING = """() => {
    // WCAG 1.4.12's text spacing, through the CSSOM (the CSP refuses inline <style>).
    for (const el of document.querySelectorAll('body *')) {
        el.style.setProperty('line-height', '1.5', 'important');
        el.style.setProperty('letter-spacing', '0.12em', 'important');
        el.style.setProperty('word-spacing', '0.16em', 'important');
    }
    for (const p of document.querySelectorAll('p')) {
        p.style.setProperty('margin-bottom', '2em', 'important');
    }
}"""


WIDER_THAN_THE_WINDOW = """() => Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > innerWidth + 0.5)
    .map(el => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`).slice(0, 8)"""


def fits(page: Page, state: str) -> None:
    sizes = overflow(page)
    assert sizes["scroll"] <= sizes["inner"], (
        f"{state} scrolls sideways: {sizes} ({page.url}), "
        f"wider: {page.evaluate(WIDER_THAN_THE_WINDOW)}"
    )


WIDTHS = [
    pytest.param(NARROW, 1, id="320px"),
    pytest.param(ZOOM_200, 2, id="200pct-zoom"),
]


@pytest.mark.parametrize(("viewport", "scale"), WIDTHS)
def test_no_page_scrolls_sideways_at_320px_or_200pct_zoom_with_errors_shown(
    browser: Browser, stack: Stack, viewport: ViewportSize, scale: float
) -> None:
    """WCAG 1.4.10 (reflow) and 1.4.12 (text spacing): every page, its errors shown, fits the
    width; the skip link stays out of sight until it has the focus."""
    who = person(f"ovf{viewport['width']}", 3_300_000 + viewport["width"])
    register_by_api(stack, who)
    with sized_page(browser, viewport, scale=scale) as page:
        for path, button in [
            ("", "login"),
            ("nuevo-registro.html", None),
            ("recuperar.html", "recovery-request"),
            ("undo-email.html", None),
            ("privacidad.html", None),
            ("registro.html", "register"),
        ]:
            open_page(page, stack, path)
            skip = page.locator(".skip-link").bounding_box()
            assert skip and skip["y"] + skip["height"] <= 0, f"{path}: the skip link shows {skip}"
            if button:
                submit_empty(page, button)
            fits(page, f"{path or 'index'} with its errors")
        page.evaluate(TEXT_SPACING)
        fits(page, "registro.html with its errors and WCAG text spacing")
        page.goto(f"{stack.web}/outbox")
        fits(page, "the outbox")

        log_in(page, stack, who.user_id, who.password)
        fits(page, "menu.html")
        show_the_new_notice_banner(page, stack, who)
        fits(page, "menu.html with the new privacy notice's banner")
        page.evaluate(TEXT_SPACING)
        fits(page, "menu.html with the banner and WCAG text spacing")
        open_page(page, stack, "modificar.html")
        expect(page.get_by_test_id("modify-form")).to_be_visible()
        page.fill("#name", "")
        page.get_by_role("button", name="Actualizar").click()
        dialog = page.get_by_test_id("confirm-dialog")
        if dialog.count():
            dialog.get_by_role("button", name="Sí").click()
        expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
        fits(page, "modificar.html with its errors")
        page.evaluate(TEXT_SPACING)
        fits(page, "modificar.html with its errors and WCAG text spacing")
        open_page(page, stack, "seguridad.html")
        expect(page.get_by_test_id("session-list")).to_be_visible()
        fits(page, "seguridad.html")
        open_page(page, stack, "mis-datos.html")
        submit_empty(page, "export")
        fits(page, "mis-datos.html with its errors")
        save_my_data(page, stack, who)
        fits(page, "mis-datos.html with the file saved")
        page.evaluate(TEXT_SPACING)
        fits(page, "mis-datos.html with the file saved and WCAG text spacing")
        open_page(page, stack, "baja.html")
        submit_empty(page, "deactivate")
        fits(page, "baja.html with its errors")


SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
        'main button, main input, main select, main a.button'))
    .filter(el => el.getClientRects().length)
    .filter(el => { const r = el.getBoundingClientRect(); return r.width < 24 || r.height < 24; })
    .map(el => `${el.id || el.textContent.trim()}`)"""


def tab_to(page: Page, selector: str, presses: int = 40) -> None:
    """Tab (keyboard only) until `selector` has the focus, then stop; fails if it never does."""
    for _ in range(presses):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def press(page: Page, selector: str) -> None:
    """Tab to `selector`, then Enter: a button pressed with the keyboard alone."""
    tab_to(page, selector)
    page.keyboard.press("Enter")


def submit_empty_by_keyboard(page: Page, opener: str, first: str, flagged: str, state: str) -> None:
    """Presses `opener` with the keyboard: its form shows with the focus on `first`; Enter sends
    it empty and `flagged` shows its error; the state is then checked."""
    press(page, opener)
    expect(page.locator(first)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(flagged)).to_have_attribute("aria-invalid", "true")
    check_state(page, state)


def check_state(page: Page, state: str) -> None:
    """R-UX-6 for one state of the page: axe at this size, no sideways scroll at 320 px and at
    200 % zoom (1366 px halved), no target under 24 × 24 px."""
    assert_accessible(page, state)
    size = page.viewport_size
    assert size
    for narrow in (NARROW, ZOOM_200):
        page.set_viewport_size(narrow)
        fits(page, f"{state} at {narrow['width']} px")
        small = page.evaluate(SMALL_TARGETS)
        assert not small, f"{state}: targets under 24 px at {narrow['width']} px: {small}"
    page.set_viewport_size(size)


@pytest.mark.parametrize(("viewport", "mobile"), SIZES)
def test_the_second_factor_is_done_with_the_keyboard_and_every_state_passes_r_sec_2(
    browser: Browser, stack: Stack, viewport: ViewportSize, mobile: bool
) -> None:
    """R-UX-6, R-SEC-2: turning the factor on and logging in with its code by keyboard alone;
    each state (the password asked with its error, the QR code and its key, the recovery codes,
    the factor on, turning it off with its errors, the log-in's code step with its error) has no
    axe violation, fits 320 px and 200 % zoom, and has no target under 24 px."""
    who = person(f"axf{viewport['width']}", 3_250_000 + viewport["width"])
    register_by_api(stack, who)
    section = "[data-testid='second-factor']"
    with sized_page(browser, viewport, mobile=mobile) as page:
        console = Console(page)
        log_in(page, stack, who.user_id, who.password)
        open_page(page, stack, "seguridad.html")
        expect(page.locator(section)).to_have_attribute("data-state", "off")
        check_state(page, "the second factor off")

        submit_empty_by_keyboard(
            page,
            "#enable-factor",
            "#enrol-password",
            "#enrol-password",
            "the password asked, with its error",
        )
        page.keyboard.type(who.password)
        page.keyboard.press("Enter")
        expect(page.locator(section)).to_have_attribute("data-state", "enrol-scan")
        expect(page.locator("#confirm-title")).to_be_focused()
        check_state(page, "the QR code and its key")
        if mobile:
            screenshot(page, "security-factor-enrolment-phone", full_page=True)
        app = Authenticator(page.get_by_test_id("totp-secret").inner_text().replace(" ", ""))
        tab_to(page, "#confirm-code")
        page.keyboard.type(app.code())
        page.keyboard.press("Enter")
        expect(page.locator(section)).to_have_attribute("data-state", "recovery-codes")
        check_state(page, "the recovery codes")
        if not mobile:
            screenshot(page, "security-factor-recovery-codes")
        codes = page.get_by_test_id("recovery-code-list").locator("li").all_inner_texts()
        press(page, "#recovery-done")
        expect(page.locator(section)).to_have_attribute("data-state", "on")
        check_state(page, "the second factor on")

        submit_empty_by_keyboard(
            page,
            "#disable-factor",
            "#disable-password",
            "#disable-code",
            "turning it off, with its errors",
        )
        press(page, "#disable-form [data-action='factor-cancel']")
        expect(page.locator(section)).to_have_attribute("data-state", "on")
        expect(page.locator("#disable-factor")).to_be_focused()

        # The log-in's code step, by keyboard: the focus is in the code field when it appears.
        press(page, "[data-testid='logout']")
        page.wait_for_url("**/index.html")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        tab_to(page, "#login-user-id")
        page.keyboard.type(who.user_id)
        page.keyboard.press("Tab")
        page.keyboard.type(who.password)
        page.keyboard.press("Enter")
        expect(page.locator("#login-code")).to_be_focused()
        check_state(page, "the log-in's code step")
        if not mobile:
            page.evaluate("window.scrollTo(0, 0)")
            screenshot(page, "login-code-step")
        page.keyboard.press("Enter")
        expect(page.locator("#login-code")).to_have_attribute("aria-invalid", "true")
        check_state(page, "the log-in's code step with its error")
        page.keyboard.type(codes[0])
        page.keyboard.press("Enter")
        page.wait_for_url("**/menu.html")
        console.check((401, "/v1/sessions"))


def control_tops(page: Page, ids: list[str]) -> list[float]:
    return [page.locator(f"#{i}").bounding_box()["y"] for i in ids]  # type: ignore[index]


REGISTRATION_ROWS = [
    ["document_type", "document_number"],
    ["password", "password_confirmation"],
    ["province", "city"],
    ["phone1", "phone2"],
    ["mobile_operator", "mobile"],
    ["email", "email_confirmation"],
]
MODIFY_ROWS = [
    ["user_id", "senae_email"],
    ["document_type", "document_number"],
    ["new_password", "new_password_confirmation"],
    ["province", "city"],
    ["phone1", "phone2"],
    ["mobile_operator", "mobile"],
    ["email", "email_confirmation"],
]


def test_the_inputs_of_a_two_column_row_line_up_on_desktop(browser: Browser, stack: Stack) -> None:
    """Item 8: the two inputs of a row side by side at the same height whatever their hints;
    Ciudad shares its row (with Provincia)."""
    who = person("fila", 3_401_000)
    register_by_api(stack, who)
    with sized_page(browser, DESKTOP) as page:
        open_page(page, stack, "registro.html")
        rows = [*REGISTRATION_ROWS, ["user_id", "check-user-id"]]
        for ids in rows:
            left, right = control_tops(page, ids)
            assert abs(left - right) <= 1, f"registro.html: {ids} at {left} and {right}"
        log_in(page, stack, who.user_id, who.password)
        open_page(page, stack, "modificar.html")
        expect(page.get_by_test_id("modify-form")).to_be_visible()
        for ids in MODIFY_ROWS:
            left, right = control_tops(page, ids)
            assert abs(left - right) <= 1, f"modificar.html: {ids} at {left} and {right}"


def test_targets_are_24px_the_mailbox_is_no_tab_stop_and_the_status_uses_the_page_font(
    browser: Browser, stack: Stack
) -> None:
    """WCAG 2.5.8: breadcrumb links, checkboxes, radios, the controls of «Descargar mis datos»
    and of the new notice's banner at least 24 × 24 px. The read-only
    SENAE mailbox (derived from the ID) is skipped by Tab; the registration's "Estado" is text,
    in the page's font; on a phone, errors shown, the disabled Ciudad shows all its placeholder."""
    who = person("blanco", 3_402_000)
    register_by_api(stack, who)
    with sized_page(browser, PHONE, mobile=True) as page:
        open_page(page, stack, "registro.html")
        submit_empty(page, "register")  # the errors' red margin narrows the fields
        city = page.locator("#city")
        expect(city).to_be_disabled()
        text, room = city.evaluate(
            """el => {
                const s = getComputedStyle(el);
                const ctx = document.createElement('canvas').getContext('2d');
                ctx.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
                const text = el.options[el.selectedIndex].text;
                // Chromium keeps about 20 px for the drop-down arrow besides the padding.
                const pad = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
                const room = el.clientWidth - pad - 20;
                return [ctx.measureText(text).width, room];
            }"""
        )
        assert text <= room, f"the disabled Ciudad is cut: text {text} px in {room} px"
    with sized_page(browser, DESKTOP) as page:
        open_page(page, stack, "registro.html")
        for selector in (".breadcrumb a", "input[type=checkbox]"):
            for box in [el.bounding_box() for el in page.locator(selector).all()]:
                assert box and box["height"] >= 24 and box["width"] >= 24, (selector, box)
        page.locator("#check-user-id").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "document_type"
        fonts = page.evaluate(
            """() => [getComputedStyle(document.body).fontFamily,
                      getComputedStyle(document.getElementById('success-status')).fontFamily]"""
        )
        assert fonts[0] == fonts[1], fonts
        log_in(page, stack, who.user_id, who.password)
        open_page(page, stack, "modificar.html")
        expect(page.get_by_test_id("modify-form")).to_be_visible()
        assert page.locator("#senae_email").evaluate("el => el.tabIndex") < 0
        for selector in (".breadcrumb a", "input[type=checkbox]", "input[type=radio]"):
            for box in [el.bounding_box() for el in page.locator(selector).all()]:
                assert box and box["height"] >= 24 and box["width"] >= 24, (selector, box)
        # «Descargar mis datos» and the new notice's banner (R-PRIV-2, R-PRIV-3): every control
        # and every link that is not inside a sentence.
        save_my_data(page, stack, who)
        selectors = (".breadcrumb a", "#export-form input", "#export-form .form-actions > *")
        for selector in (*selectors, "[data-testid=export-file]"):
            boxes = [el.bounding_box() for el in page.locator(selector).all()]
            assert boxes, selector
            for box in boxes:
                assert box and box["height"] >= 24 and box["width"] >= 24, (selector, box)
        show_the_new_notice_banner(page, stack, who)
        boxes = [el.bounding_box() for el in page.locator(".notice-banner .form-actions > *").all()]
        assert len(boxes) == 2, boxes
        for box in boxes:
            assert box and box["height"] >= 24 and box["width"] >= 24, ("banner", box)
