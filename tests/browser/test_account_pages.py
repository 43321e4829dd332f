"""The pages after log-in in Chromium against the local stack (issue 4; seed 001 §5.4–5.8).

Each test registers its own person through the API (the registration form has its own tests),
then works through the pages only, and checks the outcome through the API.
"""

from __future__ import annotations

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
    screenshot,
    token_of,
    unlabelled_controls,
)

NEW_PASSWORD = "NuevaClave2027"


def open_modify(page: Page, stack: Stack, who: Person) -> None:
    """Log-in, then the menu entry of seed 001 §5.4."""
    log_in(page, stack, who.user_id, who.password)
    page.get_by_role("link", name="Modificar información de registro para Usuario General").click()
    page.wait_for_url("**/modificar.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("modify-form")).to_be_visible()


def save_and_confirm(page: Page, screenshot_as: str | None = None) -> None:
    """Actualizar → "¿Está seguro…?" Sí → "La actualización se ha realizado con éxito" → Aceptar;
    `screenshot_as` names the screenshot taken of that last dialog."""
    page.get_by_role("button", name="Actualizar").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_contain_text("¿Está seguro")
    dialog.get_by_role("button", name="Sí").click()
    done = page.get_by_test_id("update-success")
    expect(done).to_contain_text("La actualización se ha realizado con éxito")
    if screenshot_as is not None:
        screenshot(page, screenshot_as)
    done.get_by_role("button", name="Aceptar").click()
    expect(done).to_have_count(0)


def test_profile_change_is_saved_after_the_confirmation_dialog(page: Page, stack: Stack) -> None:
    """R-MOD-1, R-MOD-2, R-MOD-5, R-MOD-7, R-AUTH-1: seed 001 §5.5–5.7."""
    console = Console(page)
    who = person("perfil", 1_357_913)
    register_by_api(stack, who)
    open_modify(page, stack, who)
    token = token_of(page)
    before = api(stack, "GET", "/v1/account", token=token).body

    # ID, document and SENAE mailbox shown read-only; the name and the rest editable.
    for name, value in [
        ("user_id", who.user_id),
        ("document_number", who.document_number),
        ("senae_email", who.senae_email),
    ]:
        expect(page.locator(f"#{name}")).to_have_value(value)
        expect(page.locator(f"#{name}")).not_to_be_editable()
    expect(page.locator("#document_type")).not_to_be_editable()
    expect(page.locator("#name")).to_have_value(who.name)
    expect(page.locator("#name")).to_be_editable()
    expect(page.locator("#address")).to_have_value(before["address"])
    expect(page.locator("#province")).to_have_value("09")
    expect(page.locator("#city")).to_have_value("0901")
    expect(page.get_by_test_id("current-email")).to_have_text(who.email)
    # "¿Desea mantener el mismo correo electrónico?": No by default (R-MOD-6).
    expect(page.get_by_test_id("keep-email-no")).to_be_checked()
    expect(page.get_by_test_id("email-change")).to_be_visible()
    screenshot(page, "modify-form")

    page.get_by_role("radio", name="Sí").check()
    expect(page.get_by_test_id("email-change")).to_be_hidden()
    new_address = "Calle Larga 7-45 y Borrero"
    page.fill("#address", new_address)

    # "No" in the dialog sends nothing.
    page.get_by_role("button", name="Actualizar").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="No").click()
    expect(page.get_by_test_id("confirm-dialog")).to_have_count(0)
    assert api(stack, "GET", "/v1/account", token=token).body["address"] == before["address"]

    save_and_confirm(page, screenshot_as="update-success")
    expect(page.locator("#address")).to_have_value(new_address)

    after = api(stack, "GET", "/v1/account", token=token).body
    assert after["address"] == new_address
    assert after["email"] == who.email
    assert after["version"] != before["version"]
    assert {k: v for k, v in after.items() if k not in ("address", "version", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("address", "version", "updated_at")
    }
    console.check()


def test_password_change_goes_through_the_verify_button(page: Page, stack: Stack) -> None:
    """R-MOD-4, R-AUTH-2: new-password fields only after password-check; then only the new
    password logs in."""
    console = Console(page)
    who = person("clave", 2_468_024)
    register_by_api(stack, who)
    open_modify(page, stack, who)
    new, confirmation = page.locator("#new_password"), page.locator("#new_password_confirmation")
    expect(new).to_be_disabled()
    expect(confirmation).to_be_disabled()

    page.fill("#current_password", "NoEsMiClave99")
    page.get_by_test_id("verify-password").click()
    expect_field_error(page, "current_password")
    expect(new).to_be_disabled()
    expect(confirmation).to_be_disabled()

    page.fill("#current_password", who.password)
    page.get_by_test_id("verify-password").click()
    expect(page.get_by_test_id("verify-password-result")).to_contain_text("verificada")
    expect(new).to_be_enabled()
    expect(confirmation).to_be_enabled()
    expect(page.locator("#current_password")).not_to_be_editable()
    new.fill(NEW_PASSWORD)
    confirmation.fill(NEW_PASSWORD)
    page.get_by_role("radio", name="Sí").check()
    save_and_confirm(page)
    expect(new).to_be_disabled()  # the password section starts over

    page.get_by_test_id("logout").click()
    page.wait_for_url("**/index.html")
    refused = log_in_refused(page, stack, who.user_id, who.password)
    assert "incorrectos" in refused
    log_in(page, stack, who.user_id, NEW_PASSWORD)
    expect(page.get_by_test_id("session-user")).to_have_text(who.user_id)
    console.check((401, "/v1/account/password-check"), (401, "/v1/sessions"))


def test_email_change_with_the_code_mailed_to_the_new_address(page: Page, stack: Stack) -> None:
    """R-MOD-6, R-REG-10, R-REG-11: "No" (default) → new address, checked and locked, code sent
    to the new address, saved; "Sí" hides the e-mail fields."""
    console = Console(page)
    who = person("correo", 3_579_135)
    register_by_api(stack, who)
    open_modify(page, stack, who)
    section = page.get_by_test_id("email-change")

    expect(page.get_by_test_id("keep-email-no")).to_be_checked()
    expect(section).to_be_visible()
    page.get_by_role("radio", name="Sí").check()
    expect(section).to_be_hidden()
    page.get_by_role("radio", name="No").check()
    expect(section).to_be_visible()

    new_email = f"mj.{who.tag}.nuevo@example.org"
    page.fill("#email", new_email)
    page.fill("#email_confirmation", new_email)
    page.get_by_test_id("check-email").click()
    expect(page.get_by_test_id("check-email-result")).to_contain_text("Disponible")
    expect(page.locator("#email")).not_to_be_editable()
    expect(page.locator("#email_confirmation")).not_to_be_editable()

    page.get_by_role("button", name="Solicitar código de seguridad").click()
    sent = page.get_by_test_id("request-code-result")
    expect(sent).to_contain_text(new_email)
    expect(sent).to_contain_text("15 minutos")
    page.fill("#security_code", stack.last_code(new_email))
    save_and_confirm(page)
    expect(page.get_by_test_id("current-email")).to_have_text(new_email)

    assert api(stack, "GET", "/v1/account", token=token_of(page)).body["email"] == new_email
    # R-MOD-6: the old address is told that it was replaced.
    notices = [m for m in stack.mails() if m["to"] == who.email and "reemplazado" in m["subject"]]
    assert len(notices) == 1, [m["subject"] for m in stack.mails() if m["to"] == who.email]
    console.check()


def test_deactivation_asks_reason_and_password_then_log_in_is_refused(
    page: Page, stack: Stack
) -> None:
    """R-DEL-1, R-DEL-2, R-AUTH-3, R-AUTH-4: seed 001 §5.8."""
    console = Console(page)
    who = person("baja", 4_680_246)
    register_by_api(stack, who)
    log_in(page, stack, who.user_id, who.password)
    token = token_of(page)
    page.get_by_role("link", name="Dar de baja").click()
    page.wait_for_url("**/baja.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")

    page.fill("#reason", "Ya no necesito consultar información del portal.")
    page.fill("#password", "NoEsMiClave99")
    page.get_by_role("button", name="Dar de baja").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Sí").click()
    expect_field_error(page, "password")
    assert api(stack, "GET", "/v1/account", token=token).body["status"] == "ACTIVE"

    page.fill("#password", who.password)
    page.get_by_role("button", name="Dar de baja").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_contain_text("¿Está seguro")
    dialog.get_by_role("button", name="Sí").click()
    done = page.get_by_test_id("deactivation-success")
    expect(done).to_be_visible()
    expect(page.get_by_test_id("deactivated-user-id")).to_have_text(who.user_id)
    expect(page.get_by_test_id("deactivate-form")).to_be_hidden()
    screenshot(page, "deactivation")

    assert api(stack, "GET", "/v1/account", token=token).status == 401
    refused = log_in_refused(page, stack, who.user_id, who.password)
    assert "dada de baja" in refused
    console.check((401, "/v1/account/deactivation"), (403, "/v1/sessions"))


def test_log_out_ends_the_session_on_the_server(page: Page, stack: Stack) -> None:
    """R-AUTH-1: "Cerrar sesión" → the token no longer works; the menu asks to log in again."""
    console = Console(page)
    who = person("salida", 1_112_131)
    register_by_api(stack, who)
    log_in(page, stack, who.user_id, who.password)
    token = token_of(page)
    assert api(stack, "GET", "/v1/account", token=token).status == 200

    page.get_by_test_id("menu-logout").click()
    page.wait_for_url("**/index.html")
    expect(page.get_by_test_id("flash")).to_contain_text("Su sesión se cerró")
    assert page.evaluate("sessionStorage.getItem('ecuapass.session.token')") is None
    answer = api(stack, "GET", "/v1/account", token=token)
    assert answer.status == 401 and answer.body["error"]["code"] == "UNAUTHORIZED"

    page.goto(f"{stack.web}/menu.html")
    page.wait_for_url("**/index.html")
    expect(page.get_by_test_id("flash")).to_contain_text("Ingrese")
    console.check()


def test_log_in_form_works_with_the_keyboard_alone(page: Page, stack: Stack) -> None:
    """Issue 4 point 5: Tab to the ID, type, Tab, type, Enter."""
    console = Console(page)
    who = person("tecla", 2_223_242)
    register_by_api(stack, who)
    open_page(page, stack, "")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "login-user-id":
            break
    else:
        raise AssertionError("the log-in ID is not reachable with Tab")
    page.keyboard.type(who.user_id)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "login-password"
    page.keyboard.type(who.password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/menu.html")
    expect(page.get_by_test_id("session-user")).to_have_text(who.user_id)

    # The menu and the modify form's dialog answer the keyboard too.
    page.get_by_role("link", name="Modificar información de registro para Usuario General").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/modificar.html")
    expect(page.get_by_test_id("modify-form")).to_be_visible()
    page.get_by_role("radio", name="Sí").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Actualizar").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
    assert page.evaluate("document.activeElement.dataset.testid") == "confirm-yes"
    page.keyboard.press("Escape")  # Esc answers "No"
    expect(page.get_by_test_id("confirm-dialog")).to_have_count(0)
    console.check()


def test_account_pages_fit_a_375px_phone_and_every_input_has_a_label(
    browser: Browser, stack: Stack
) -> None:
    """Issue 4 point 5: menu, modify and deactivate at 375 px."""
    who = person("telefono", 3_334_353)
    register_by_api(stack, who)
    with phone_page(browser) as page:
        console = Console(page)
        log_in(page, stack, who.user_id, who.password)
        for path in ("menu.html", "modificar.html", "baja.html"):
            open_page(page, stack, path)
            no_horizontal_scroll(page)
            assert unlabelled_controls(page) == [], path
        open_page(page, stack, "modificar.html")
        # «Sí» (keep the address): with «No» and no new address the page refuses before asking.
        page.get_by_role("radio", name="Sí").check()
        page.get_by_role("button", name="Actualizar").click()
        expect(page.get_by_test_id("confirm-dialog")).to_be_visible()
        no_horizontal_scroll(page)
        box = page.get_by_test_id("confirm-dialog").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
        console.check()
    assert log_in_by_api(stack, who.user_id, who.password).status == 201
