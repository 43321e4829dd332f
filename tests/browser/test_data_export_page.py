"""«Descargar mis datos» in Chromium against the local stack (R-PRIV-3, LOPDP Art. 13 and 17): from
the menu with the keyboard alone, the wrong password's tries left, the file the browser saves, the
lock-out's way out, and errors of the network told from the service's."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Stack
from tests.browser.pages import (
    Console,
    answer_unavailable,
    api,
    assert_accessible,
    expect_field_error,
    log_in,
    open_page,
    person,
    register_by_api,
    screenshot,
    tab_to,
    token_of,
)

EXPORT = "/v1/account/data-export"
WRONG = "Otra2026clave"
KEYS = {"exported_at", "account", "privacy_acknowledgements", "audit", "sessions", "email_delivery"}


def test_download_from_the_menu_with_the_keyboard_saves_everything_kept_r_priv_3(
    page: Page, stack: Stack
) -> None:
    who = person("misdatos", 3_601_003)
    register_by_api(stack, who)
    console = Console(page)
    log_in(page, stack, who.user_id, who.password)
    # The notice acknowledged at registration is the current one: no banner (R-PRIV-2).
    expect(page.get_by_test_id("menu-greeting")).to_contain_text("Hola")
    expect(page.get_by_test_id("privacy-banner")).to_have_count(0)

    tab_to(page, "[data-testid=menu-data-export]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/mis-datos.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    main = page.locator("main")
    for text in (
        "historial completo de su cuenta",
        "dirección IP de origen",
        "sesiones abiertas",
        "estado de entrega de su correo",
        "nunca contiene su contraseña, códigos de seguridad ni claves de sesión",
        "cualquier editor de texto",
        "artículos 13 y 17",
        f"mis-datos-{who.user_id}-fecha.json",
    ):
        expect(main).to_contain_text(text)
    expect(page.locator("footer [data-testid=footer-privacy]")).to_be_visible()
    assert_accessible(page, "mis-datos.html")
    screenshot(page, "data-export", full_page=True)

    # Nothing typed: said beside the field, no request.
    tab_to(page, "[data-testid=export]")
    page.keyboard.press("Enter")
    expect_field_error(page, "password", "Ingrese su contraseña actual para descargar sus datos.")
    expect(page.locator("#password")).to_be_focused()

    # A wrong password: the tries left before the lock-out (R-UX-2), the field emptied.
    page.keyboard.type(WRONG)
    page.keyboard.press("Enter")
    expect_field_error(page, "password", re.compile("Le quedan 4 intentos antes del bloqueo"))
    expect(page.get_by_test_id("form-error")).to_contain_text("La contraseña es incorrecta.")
    expect(page.locator("#password")).to_be_focused()
    expect(page.locator("#password")).to_have_value("")
    assert_accessible(page, "mis-datos.html with a wrong password")

    # On a small phone (the result shows below the form, out of the window unless scrolled to).
    page.set_viewport_size({"width": 320, "height": 640})
    page.keyboard.type(who.password)
    with page.expect_download() as started:
        page.keyboard.press("Enter")
    download = started.value
    text = Path(download.path()).read_text(encoding="utf-8")
    data = json.loads(text)
    assert set(data) == KEYS, sorted(data)
    assert download.suggested_filename == f"mis-datos-{who.user_id}-{data['exported_at'][:10]}.json"

    account = data["account"]
    for name, value in [
        ("user_id", who.user_id),
        ("name", who.name),
        ("document_number", who.document_number),
        ("email", who.email),
        ("senae_email", who.senae_email),
        ("status", "ACTIVE"),
        ("privacy_notice_version", "2026-12-01"),
    ]:
        assert account[name] == value, (name, account[name])
    assert [a["version"] for a in data["privacy_acknowledgements"]] == ["2026-12-01"]
    events = {e["event"]: e for e in data["audit"]}
    assert {"REGISTERED", "LOGGED_IN"} <= set(events), sorted(events)
    # The trail keeps the source address and the browser of each action.
    browser_agent = page.evaluate("navigator.userAgent")
    assert events["LOGGED_IN"]["user_agent"] == browser_agent
    assert all(e["source_ip"] for e in data["audit"])
    (session,) = data["sessions"]
    assert session["current"] is True and session["source_ip"] == "127.0.0.1"
    assert data["email_delivery"]["address"] == who.email
    assert data["email_delivery"]["deliverable"] is True
    # Never a password, hash, token or code.
    code = stack.last_code(who.email)
    for secret in (who.password, token_of(page), code, "$argon2", "password_hash", "totp_secret"):
        assert secret not in text, secret

    # R-UX-5: the result stays on the page, in sight, with the focus.
    result = page.get_by_test_id("export-result")
    expect(result).to_contain_text("Sus datos se descargaron.")
    expect(result).to_be_in_viewport(ratio=1)
    expect(result).to_contain_text(download.suggested_filename)
    expect(result.get_by_test_id("export-file")).to_have_attribute(
        "download", download.suggested_filename
    )
    expect(result).to_be_focused()
    page.keyboard.press("Tab")
    expect(result.get_by_test_id("export-file")).to_be_focused()
    assert_accessible(page, "mis-datos.html after the download")

    # The download is in the trail (audited DATA_EXPORTED) with this browser.
    again = api(stack, "POST", EXPORT, {"password": who.password}, token=token_of(page))
    assert again.status == 200, again.body
    exported = [e for e in again.body["audit"] if e["event"] == "DATA_EXPORTED"]
    assert [e["user_agent"] for e in exported] == [browser_agent]
    console.check((401, EXPORT))


def test_errors_are_told_apart_and_the_lock_out_offers_recovery_r_ux_2(
    page: Page, stack: Stack
) -> None:
    who = person("misbloqueo", 3_601_004)
    register_by_api(stack, who)
    console = Console(page)
    log_in(page, stack, who.user_id, who.password)
    open_page(page, stack, "mis-datos.html")
    summary = page.get_by_test_id("form-error")
    button = page.get_by_test_id("export")

    # No answer at all: the request never reaches the service.
    page.route(f"**{EXPORT}", lambda route: route.abort("connectionrefused"))
    page.fill("#password", who.password)
    button.click()
    expect(summary).to_contain_text("no hubo respuesta")
    expect(summary).to_be_focused()
    page.unroute(f"**{EXPORT}")

    # An answer of the service saying it is unavailable.
    page.route(f"**{EXPORT}", answer_unavailable)
    page.fill("#password", who.password)
    button.click()
    expect(summary).to_contain_text("no está disponible")
    expect(summary).not_to_contain_text("no hubo respuesta")
    page.unroute(f"**{EXPORT}")

    # Four wrong passwords elsewhere, the fifth here: locked, with the way out.
    for _ in range(4):
        refused = api(stack, "POST", EXPORT, {"password": WRONG}, token=token_of(page))
        assert refused.status == 401, refused.body
    page.fill("#password", WRONG)
    button.click()
    expect(summary).to_contain_text("bloqueada temporalmente")
    recovery = summary.get_by_test_id("export-recovery")
    expect(recovery).to_have_attribute("href", f"recuperar.html?id={who.user_id}")
    expect(recovery).to_contain_text("¿Olvidó su contraseña?")
    expect(summary).to_be_focused()
    expect(page.get_by_test_id("export-result")).to_be_empty()
    assert_accessible(page, "mis-datos.html locked")
    recovery.click()
    page.wait_for_url(f"**/recuperar.html?id={who.user_id}")
    console.errors = [e for e in console.errors if "ERR_CONNECTION_REFUSED" not in e[0]]
    console.check((503, EXPORT), (423, EXPORT))
