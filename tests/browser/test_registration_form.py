"""The registration form in Chromium against the local stack (issue 4; seed 000 §5.1–5.4).

Every test that creates an account uses its own person (ID, cédula, e-mail), so tests do not
depend on each other or on their order.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Stack
from tests.browser.pages import (
    SPANISH,
    Console,
    assert_accessible,
    expect_field_error,
    expect_focused_in_view,
    fill_registration,
    log_in_by_api,
    no_horizontal_scroll,
    open_page,
    person,
    phone_page,
    screenshot,
    unlabelled_controls,
    wait_for_proof_of_work,
)

REQUIRED = [
    "user_id",
    "document_type",
    "document_number",
    "name",
    "password",
    "password_confirmation",
    "country",
    "province",
    "city",
    "address",
    "phone1",
    "email",
    "email_confirmation",
    "security_code",
]
OPTIONAL = ["phone2", "mobile_operator", "mobile", "fax"]


def is_red(color: str) -> bool:
    red, green, blue = (int(x) for x in re.findall(r"\d+", color)[:3])
    return red > 150 and red > 2 * green and red > 2 * blue


def same_field(page: Page, input_id: str, testid: str) -> bool:
    return page.evaluate(
        """([id, testid]) => document.getElementById(id).closest('.field')
               .contains(document.querySelector(`[data-testid="${testid}"]`))""",
        [input_id, testid],
    )


def test_full_registration_from_the_landing_page_with_the_code_from_the_outbox(
    page: Page, stack: Stack
) -> None:
    """R-REG-1, R-REG-10, R-REG-11, R-REG-12, R-GEN-1, R-GEN-4: landing → Nuevo Registro →
    Usuario General, the three checks in order, the locked e-mail, the 15-minute code, success."""
    console = Console(page)
    who = person("lopez", 1_234_567)

    open_page(page, stack, "")
    screenshot(page, "landing")
    page.get_by_role("link", name="Nuevo Registro").click()
    page.wait_for_url("**/nuevo-registro.html")
    page.get_by_role("link", name="Solicitud de registro para Usuario General").click()
    page.wait_for_url("**/registro.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Solicitud de registro para Usuario General"
    )

    # Every API field has its input, named as in api.md; the mandatory ones carry a red *.
    for name in REQUIRED:
        mark = page.locator(f"label[for='{name}'] .req")
        expect(mark).to_have_text("*")
        assert is_red(mark.evaluate("el => getComputedStyle(el).color")), name
    for name in OPTIONAL:
        expect(page.locator(f"[name='{name}']")).to_have_count(1)
        expect(page.locator(f"label[for='{name}'] .req")).to_have_count(0)

    # The three availability checks, in this order: ID, document, e-mail.
    checks = page.get_by_role("button", name="Comprobar disponibilidad")
    assert checks.evaluate_all("els => els.map(e => e.id)") == [
        "check-user-id",
        "check-document",
        "check-email",
    ]

    fill_registration(page, who)
    expect(page.get_by_test_id("senae-email-preview")).to_have_value(who.senae_email)

    page.get_by_test_id("check-user-id").click()
    expect(page.get_by_test_id("check-user-id-result")).to_contain_text("Disponible")
    assert same_field(page, "user_id", "check-user-id-result")

    page.get_by_test_id("check-document").click()
    expect(page.get_by_test_id("check-document-result")).to_contain_text("Disponible")
    assert same_field(page, "document_number", "check-document-result")

    page.get_by_test_id("check-email").click()
    result = page.get_by_test_id("check-email-result")
    expect(result).to_contain_text("Disponible")
    expect(result).to_contain_text("no podrá modificarse")
    assert result.evaluate(
        "el => el.closest('fieldset').contains(document.getElementById('email'))"
    ), "the e-mail answer is not next to the e-mail fields"
    # Seed: once checked, the e-mail "no podrá ser modificado nuevamente".
    for name in ("email", "email_confirmation"):
        expect(page.locator(f"#{name}")).not_to_be_editable()
        expect(page.locator(f"#{name}")).to_have_value(who.email)
    expect(page.get_by_test_id("check-email")).to_be_disabled()

    page.get_by_role("button", name="Solicitar código de seguridad").click()
    sent = page.get_by_test_id("request-code-result")
    expect(sent).to_contain_text(who.email)
    expect(sent).to_contain_text("15 minutos")
    code = stack.last_code(who.email)
    # Asking again at once: the 429 answer with its wait time, the first code still valid.
    page.get_by_role("button", name="Solicitar código de seguridad").click()
    expect(sent).to_have_attribute("data-state", "warning")
    expect(sent).to_contain_text(re.compile(r"\d+ segundos|minuto"))
    page.fill("#security_code", code)

    page.get_by_role("button", name="Registrar").click()
    success = page.get_by_test_id("registration-success")
    expect(success).to_be_visible()
    expect(page.get_by_test_id("registration-form")).to_be_hidden()
    expect(page.get_by_test_id("success-user-id")).to_have_text(who.user_id)
    expect(page.get_by_test_id("success-senae-email")).to_have_text(
        f"{who.user_id}@correo.aduana.gob.ec"
    )
    expect(success).to_contain_text("ya puede ingresar")
    expect(page.get_by_test_id("success-status")).to_contain_text("puede usar el portal ahora")
    expect(page.get_by_test_id("success-email")).to_have_text(who.email)
    screenshot(page, "registration-success")

    # R-GEN-4: usable at once.
    assert log_in_by_api(stack, who.user_id, who.password).status == 201
    console.check((429, "/v1/registration/security-code"))


def test_registration_shows_the_api_field_errors_next_to_their_fields(
    page: Page, stack: Stack
) -> None:
    """R-REG-2, R-REG-7, R-REG-11, R-GEN-3: an invalid cédula and a bad phone, then a wrong
    code, each next to its field in Spanish, aria-invalid + aria-describedby, first one focused."""
    console = Console(page)
    who = person("errores", 2_345_678)
    valid = who.document_number
    bad_cedula = valid[:-1] + str((int(valid[-1]) + 1) % 10)

    open_page(page, stack, "registro.html")
    fill_registration(page, who, document_number=bad_cedula, phone1="2345-678")
    page.get_by_role("button", name="Registrar").click()

    document_error = expect_field_error(page, "document_number")
    phone_error = expect_field_error(page, "phone1")
    for message in (document_error, phone_error):
        assert SPANISH.search(message) and "error" not in message.lower(), message
    assert "0XXXXXXXX" in phone_error
    expect(page.get_by_test_id("form-error")).to_contain_text("Revise")
    # The first field in error (in the form's order) has the focus and is scrolled into view.
    expect_focused_in_view(page, "document_number")
    # Only the fields in error are marked: with them, in the same answer, the code that was
    # never requested (R-UX-1).
    assert page.locator("[aria-invalid='true']").evaluate_all("els => els.map(e => e.id)") == [
        "document_number",
        "phone1",
        "security_code",
    ]

    # Editing a field clears its error.
    page.fill("#document_number", valid)
    expect(page.locator("#document_number")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("error-document_number")).to_have_count(0)
    page.fill("#phone1", "042345678")

    page.get_by_role("button", name="Solicitar código de seguridad").click()
    expect(page.get_by_test_id("request-code-result")).to_contain_text("15 minutos")
    code = stack.last_code(who.email)
    wrong = "".join("B" if ch == "A" else "A" for ch in code)  # differs at every position
    page.fill("#security_code", wrong)
    page.get_by_role("button", name="Registrar").click()
    expect_field_error(page, "security_code", re.compile("código de seguridad es incorrecto"))
    expect_focused_in_view(page, "security_code")

    page.fill("#security_code", code)
    page.get_by_role("button", name="Registrar").click()
    expect(page.get_by_test_id("success-user-id")).to_have_text(who.user_id)
    console.check((400, "/v1/registration"))


def test_province_and_city_appear_only_for_ecuador_and_cities_follow_the_province(
    page: Page, stack: Stack
) -> None:
    """R-REG-5: country → province → city cascade from the catalogues."""
    console = Console(page)
    open_page(page, stack, "registro.html")
    province, city = page.locator("#province"), page.locator("#city")

    expect(page.locator("#country")).to_have_value("EC")
    expect(province).to_be_visible()
    expect(city).to_be_visible()
    expect(province.locator("option")).to_have_count(25)  # placeholder + the 24 provinces
    expect(city).to_be_disabled()  # no province yet: no cities

    page.select_option("#province", "09")
    expect(city).to_be_enabled()
    expect(city.locator("option[value='0901']")).to_have_text("Guayaquil")
    page.select_option("#city", "0901")

    page.select_option("#province", "17")
    expect(city.locator("option[value='1701']")).to_have_text("Quito")
    expect(city.locator("option[value='0901']")).to_have_count(0)
    expect(city).to_have_value("")

    page.select_option("#country", "PE")
    expect(province).to_be_hidden()
    expect(city).to_be_hidden()

    page.select_option("#country", "EC")
    expect(province).to_be_visible()
    expect(city).to_be_visible()
    console.check()


def tab_to(page: Page, element_id: str, limit: int = 12) -> None:
    """Presses Tab until the element has the focus (it must be reachable, in order)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reached with {limit} Tab presses")


def test_registration_form_can_be_completed_with_the_keyboard_alone(
    page: Page, stack: Stack
) -> None:
    """Issue 4 point 5: Tab, typing, Enter and type-ahead in the selects, no mouse."""
    console = Console(page)
    who = person("teclado", 3_456_789)
    open_page(page, stack, "registro.html")

    tab_to(page, "user_id", limit=20)
    page.keyboard.type(who.user_id)
    tab_to(page, "check-user-id")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("check-user-id-result")).to_contain_text("Disponible")

    tab_to(page, "document_type")
    # Type-ahead on the letter only: Playwright types a non-ASCII "é" as inserted text, which
    # Chromium gives to the last text input (now #user_id: the SENAE mailbox is no tab stop).
    page.keyboard.type("C")
    expect(page.locator("#document_type")).to_have_value("CEDULA")
    for name, value in [
        ("document_number", who.document_number),
        ("name", who.name),
        ("password", who.password),
        ("password_confirmation", who.password),
    ]:
        tab_to(page, name)
        page.keyboard.type(value)

    tab_to(page, "country")  # Ecuador is preselected
    expect(page.locator("#country")).to_have_value("EC")
    tab_to(page, "province")
    page.keyboard.type("Guayas")
    expect(page.locator("#province")).to_have_value("09")
    expect(page.locator("#city")).to_be_enabled()
    tab_to(page, "city")
    page.keyboard.type("Guayaquil")
    expect(page.locator("#city")).to_have_value("0901")
    for name, value in [("address", "Av. Quito 123 y Colón"), ("phone1", "042345678")]:
        tab_to(page, name)
        page.keyboard.type(value)
    tab_to(page, "mobile_operator")
    page.keyboard.type("Movistar")
    expect(page.locator("#mobile_operator")).to_have_value("MOVISTAR")
    tab_to(page, "mobile")
    page.keyboard.type("0987654321")

    for name in ("email", "email_confirmation"):
        tab_to(page, name)
        page.keyboard.type(who.email)
    tab_to(page, "check-email")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("check-email-result")).to_contain_text("Disponible")
    tab_to(page, "request-code")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("request-code-result")).to_contain_text("15 minutos")
    tab_to(page, "security_code")
    page.keyboard.type(stack.last_code(who.email))
    tab_to(page, "privacy_notice_version", limit=3)  # past the notice's link (R-PRIV-2)
    page.keyboard.press("Space")
    tab_to(page, "register")
    page.keyboard.press("Enter")  # submits the form

    expect(page.get_by_test_id("success-user-id")).to_have_text(who.user_id)
    assert page.evaluate("document.activeElement.id") == "registration-success"
    console.check()


def test_public_pages_fit_a_375px_phone_and_every_input_has_a_label(
    browser: Browser, stack: Stack
) -> None:
    """Issue 4 point 5: no sideways scrolling at 375 px, a <label> for every input."""
    with phone_page(browser) as page:
        console = Console(page)
        for path in ("", "nuevo-registro.html", "recuperar.html", "registro.html"):
            open_page(page, stack, path)
            no_horizontal_scroll(page)
            assert unlabelled_controls(page) == [], path

        # The registration form with errors shown is still within the screen's width.
        who = person("movil", 4_567_891)
        fill_registration(page, who)
        page.evaluate("window.scrollTo(0, 0)")
        shot = screenshot(page, "registration-form", full_page=True)
        assert shot.stat().st_size < 400_000, shot.stat().st_size

        # With errors shown it still fits the screen's width.
        page.fill("#phone1", "12")
        page.get_by_role("button", name="Registrar").click()
        expect_field_error(page, "phone1")
        no_horizontal_scroll(page)
        console.check((400, "/v1/registration"))


def test_an_address_that_bounced_is_refused_at_the_check_and_at_the_code_request_r_mail_3(
    page: Page, stack: Stack
) -> None:
    """R-MAIL-3, R-MAIL-4: a code mailed to SES's simulated bounce address comes back as a
    permanent bounce through the local stack's simulator; the form then says, at «Comprobar
    disponibilidad» and at «Solicitar código de seguridad», that the address receives no mail and
    how to go on."""
    who = person("rebote", 2_345_671)
    bouncing = "bounce@simulator.amazonses.com"
    open_page(page, stack, "registro.html")
    fill_registration(page, who, email=bouncing, email_confirmation=bouncing)
    wait_for_proof_of_work(page)
    page.get_by_test_id("check-email").click()
    expect(page.get_by_test_id("check-email-result")).to_contain_text("Disponible")
    page.get_by_role("button", name="Solicitar código de seguridad").click()
    expect(page.get_by_test_id("request-code-result")).to_contain_text("15 minutos")

    # The simulator's bounce reaches the feedback handler within about a second.
    undeliverable = re.compile("No es posible enviar correos a esta dirección")
    result = page.get_by_test_id("check-email-result")
    change = page.get_by_test_id("change-email")
    for _ in range(20):
        if change.is_visible():
            change.click()
        page.get_by_test_id("check-email").click()
        expect(result).to_contain_text(re.compile("Disponible|No es posible"))
        if undeliverable.search(result.inner_text()):
            break
        page.wait_for_timeout(500)
    expect(result).to_contain_text(undeliverable)
    expect(result).to_contain_text("use otro correo")

    wait_for_proof_of_work(page)
    page.get_by_role("button", name="Solicitar código de seguridad").click()
    message = expect_field_error(page, "email")
    assert "rechazado definitivamente o marcado como no deseado" in message, message
    assert_accessible(page, "registration, undeliverable address, desktop")
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page, "registration, undeliverable address, 375 px")
    no_horizontal_scroll(page)
