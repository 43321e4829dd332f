"""The second factor in Chromium against the local stack (R-SEC-2): turned on from «Seguridad de
la cuenta» with the QR code and its typed key, the 10 recovery codes shown once, the log-in's code
step with a TOTP code and with a recovery code, a wrong code, a void challenge, the lock-out, the
errors of the network and of the service, and turning it off.

The stack runs on the real clock: an `Authenticator` computes the codes from the key the page
shows, as a phone would, and waits for a new 30-second step when the one it would use was
already accepted (no replay)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Stack
from tests.browser.pages import (
    Authenticator,
    Console,
    Person,
    answer_unavailable,
    api,
    enable_factor_by_api,
    expect_field_error,
    log_in,
    log_in_by_api,
    log_in_to_code_step,
    log_in_with_code,
    open_page,
    person,
    register_by_api,
    token_of,
    turn_off_by_api,
)

SECRET_IN_BLOCKS = re.compile(r"^(?:[A-Z2-7]{4} )+[A-Z2-7]{1,4}$")
RECOVERY_CODE = re.compile(r"^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$")


def open_security(page: Page) -> None:
    page.get_by_test_id("menu-security").click()
    page.wait_for_url("**/seguridad.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def expect_state(page: Page, state: str) -> None:
    expect(page.get_by_test_id("second-factor")).to_have_attribute("data-state", state)


def start_enrolment(page: Page, password: str) -> Authenticator:
    """«Activar segundo factor», the password, «Continuar»: the QR code and its key; the app
    that holds the key as the page shows it."""
    page.get_by_test_id("enable-factor").click()
    expect_state(page, "enrol-password")
    expect(page.locator("#enrol-password")).to_be_focused()
    page.fill("#enrol-password", password)
    page.get_by_test_id("enrol-continue").click()
    expect_state(page, "enrol-scan")
    shown = page.get_by_test_id("totp-secret").inner_text()
    assert SECRET_IN_BLOCKS.fullmatch(shown), shown
    return Authenticator(shown.replace(" ", ""))


def finish_enrolment(page: Page, app: Authenticator) -> list[str]:
    """The app's code, «Activar»: the 10 recovery codes."""
    page.fill("#confirm-code", app.code())
    page.get_by_test_id("confirm-factor").click()
    expect_state(page, "recovery-codes")
    codes = page.get_by_test_id("recovery-code-list").locator("li").all_inner_texts()
    assert len(codes) == 10 and all(RECOVERY_CODE.fullmatch(c) for c in codes), codes
    return codes


def account_with_factor(stack: Stack, tag: str, seed: int) -> tuple[Person, Authenticator]:
    """A registered person whose second factor was turned on through the API."""
    who = person(tag, seed)
    register_by_api(stack, who)
    token = log_in_by_api(stack, who.user_id, who.password).body["token"]
    app, _ = enable_factor_by_api(stack, token)
    return who, app


def log_out(page: Page) -> None:
    page.get_by_test_id("logout").click()
    page.wait_for_url(re.compile(r"/(index\.html)?$"))
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def test_turn_on_log_in_with_a_code_and_a_recovery_code_then_turn_off_r_sec_2(
    page: Page, stack: Stack
) -> None:
    who = person("factor", 3_611_001)
    register_by_api(stack, who)
    console = Console(page)
    log_in(page, stack, who.user_id, who.password)
    open_security(page)
    expect_state(page, "off")
    expect(page.get_by_test_id("factor-off")).to_contain_text("Desactivada")

    # A wrong password: on its field, with the tries left (R-UX-2).
    page.get_by_test_id("enable-factor").click()
    page.fill("#enrol-password", "Otra2026clave")
    page.get_by_test_id("enrol-continue").click()
    enrol_form = page.get_by_test_id("enrol-form")
    message = expect_field_error(page, "password", within=enrol_form)
    assert "La contraseña es incorrecta." in message and "Le quedan 4 intentos" in message
    expect(page.locator("#enrol-password")).to_be_focused()

    page.fill("#enrol-password", who.password)
    with page.expect_response("**/v1/account/totp") as enrolment:
        page.get_by_test_id("enrol-continue").click()
    sent = enrolment.value.json()
    expect_state(page, "enrol-scan")
    expect(page.locator("#confirm-title")).to_be_focused()
    # The QR code is the API's SVG rebuilt in the page (the same modules), named for a screen
    # reader; the key is its text alternative, in blocks of 4; the steps name the apps.
    qr = page.get_by_test_id("totp-qr").locator("svg")
    expect(qr).to_have_attribute("role", "img")
    expect(qr).to_have_attribute("aria-label", re.compile("Código QR.*escriba la clave"))
    assert qr.evaluate("el => el.namespaceURI") == "http://www.w3.org/2000/svg"
    drawn = re.search(r' d="([^"]+)"', sent["qr_svg"])
    assert drawn and qr.locator("path").get_attribute("d") == drawn.group(1)
    box = qr.bounding_box()
    assert box and box["width"] >= 150 and box["height"] >= 150, box
    steps = page.get_by_test_id("confirm-form").inner_text()
    for app_name in ("Google Authenticator", "Microsoft Authenticator", "FreeOTP"):
        assert app_name in steps
    shown = page.get_by_test_id("totp-secret").inner_text()
    assert SECRET_IN_BLOCKS.fullmatch(shown) and shown.replace(" ", "") == sent["secret"], shown
    app = Authenticator(shown.replace(" ", ""))

    # A wrong code: on its field, with the tries left; the QR code stays.
    page.fill("#confirm-code", app.wrong_code())
    page.get_by_test_id("confirm-factor").click()
    confirm_form = page.get_by_test_id("confirm-form")
    message = expect_field_error(page, "code", within=confirm_form)
    assert "no coincide" in message and "Le quedan 3 intentos" in message, message
    expect(qr).to_be_visible()

    codes = finish_enrolment(page, app)
    expect(page.locator("#recovery-title")).to_be_focused()
    expect(page.get_by_test_id("security-status")).to_contain_text("Se activó")
    expect(page.get_by_test_id("recovery-codes")).to_contain_text("Se muestran solo esta vez")
    # The same 10 codes as a .txt file.
    with page.expect_download() as download:
        page.get_by_test_id("recovery-download").click()
    assert download.value.suggested_filename.endswith(".txt")
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115 - read once
    assert all(code in text for code in codes) and who.user_id in text, text

    # «Ya los guardé»: the codes leave the page, the factor shows as on.
    page.get_by_test_id("recovery-done").click()
    expect_state(page, "on")
    expect(page.locator("#factor-title")).to_be_focused()
    expect(page.get_by_test_id("security-status")).to_contain_text("está activada")
    assert codes[0] not in page.content() and app.secret not in page.content()
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect_state(page, "on")
    assert codes[0] not in page.content()

    # The log-in now asks a code: a wrong one says the tries left, a recovery code (typed in
    # lower case with a space) opens the session.
    log_out(page)
    step = log_in_to_code_step(page, stack, who.user_id, who.password)
    expect(page.get_by_test_id("login-code-user")).to_have_text(who.user_id)
    expect(page.locator("#login-code")).to_have_attribute("autocomplete", "one-time-code")
    expect(page.locator("#login-code")).to_have_attribute("inputmode", "numeric")
    page.fill("#login-code", app.wrong_code())
    page.get_by_test_id("verify-code").click()
    message = expect_field_error(page, "code", within=step)
    assert "incorrecto" in message and "Le quedan 2 intentos" in message, message
    expect(page.locator("#login-code")).to_be_focused()
    page.get_by_test_id("code-kind").click()
    expect(page.locator("#login-code")).to_have_attribute("inputmode", "text")
    page.fill("#login-code", codes[0].lower().replace("-", " "))
    page.get_by_test_id("verify-code").click()
    page.wait_for_url("**/menu.html")
    expect(page.get_by_test_id("session-user")).to_have_text(who.user_id)
    assert api(stack, "GET", "/v1/account", token=token_of(page)).body["totp_enabled"] is True

    # The app's code, once the step of the confirmation is over.
    log_out(page)
    log_in_with_code(page, stack, who.user_id, who.password, app.code())

    # A challenge used elsewhere meanwhile: the step is void, back to the password.
    log_out(page)
    with page.expect_response("**/v1/sessions") as first_step:
        log_in_to_code_step(page, stack, who.user_id, who.password)
    challenge = first_step.value.json()["error"]["totp_challenge"]
    used = api(stack, "POST", "/v1/sessions/totp", {"totp_challenge": challenge, "code": codes[1]})
    assert used.status == 201, used.body
    page.fill("#login-code", codes[2])
    page.get_by_test_id("verify-code").click()
    summary = page.locator("#login-form").get_by_test_id("form-error")
    expect(summary).to_contain_text("caducó")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#login-password")).to_be_focused()
    expect(page.locator("#login-user-id")).to_have_value(who.user_id)

    # The void challenge cost no try and no code: codes[2] still opens a session.
    page.fill("#login-password", who.password)
    page.get_by_test_id("login").click()
    expect(page.locator("#login-code")).to_be_focused()
    page.fill("#login-code", codes[2])
    page.get_by_test_id("verify-code").click()
    page.wait_for_url("**/menu.html")

    # Turning it off: a wrong code is refused on its field, the password stays typed.
    open_security(page)
    expect_state(page, "on")
    page.get_by_test_id("disable-factor").click()
    expect(page.locator("#disable-password")).to_be_focused()
    disable_form = page.get_by_test_id("disable-form")
    page.get_by_test_id("disable-confirm").click()
    expect_field_error(page, "password", "Escriba su contraseña.", within=disable_form)
    expect_field_error(page, "code", within=disable_form)
    expect(page.locator("#disable-password")).to_be_focused()
    page.fill("#disable-password", who.password)
    page.fill("#disable-code", app.wrong_code())
    page.get_by_test_id("disable-confirm").click()
    message = expect_field_error(page, "code", within=disable_form)
    assert "Le queda 1 intento" in message, message
    expect(page.locator("#disable-password")).to_have_value(who.password)
    page.get_by_test_id("code-kind").click()
    page.fill("#disable-code", codes[3])
    page.get_by_test_id("disable-confirm").click()
    expect_state(page, "off")
    expect(page.get_by_test_id("security-status")).to_contain_text("Se desactivó")
    expect(page.locator("#factor-title")).to_be_focused()

    # The password alone opens the account again.
    log_out(page)
    log_in(page, stack, who.user_id, who.password)
    console.check(
        (401, "/v1/account/totp"),
        (401, "/v1/account/totp/confirmation"),
        (401, "/v1/sessions"),
        (401, "/v1/sessions/totp"),
        (401, "/v1/account/totp/deactivation"),
    )


def test_wrong_codes_lock_the_log_in_and_the_lock_offers_a_new_password_r_sec_2(
    page: Page, stack: Stack
) -> None:
    who, app = account_with_factor(stack, "factorlock", 3_611_002)
    console = Console(page)
    step = log_in_to_code_step(page, stack, who.user_id, who.password)
    for left in ("Le quedan 4 intentos", "Le quedan 3 intentos", "Le quedan 2 intentos"):
        page.fill("#login-code", app.wrong_code())
        page.get_by_test_id("verify-code").click()
        expect(page.get_by_test_id("error-code")).to_contain_text(left)
    page.fill("#login-code", app.wrong_code())
    page.get_by_test_id("verify-code").click()
    expect_field_error(page, "code", re.compile("Le queda 1 intento"), within=step)
    page.fill("#login-code", app.wrong_code())
    page.get_by_test_id("verify-code").click()
    # Locked: back at the password, whose «¿Olvidó su contraseña?» the message names.
    summary = page.locator("#login-form").get_by_test_id("form-error")
    expect(summary).to_contain_text("bloqueada temporalmente")
    expect(summary).to_contain_text("¿Olvidó su contraseña?")
    expect(page.get_by_test_id("forgot-password")).to_be_visible()
    expect(step).to_be_hidden()
    console.check((401, "/v1/sessions"), (401, "/v1/sessions/totp"), (423, "/v1/sessions/totp"))


def test_the_security_page_lock_out_and_failures_are_said_on_the_form_r_sec_2(
    page: Page, stack: Stack
) -> None:
    """R-UX-5: no answer at all and an unavailable service are told apart, the form keeps what
    was typed; the fifth wrong password locks, and the lock offers a new password."""
    who = person("factorerr", 3_611_003)
    register_by_api(stack, who)
    console = Console(page)
    log_in(page, stack, who.user_id, who.password)
    open_security(page)
    page.get_by_test_id("enable-factor").click()
    enrol_form = page.get_by_test_id("enrol-form")
    summary = enrol_form.get_by_test_id("form-error")

    page.route("**/v1/account/totp", lambda route: route.abort("connectionrefused"))
    page.fill("#enrol-password", who.password)
    page.get_by_test_id("enrol-continue").click()
    expect(summary).to_contain_text("no hubo respuesta")
    expect_state(page, "enrol-password")
    page.unroute("**/v1/account/totp")
    page.route("**/v1/account/totp", answer_unavailable)
    page.fill("#enrol-password", who.password)
    page.get_by_test_id("enrol-continue").click()
    expect(summary).to_contain_text("no está disponible")
    expect(summary).not_to_contain_text("no hubo respuesta")
    expect(summary).to_be_focused()
    page.unroute("**/v1/account/totp")

    for _ in range(4):
        page.fill("#enrol-password", "Otra2026clave")
        page.get_by_test_id("enrol-continue").click()
        expect_field_error(page, "password", within=enrol_form)
    page.fill("#enrol-password", "Otra2026clave")
    page.get_by_test_id("enrol-continue").click()
    expect(summary).to_contain_text("bloqueada temporalmente")
    recovery = summary.get_by_test_id("locked-recovery")
    expect(recovery).to_have_attribute("href", f"recuperar.html?id={who.user_id}")
    expect(summary).to_be_focused()

    # «Cancelar» goes back to the state as it was, the focus on its button.
    enrol_form.get_by_test_id("factor-cancel").click()
    expect_state(page, "off")
    expect(page.get_by_test_id("enable-factor")).to_be_focused()
    console.errors = [e for e in console.errors if "ERR_CONNECTION_REFUSED" not in e[0]]
    console.check((503, "/v1/account/totp"), (401, "/v1/account/totp"), (423, "/v1/account/totp"))


def test_the_code_step_tells_network_and_service_failures_apart_r_sec_2(
    page: Page, stack: Stack
) -> None:
    who, app = account_with_factor(stack, "factornet", 3_611_004)
    console = Console(page)
    step = log_in_to_code_step(page, stack, who.user_id, who.password)
    summary = step.get_by_test_id("form-error")
    page.route("**/v1/sessions/totp", lambda route: route.abort("connectionrefused"))
    page.fill("#login-code", "123456")
    page.get_by_test_id("verify-code").click()
    expect(summary).to_contain_text("no hubo respuesta")
    expect(page.locator("#login-code")).to_have_value("123456")
    page.unroute("**/v1/sessions/totp")

    # Malformed: said at once, nothing sent, no try spent.
    page.fill("#login-code", "12345")
    page.get_by_test_id("verify-code").click()
    expect_field_error(page, "code", re.compile("no tiene la forma esperada"), within=step)

    # «Volver» returns to the password, the ID kept.
    page.get_by_test_id("login-back").click()
    expect(page.locator("#login-password")).to_be_focused()
    expect(page.locator("#login-user-id")).to_have_value(who.user_id)
    page.fill("#login-password", who.password)
    page.get_by_test_id("login").click()
    expect(page.locator("#login-code")).to_be_focused()
    page.fill("#login-code", app.code())
    page.get_by_test_id("verify-code").click()
    page.wait_for_url("**/menu.html")
    open_page(page, stack, "seguridad.html")
    expect_state(page, "on")
    console.errors = [e for e in console.errors if "ERR_CONNECTION_REFUSED" not in e[0]]
    console.check((401, "/v1/sessions"))


def test_a_factor_changed_in_another_window_shows_as_it_is_now_r_sec_2(
    page: Page, stack: Stack
) -> None:
    """The API's 409s: the factor turned on, off, or its enrolment ended elsewhere while the page
    was on another step; the page shows the state as it is now and says why."""
    who = person("factorotra", 3_611_005)
    register_by_api(stack, who)
    elsewhere = log_in_by_api(stack, who.user_id, who.password).body["token"]
    console = Console(page)
    log_in(page, stack, who.user_id, who.password)
    open_security(page)
    status = page.get_by_test_id("security-status")

    # Turned on elsewhere while this page shows its QR code: TOTP_ALREADY_ENABLED.
    start_enrolment(page, who.password)
    _, codes = enable_factor_by_api(stack, elsewhere)
    page.fill("#confirm-code", "123456")
    page.get_by_test_id("confirm-factor").click()
    expect_state(page, "on")
    expect(status).to_contain_text("ya tiene activado el segundo factor")
    expect(page.locator("#factor-title")).to_be_focused()

    # Turned off elsewhere while this page asks for the password and a code: TOTP_NOT_ENABLED.
    page.get_by_test_id("disable-factor").click()
    turn_off_by_api(stack, elsewhere, codes[0])
    page.fill("#disable-password", who.password)
    page.fill("#disable-code", "123456")
    page.get_by_test_id("disable-confirm").click()
    expect_state(page, "off")
    expect(status).to_contain_text("no tiene activado el segundo factor")

    # Turned on and off elsewhere while this page shows its QR code: TOTP_NOT_PENDING.
    start_enrolment(page, who.password)
    _, codes = enable_factor_by_api(stack, elsewhere)
    turn_off_by_api(stack, elsewhere, codes[0])
    page.fill("#confirm-code", "123456")
    page.get_by_test_id("confirm-factor").click()
    expect_state(page, "off")
    expect(status).to_contain_text("Presione «Activar segundo factor»")
    expect(page.get_by_test_id("enable-factor")).to_be_focused()
    console.check((409, "/v1/account/totp/confirmation"), (409, "/v1/account/totp/deactivation"))
