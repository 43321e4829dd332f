"""The privacy notice page, the registration's checkbox and the menu's banner of a new notice in
Chromium (R-PRIV-1, R-PRIV-2)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Stack
from tests.browser.pages import (
    Console,
    answer_unavailable,
    api,
    assert_accessible,
    log_in,
    open_page,
    person,
    register_by_api,
    screenshot,
    set_acknowledged_notice,
    tab_to,
    token_of,
)

CURRENT = "2026-12-01"  # the local stack's PRIVACY_NOTICE_VERSION
OLDER = "2025-06-01"
ACKNOWLEDGE = "/v1/account/privacy-notice-acknowledgement"

PAGES = (
    "",
    "nuevo-registro.html",
    "registro.html",
    "recuperar.html",
    "undo-email.html",
    "menu.html",
    "modificar.html",
    "baja.html",
    "seguridad.html",
    "mis-datos.html",
    "privacidad.html",
)


def test_every_page_links_the_privacy_notice_in_its_footer_r_priv_1(
    browser: Browser, stack: Stack
) -> None:
    page = browser.new_page()
    for path in PAGES:
        page.goto(f"{stack.web}/{path}")
        link = page.locator("footer [data-testid=footer-privacy]")
        expect(link).to_have_attribute("href", "privacidad.html")
    page.close()


def test_notice_page_shows_the_configured_version_and_contacts(
    browser: Browser, stack: Stack
) -> None:
    page = browser.new_page()
    console = Console(page)
    open_page(page, stack, "privacidad.html")
    expect(page.get_by_test_id("notice-version")).to_have_text("2026-12-01")
    expect(page.get_by_test_id("notice-dpo")).not_to_be_empty()
    for text in ("Superintendencia de Protección de Datos Personales", "Amazon Web Services"):
        expect(page.locator("main")).to_contain_text(text)
    console.check()
    page.close()


def test_registration_names_the_unticked_notice(browser: Browser, stack: Stack) -> None:
    page = browser.new_page()
    open_page(page, stack, "registro.html")
    expect(page.get_by_test_id("privacy-link")).to_have_attribute("href", "privacidad.html")
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("error-privacy_notice_version")).to_contain_text(
        "aviso de privacidad"
    )
    page.close()


def account_of(stack: Stack, page: Page) -> dict[str, object]:
    answer = api(stack, "GET", "/v1/account", token=token_of(page))
    assert answer.status == 200, answer.body
    body: dict[str, object] = answer.body
    return body


def test_menu_shows_a_new_notice_until_it_is_acknowledged_r_priv_2(
    page: Page, stack: Stack
) -> None:
    """An account that acknowledged an older version sees a banner on the menu (a region with a
    heading in a polite live region), the rest of the menu usable; «He leído…» with the keyboard
    acknowledges the current version, the banner goes, the focus goes on to the menu."""
    who = person("avisonuevo", 3_601_001)
    register_by_api(stack, who)
    set_acknowledged_notice(stack, who.user_id, OLDER)
    console = Console(page)
    log_in(page, stack, who.user_id, who.password)

    banner = page.get_by_role("region", name="El aviso de privacidad cambió")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("data-testid", "privacy-banner")
    expect(banner).to_contain_text(f"versión {CURRENT}")
    live = page.get_by_test_id("privacy-notice")
    expect(live).to_have_attribute("aria-live", "polite")
    assert live.evaluate(
        "(el) => el.contains(document.querySelector('[data-testid=privacy-banner]'))"
    )
    expect(banner.get_by_test_id("privacy-banner-link")).to_have_attribute(
        "href", "privacidad.html"
    )
    # Nothing else is blocked: the greeting came, the menu's options are there to use.
    expect(page.get_by_test_id("menu-greeting")).to_contain_text("Hola")
    for option in ("menu-modify", "menu-security", "menu-data-export", "menu-deactivate"):
        expect(page.get_by_test_id(option)).to_be_enabled()
    assert account_of(stack, page)["privacy_notice_current"] is False
    assert_accessible(page, "the menu with the new-notice banner")
    screenshot(page, "privacy-banner")

    # Keyboard only: Tab to «He leído el nuevo aviso de privacidad», Enter.
    tab_to(page, "[data-testid=privacy-acknowledge]")
    page.keyboard.press("Enter")
    done = page.get_by_test_id("privacy-acknowledged")
    expect(done).to_contain_text(
        f"Quedó registrado que leyó el aviso de privacidad (versión {CURRENT})"
    )
    expect(page.get_by_test_id("privacy-banner")).to_have_count(0)
    expect(page.locator("#menu-title")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("menu-modify")).to_be_focused()
    assert_accessible(page, "the menu after the acknowledgement")
    profile = account_of(stack, page)
    assert profile["privacy_notice_current"] is True
    assert profile["privacy_notice_version"] == CURRENT

    # Acknowledged once: the menu no longer shows it.
    page.reload()
    expect(page.get_by_test_id("menu-greeting")).to_contain_text("Hola")
    expect(page.get_by_test_id("privacy-banner")).to_have_count(0)
    console.check()


def test_banner_errors_tell_the_network_from_the_service_r_priv_2(page: Page, stack: Stack) -> None:
    """R-UX-5: no answer and an answer of an unavailable service are told apart; the banner and
    the focus stay, and the next press acknowledges, its confirmation in sight at 320 px."""
    who = person("avisoerr", 3_601_002)
    register_by_api(stack, who)
    set_acknowledged_notice(stack, who.user_id, OLDER)
    console = Console(page)
    log_in(page, stack, who.user_id, who.password)
    banner = page.get_by_test_id("privacy-banner")
    button = banner.get_by_test_id("privacy-acknowledge")
    error = banner.get_by_test_id("privacy-banner-error")

    page.route(f"**{ACKNOWLEDGE}", lambda route: route.abort("connectionrefused"))
    button.click()
    expect(error).to_contain_text("no hubo respuesta")
    expect(button).to_be_focused()
    page.unroute(f"**{ACKNOWLEDGE}")

    page.route(f"**{ACKNOWLEDGE}", answer_unavailable)
    button.click()
    expect(error).to_contain_text("no está disponible")
    expect(error).not_to_contain_text("no hubo respuesta")
    expect(button).to_be_focused()
    assert_accessible(page, "the banner with an error")
    assert account_of(stack, page)["privacy_notice_current"] is False
    page.unroute(f"**{ACKNOWLEDGE}")

    # On a small phone the banner is tall: once it goes, its confirmation stays in sight.
    page.set_viewport_size({"width": 320, "height": 640})
    button.click()
    expect(page.get_by_test_id("privacy-acknowledged")).to_be_in_viewport(ratio=1)
    expect(page.locator("#menu-title")).to_be_focused()
    assert account_of(stack, page)["privacy_notice_current"] is True
    console.errors = [e for e in console.errors if "ERR_CONNECTION_REFUSED" not in e[0]]
    console.check((503, ACKNOWLEDGE))
