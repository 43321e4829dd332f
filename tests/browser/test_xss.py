"""Markup in stored data stays text in the form (issue 6, SECURITY.md "XSS in the form").

The address is the one free-text field (R-REG-6: 5-200 characters, any printable ones), so it is
where a stored script would come back. The pages write every value with `value`/`textContent`,
never as HTML, and their Content-Security-Policy allows no inline script anyway.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Stack
from tests.browser.pages import Console, api, log_in, person
from tests.helpers import solved_at

PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def test_markup_in_a_stored_address_is_shown_as_text_and_never_runs(
    page: Page, stack: Stack
) -> None:
    console = Console(page)
    who = person("marcado", 4_713_579)
    request = {"email": who.email, "altcha": solved_at(stack.api)}
    assert api(stack, "POST", "/v1/registration/security-code", request).status == 202
    body = {**who.registration_body(stack.last_code(who.email)), "address": PAYLOAD}
    answer = api(stack, "POST", "/v1/registration", {**body, "altcha": solved_at(stack.api)})
    assert answer.status == 201, answer.body

    log_in(page, stack, who.user_id, who.password)
    page.get_by_role("link", name="Modificar información de registro para Usuario General").click()
    page.wait_for_url("**/modificar.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")

    expect(page.locator("#address")).to_have_value(PAYLOAD)
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script:not([src])").count() == 0
    console.check()
