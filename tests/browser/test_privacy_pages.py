"""The privacy notice page and the registration's checkbox in Chromium (R-PRIV-1, R-PRIV-2)."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Stack
from tests.browser.pages import Console, open_page

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
