"""The form's flow in Chromium against the local stack: the code's real lifetime, «Cambiar correo»,
the modify form's checks before its confirmation, focus that never drops to the body, and the
messages (R-UX-2, R-UX-3, R-UX-4, R-UX-5)."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Stack
from tests.browser.pages import (
    Person,
    expect_field_error,
    fill_registration,
    log_in,
    open_page,
    person,
    register_by_api,
)


def focus_not_on_body(page: Page) -> None:
    """R-UX-5: something other than the page body has the focus, and it is on screen."""
    # Polled with evaluate: wait_for_function's polling needs eval, which the pages' CSP forbids.
    for _ in range(50):
        if page.evaluate("document.activeElement.tagName") != "BODY":
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.tagName") != "BODY"
    box = page.evaluate(
        """() => {
            const r = document.activeElement.getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, height: innerHeight};
        }"""
    )
    assert box["bottom"] > 0 and box["top"] < box["height"], f"focus off screen: {box}"


def answer_with(status: int, body: object, headers: dict[str, str] | None = None):
    """A page.route handler answering every request with `status` and the JSON `body`."""

    def handler(route: Route) -> None:
        route.fulfill(
            status=status,
            body=body if isinstance(body, str) else json.dumps(body),
            headers={"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}
            | (headers or {}),
        )

    return handler


def open_modify(page: Page, stack: Stack, who: Person) -> None:
    register_by_api(stack, who)
    log_in(page, stack, who.user_id, who.password)
    open_page(page, stack, "modificar.html")
    expect(page.get_by_test_id("modify-form")).to_be_visible()


def accept_update(page: Page) -> None:
    """Actualizar → Sí → "…con éxito" → Aceptar."""
    page.get_by_role("button", name="Actualizar").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Sí").click()
    done = page.get_by_test_id("update-success")
    expect(done).to_contain_text("La actualización se ha realizado con éxito")
    done.get_by_role("button", name="Aceptar").click()
    expect(done).to_have_count(0)


# --- Item 3: the code's lifetime comes from the API ---------------------------------------------


def test_code_hint_says_the_lifetime_the_api_answered_in_the_right_number(
    page: Page, stack: Stack
) -> None:
    """The hint has no figure before a request; after it, the 202's `expires_in_seconds`,
    singular for one minute."""
    open_page(page, stack, "registro.html")
    hint = page.locator("#security_code-hint")
    expect(hint).to_contain_text("Caduca unos minutos después del envío")
    expect(hint).not_to_contain_text(re.compile(r"\d"))
    page.route(
        "**/v1/registration/security-code",
        answer_with(202, {"expires_in_seconds": 60, "resend_after_seconds": 30}),
    )
    page.fill("#email", "alguien@example.com")
    page.get_by_test_id("request-code").click()
    expect(page.get_by_test_id("request-code-result")).to_contain_text("caduca en 1 minuto.")
    expect(hint).to_contain_text("Caduca 1 minuto después del envío")

    open_page(page, stack, "recuperar.html")
    hint = page.locator("#security_code-hint")
    expect(hint).to_contain_text("Caduca unos minutos después del envío")
    page.route(
        "**/v1/password-recovery/security-code", answer_with(202, {"expires_in_seconds": 300})
    )
    page.fill("#identifier", "alguien")
    page.get_by_test_id("recovery-request").click()
    expect(page.get_by_test_id("recovery-request-result")).to_contain_text("5 minutos")
    expect(hint).to_contain_text("Caduca 5 minutos después del envío")


# --- Item 4 (R-UX-3): «Cambiar correo» ----------------------------------------------------------


def test_cambiar_correo_unlocks_the_pair_and_forgets_the_code_keeping_the_rest(
    page: Page, stack: Stack
) -> None:
    who = person("cambio", 1_471_471)
    open_page(page, stack, "registro.html")
    typo = f"maria.{who.tag}@exampel.com"
    fill_registration(page, who, email=typo, email_confirmation=typo)
    page.get_by_test_id("check-email").click()
    result = page.get_by_test_id("check-email-result")
    expect(result).to_contain_text("Disponible")
    expect(result).to_contain_text("Si se equivocó, use «Cambiar correo»")
    expect(page.locator("#email")).not_to_be_editable()
    page.get_by_test_id("request-code").click()
    expect(page.get_by_test_id("request-code-result")).to_contain_text(typo)
    page.fill("#security_code", stack.last_code(typo))

    page.get_by_role("button", name="Cambiar correo").click()
    for name in ("email", "email_confirmation"):
        expect(page.locator(f"#{name}")).to_be_editable()
    expect(page.locator("#email")).to_be_focused()
    expect(result).to_have_text("")
    expect(page.get_by_test_id("request-code-result")).to_have_text("")
    expect(page.locator("#security_code")).to_have_value("")
    expect(page.get_by_test_id("check-email")).to_be_enabled()
    expect(page.get_by_role("button", name="Cambiar correo")).to_be_hidden()
    # The rest of the form is untouched.
    expect(page.locator("#user_id")).to_have_value(who.user_id)
    expect(page.locator("#name")).to_have_value(who.name)
    expect(page.locator("#city")).to_have_value("0901")

    # The corrected address is checked, coded and registered.
    page.fill("#email", who.email)
    page.fill("#email_confirmation", who.email)
    page.get_by_test_id("check-email").click()
    expect(result).to_contain_text("Disponible")
    page.get_by_test_id("request-code").click()
    expect(page.get_by_test_id("request-code-result")).to_contain_text(who.email)
    page.fill("#security_code", stack.last_code(who.email))
    page.get_by_role("button", name="Registrar").click()
    expect(page.get_by_test_id("success-email")).to_have_text(who.email)


# --- Item 5 (R-UX-4): the modify form checks before it asks -------------------------------------


def test_modify_checks_before_asking_and_a_save_leaves_the_radio_ready_for_the_next(
    page: Page, stack: Stack
) -> None:
    who = person("antes", 1_581_581)
    open_modify(page, stack, who)
    expect(page.get_by_test_id("keep-email-no")).to_be_checked()
    page.fill("#address", "Calle Larga 7-45 y Borrero")
    page.fill("#name", "")
    page.get_by_role("button", name="Actualizar").click()
    # No «¿Está seguro…?»: the problems first, all of them.
    expect(page.get_by_test_id("form-error")).to_be_visible()
    expect(page.get_by_test_id("confirm-dialog")).to_have_count(0)
    expect_field_error(page, "name")
    message = expect_field_error(page, "email")
    assert "«Sí»" in message and "escriba el nuevo correo" in message, message
    expect(page.locator("#name")).to_be_focused()

    page.fill("#name", who.name)
    page.get_by_role("radio", name="Sí").check()
    accept_update(page)
    # After the save the radio says «Sí»: a second save does not fail on an empty address.
    expect(page.get_by_test_id("keep-email-yes")).to_be_checked()
    page.fill("#address", "Av. Solano 2-10 y Vega Muñoz")
    accept_update(page)
    expect(page.get_by_test_id("save-status")).to_contain_text("con éxito")


# --- Item 6 (R-UX-5): focus, confirmations that stay, the e-mail change's success ---------------


def test_focus_never_falls_to_the_body_after_a_button_or_a_dialog(page: Page, stack: Stack) -> None:
    who = person("foco", 1_691_691)
    open_page(page, stack, "registro.html")
    fill_registration(page, who)
    page.get_by_test_id("check-user-id").click()
    expect(page.get_by_test_id("check-user-id-result")).to_contain_text("Disponible")
    focus_not_on_body(page)
    page.get_by_test_id("check-email").click()
    expect(page.get_by_test_id("check-email-result")).to_contain_text("Disponible")
    focus_not_on_body(page)
    page.get_by_test_id("request-code").click()
    expect(page.get_by_test_id("request-code-result")).to_contain_text(who.email)
    focus_not_on_body(page)

    open_page(page, stack, "recuperar.html")
    page.fill("#identifier", who.user_id)
    page.get_by_role("button", name="Enviar código").click()
    expect(page.get_by_test_id("recovery-request-result")).to_contain_text("código")
    focus_not_on_body(page)

    # Modify: Enter from a field → Sí → Aceptar: the focus is on screen, the success stays.
    other = person("foco2", 1_692_692)
    open_modify(page, stack, other)
    page.get_by_role("radio", name="Sí").check()
    page.fill("#fax", "042345681")
    page.locator("#fax").press("Enter")
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Sí").click()
    page.get_by_test_id("update-success").get_by_role("button", name="Aceptar").click()
    expect(page.get_by_test_id("save-status")).to_contain_text("con éxito")
    focus_not_on_body(page)

    # An e-mail change: the success says the old address was told, and stays on the page.
    page.get_by_role("radio", name="No").check()
    new_email = f"mj.{other.tag}.nuevo@example.org"
    page.fill("#email", new_email)
    page.fill("#email_confirmation", new_email)
    page.get_by_test_id("check-email").click()
    expect(page.get_by_test_id("check-email-result")).to_contain_text("Disponible")
    focus_not_on_body(page)
    page.get_by_test_id("request-code").click()
    expect(page.get_by_test_id("request-code-result")).to_contain_text(new_email)
    focus_not_on_body(page)
    page.fill("#security_code", stack.last_code(new_email))
    page.get_by_role("button", name="Actualizar").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Sí").click()
    done = page.get_by_test_id("update-success")
    expect(done).to_contain_text(f"correo anterior, {other.email}")
    done.get_by_role("button", name="Aceptar").click()
    expect(page.get_by_test_id("save-status")).to_contain_text("correo anterior")
    focus_not_on_body(page)


# --- Item 7: messages ---------------------------------------------------------------------------


def test_log_in_with_both_fields_empty_flags_both(page: Page, stack: Stack) -> None:
    open_page(page, stack, "")
    page.get_by_test_id("login").click()
    expect_field_error(page, "user_id", "Ingrese su ID de usuario.")
    expect_field_error(page, "password", "Ingrese su contraseña.")
    expect(page.locator("#login-user-id")).to_be_focused()


def test_wrong_current_password_says_the_password_and_warns_of_the_lock(
    page: Page, stack: Stack
) -> None:
    """«Verificar» and «Dar de baja»: no ID was typed there, so only the password is wrong."""
    who = person("verifica", 1_711_711)
    open_modify(page, stack, who)
    page.fill("#current_password", "NoEsMiClave99")
    page.get_by_test_id("verify-password").click()
    message = expect_field_error(page, "current_password")
    assert "La contraseña es incorrecta" in message and "bloqueo" in message, message
    assert "ID de usuario" not in message, message
    # attempts_left, when the API gives it (R-UX-2).
    page.route(
        "**/v1/account/password-check",
        answer_with(
            401,
            {
                "error": {
                    "code": "INVALID_CREDENTIALS",
                    "message": "El ID de usuario o la contraseña son incorrectos.",
                    "attempts_left": 2,
                }
            },
        ),
    )
    page.get_by_test_id("verify-password").click()
    expect_field_error(
        page, "current_password", re.compile("Le quedan 2 intentos antes del bloqueo")
    )

    open_page(page, stack, "baja.html")
    page.get_by_role("button", name="Dar de baja").click()
    # Both empty fields are flagged, not only the first.
    expect_field_error(page, "reason")
    expect_field_error(page, "password")
    page.fill("#reason", "Ya no necesito consultar información del portal.")
    page.fill("#password", "NoEsMiClave99")
    page.get_by_role("button", name="Dar de baja").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Sí").click()
    message = expect_field_error(page, "password")
    assert "La contraseña es incorrecta" in message and "bloqueo" in message, message
    expect(page.get_by_test_id("form-error")).not_to_contain_text("ID de usuario")


def test_no_answer_and_a_service_unavailable_answer_say_different_things(
    page: Page, stack: Stack
) -> None:
    """R-UX-5: no answer → the connection (and maybe the service); a 503 → the service, later."""
    open_page(page, stack, "")
    summary = page.locator("#login-form").get_by_test_id("form-error")

    page.route("**/v1/sessions", lambda route: route.abort("connectionrefused"))
    page.fill("#login-user-id", "alguien")
    page.fill("#login-password", "Clave2026segura")
    page.get_by_test_id("login").click()
    expect(summary).to_contain_text("No se pudo conectar")
    expect(summary).to_contain_text("no hubo respuesta")
    expect(summary).to_contain_text("Revise su conexión")
    page.unroute("**/v1/sessions")

    page.route("**/v1/sessions", answer_with(503, "<html>Service Unavailable</html>"))
    page.fill("#login-password", "Clave2026segura")
    page.get_by_test_id("login").click()
    expect(summary).to_contain_text("El servicio no está disponible")
    expect(summary).not_to_contain_text("conexión")
    page.unroute("**/v1/sessions")

    page.context.set_offline(True)
    try:
        page.fill("#login-password", "Clave2026segura")
        page.get_by_test_id("login").click()
        expect(summary).to_contain_text("no tiene conexión a Internet")
    finally:
        page.context.set_offline(False)


def test_one_term_for_the_id_links_to_deactivation_and_no_menu_after_it(
    page: Page, stack: Stack
) -> None:
    for path in ("", "registro.html", "recuperar.html"):
        open_page(page, stack, path)
        assert "ID.usuario" not in page.content(), path
    expect(page.get_by_test_id("go-login")).to_have_text("Ir a la página de ingreso")

    who = person("termino", 1_721_721)
    open_modify(page, stack, who)
    assert "ID.usuario" not in page.content()
    links = page.locator("#user_id-hint a, #name-hint a")
    expect(links).to_have_count(2)
    assert links.evaluate_all("els => els.map(a => a.getAttribute('href'))") == [
        "baja.html",
        "baja.html",
    ]
    for path in ("menu.html", "baja.html"):
        open_page(page, stack, path)
        assert "ID.usuario" not in page.content(), path

    page.fill("#reason", "Ya no necesito consultar información del portal.")
    page.fill("#password", who.password)
    page.get_by_role("button", name="Dar de baja").click()
    page.get_by_test_id("confirm-dialog").get_by_role("button", name="Sí").click()
    expect(page.get_by_test_id("deactivation-success")).to_be_visible()
    crumbs = page.locator(".breadcrumb")
    expect(crumbs).not_to_contain_text("Menú")
    expect(crumbs.get_by_role("link", name="Inicio")).to_be_visible()
