"""Helpers shared by the browser tests: fresh people, the API over HTTP, the pages' common steps,
console watching, layout and accessibility probes, and the screenshots of docs/screenshots/."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Route, ViewportSize, expect

from tests.helpers import cedula, registration_body, solved_at, totp_code

if TYPE_CHECKING:
    from tests.browser.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "Clave2026segura"
TOKEN_KEY = "ecuapass.session.token"
SENAE_DOMAIN = "correo.aduana.gob.ec"
PHONE: ViewportSize = {"width": 375, "height": 812}

_used: set[str] = set()


@dataclass
class Person:
    """A fresh user: unique ID, cédula and e-mail within the test session (one stack per session).

    Values are fixed per `tag` (not random) so that the committed screenshots do not change from
    one run to the next; `person()` refuses a tag used twice in one session.
    """

    tag: str
    seed: int
    name: str = "María José López Andrade"
    password: str = PASSWORD
    user_id: str = field(init=False)
    document_number: str = field(init=False)
    email: str = field(init=False)

    def __post_init__(self) -> None:
        self.user_id = f"maria.{self.tag}"
        self.document_number = cedula(self.seed)
        self.email = f"maria.{self.tag}@example.com"

    @property
    def senae_email(self) -> str:
        return f"{self.user_id}@{SENAE_DOMAIN}"

    def registration_body(self, code: str) -> dict[str, Any]:
        """The API tests' registration body (tests/helpers.py) with this person's values."""
        return registration_body(
            self.seed,
            user_id=self.user_id,
            document_number=self.document_number,
            name=self.name,
            password=self.password,
            password_confirmation=self.password,
            email=self.email,
            email_confirmation=self.email,
            security_code=code,
        )


def person(tag: str, seed: int) -> Person:
    """A person no other test of this session uses. `seed` < 5,000,000 keeps the cédula's third
    digit that of a natural person."""
    assert re.fullmatch(r"[a-z0-9]{1,12}", tag), tag
    assert tag not in _used and f"seed:{seed}" not in _used, f"{tag}/{seed} already used"
    assert 0 < seed < 5_000_000
    _used.update({tag, f"seed:{seed}"})
    return Person(tag, seed)


# --- The API over HTTP (to set up and to verify what the pages did) -------------------------------


@dataclass
class Answer:
    status: int
    body: Any


def api(stack: Stack, method: str, path: str, body: Any = None, token: str | None = None) -> Answer:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(stack.api + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return Answer(response.status, json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return Answer(error.code, json.loads(text) if text else None)


def register_by_api(stack: Stack, who: Person) -> None:
    """Registration without the browser, for tests about the pages after log-in; the proof of
    work (R-ABUSE-1) solved with the Python library, one solution per request."""
    body = {"email": who.email, "altcha": solved_at(stack.api)}
    answer = api(stack, "POST", "/v1/registration/security-code", body)
    assert answer.status == 202, answer.body
    body = who.registration_body(stack.last_code(who.email))
    answer = api(stack, "POST", "/v1/registration", {**body, "altcha": solved_at(stack.api)})
    assert answer.status == 201, answer.body


def set_acknowledged_notice(stack: Stack, user_id: str, version: str) -> None:
    """Writes the privacy notice version an account acknowledged straight into the stack's users
    table (R-PRIV-2): an account from before the current notice, which no route can make."""
    import boto3

    stage = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["local"]
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack.moto,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    dynamodb.update_item(
        TableName=stage["environment_variables"]["USERS_TABLE"],
        Key={"user_id": {"S": user_id}},
        UpdateExpression="SET privacy_notice_version = :v",
        ConditionExpression="attribute_exists(user_id)",
        ExpressionAttributeValues={":v": {"S": version}},
    )


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Presses Tab until `selector` has the focus (keyboard only, R-UX-6)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def wait_for_proof_of_work(page: Page, timeout: float = 30_000) -> None:
    """Until the page's widget holds a solution (R-ABUSE-1): the form's code request and
    registration then go at once instead of waiting for it."""
    page.locator("#proof-of-work[data-state='verified']").wait_for(
        state="attached", timeout=timeout
    )


def log_in_by_api(stack: Stack, user_id: str, password: str) -> Answer:
    return api(stack, "POST", "/v1/sessions", {"user_id": user_id, "password": password})


@dataclass
class Authenticator:
    """The person's authenticator app, holding the secret the page showed (R-SEC-2).

    The local stack runs on the real clock, and the API accepts a code once per 30-second step
    (no replay): `code()` gives the code of a step this account has not used yet, waiting for
    the next step when the current one was already used.
    """

    secret: str
    used_step: int = -1

    def code(self) -> str:
        while int(time.time()) // 30 <= self.used_step:
            time.sleep(30.05 - time.time() % 30)
        now = time.time()
        self.used_step = int(now) // 30
        return totp_code(self.secret, now)

    def wrong_code(self) -> str:
        """Six digits that are none of the codes the API accepts now."""
        now = time.time()
        window = {totp_code(self.secret, now + d) for d in (-60, -30, 0, 30, 60)}
        return next(c for c in ("000000", "111111", "222222", "333333") if c not in window)


def enable_factor_by_api(
    stack: Stack, token: str, password: str = PASSWORD
) -> tuple[Authenticator, list[str]]:
    """The second factor turned on without the browser; the app and the 10 recovery codes."""
    answer = api(stack, "POST", "/v1/account/totp", {"password": password}, token=token)
    assert answer.status == 201, answer.body
    app = Authenticator(answer.body["secret"])
    answer = api(stack, "POST", "/v1/account/totp/confirmation", {"code": app.code()}, token=token)
    assert answer.status == 200, answer.body
    return app, list(answer.body["recovery_codes"])


def turn_off_by_api(stack: Stack, token: str, code: str, password: str = PASSWORD) -> None:
    answer = api(
        stack,
        "POST",
        "/v1/account/totp/deactivation",
        {"password": password, "code": code},
        token=token,
    )
    assert answer.status == 200, answer.body


def token_of(page: Page) -> str:
    token = page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')")
    assert token, "no session token in sessionStorage"
    return str(token)


SERVICE_UNAVAILABLE = "El servicio no está disponible en este momento. Inténtelo en unos minutos."


def answer_unavailable(route: Route) -> None:
    """A route handler: the service answers that it is unavailable (503), as the API does when
    a dependency fails; for telling it apart from no answer at all (R-UX-5)."""
    route.fulfill(
        status=503,
        content_type="application/json",
        headers={"Access-Control-Allow-Origin": "*"},
        body=json.dumps({"error": {"code": "SERVICE_UNAVAILABLE", "message": SERVICE_UNAVAILABLE}}),
    )


# --- Console -------------------------------------------------------------------------------------


class Console:
    """Collects console errors and uncaught exceptions of a page.

    Chromium logs every 4xx/5xx answer as "Failed to load resource: … status of 400 …"; `check`
    accepts exactly those of the answers a test provoked on purpose, given as (status, path).
    """

    def __init__(self, page: Page) -> None:
        self.errors: list[tuple[str, str]] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append((f"uncaught: {exc}", "")))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") or message.type == "assert":
            self.errors.append((message.text, message.location.get("url", "")))

    def check(self, *expected: tuple[int, str]) -> None:
        unexpected = []
        for text, url in self.errors:
            provoked = text.startswith("Failed to load resource") and any(
                f"status of {status} " in text and url.split("?")[0].endswith(path)
                for status, path in expected
            )
            if not provoked:
                unexpected.append(f"{text} ({url})" if url else text)
        assert not unexpected, "console errors:\n" + "\n".join(unexpected)


# --- Pages ---------------------------------------------------------------------------------------


def open_page(page: Page, stack: Stack, path: str) -> None:
    page.goto(f"{stack.web}/{path}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def _submit_log_in(page: Page, stack: Stack, user_id: str, password: str) -> None:
    open_page(page, stack, "")
    page.fill("#login-user-id", user_id)
    page.fill("#login-password", password)
    page.get_by_test_id("login").click()


def log_in(page: Page, stack: Stack, user_id: str, password: str) -> None:
    """Logs in through the landing page and waits for the menu."""
    _submit_log_in(page, stack, user_id, password)
    page.wait_for_url("**/menu.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def log_in_to_code_step(page: Page, stack: Stack, user_id: str, password: str) -> Locator:
    """The password of an account with a second factor (R-SEC-2): the landing page's code step,
    its field focused."""
    _submit_log_in(page, stack, user_id, password)
    step = page.get_by_test_id("login-code-form")
    expect(step).to_be_visible()
    expect(page.locator("#login-code")).to_be_focused()
    return step


def log_in_with_code(page: Page, stack: Stack, user_id: str, password: str, code: str) -> None:
    """Password, then a TOTP or recovery code, then the menu."""
    log_in_to_code_step(page, stack, user_id, password)
    page.fill("#login-code", code)
    page.get_by_test_id("verify-code").click()
    page.wait_for_url("**/menu.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def log_in_refused(page: Page, stack: Stack, user_id: str, password: str) -> str:
    """Tries to log in through the landing page; the message the page shows."""
    _submit_log_in(page, stack, user_id, password)
    summary = page.locator("#login-form").get_by_test_id("form-error")
    expect(summary).to_be_visible()
    assert "menu.html" not in page.url
    return summary.inner_text()


def expect_field_error(
    page: Page,
    name: str,
    text: str | re.Pattern[str] | None = None,
    *,
    within: Locator | None = None,
) -> str:
    """The error shown next to field `name`: aria-invalid, aria-describedby and the message.
    `within`: the form, where a page has several fields of that name (one form shown at a time)."""
    scope = within or page
    control = scope.locator(f"[name='{name}']").first
    expect(control).to_have_attribute("aria-invalid", "true")
    message = scope.get_by_test_id(f"error-{name}")
    expect(message).to_be_visible()
    if text is not None:
        expect(message).to_have_text(text)
    message_id = message.get_attribute("id")
    described = (control.get_attribute("aria-describedby") or "").split()
    assert message_id in described, f"{name}: aria-describedby {described} lacks {message_id}"
    # Next to its field: inside the same .field block as the control.
    same_field = control.evaluate(
        "(el, id) => el.closest('.field').contains(document.getElementById(id))", message_id
    )
    assert same_field, f"the error of {name} is not next to its field"
    return message.inner_text()


def expect_focused_in_view(page: Page, element_id: str) -> None:
    page.wait_for_function(
        f"document.activeElement && document.activeElement.id === '{element_id}'"
    )
    box = page.evaluate(
        f"""() => {{
            const r = document.getElementById('{element_id}').getBoundingClientRect();
            return {{top: r.top, bottom: r.bottom, height: innerHeight}};
        }}"""
    )
    assert box["top"] >= 0 and box["bottom"] <= box["height"], f"{element_id} not in view: {box}"


SPANISH = re.compile(r"[a-záéíóúñ]", re.I)


def no_horizontal_scroll(page: Page) -> None:
    sizes = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    assert sizes["scroll"] <= sizes["inner"], f"{page.url} scrolls sideways: {sizes}"


def unlabelled_controls(page: Page) -> list[str]:
    """Every input, select and textarea (visible or not) that has no <label> or ARIA name."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea'))
            .filter(el => el.type !== 'hidden')
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby'))
            .map(el => el.id || el.name || el.outerHTML)"""
    )


@contextmanager
def phone_page(browser: Browser) -> Iterator[Page]:
    """A fresh context the size of a small phone (375 px wide)."""
    context = browser.new_context(locale="es-EC", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Saves docs/screenshots/<name>.png (referenced from the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    assert path.stat().st_size > 1000
    return path


def choose_ecuador_city(page: Page, province: str = "09", city: str = "0901") -> None:
    """Province, then (once its cities loaded) city, on a form with the location cascade."""
    page.select_option("#province", province)
    expect(page.locator(f"#city option[value='{city}']")).to_be_attached()
    expect(page.locator("#city")).to_be_enabled()
    page.select_option("#city", city)


def fill_registration(page: Page, who: Person, **overrides: str) -> None:
    """Types every field of the registration form (no checks, no code); `overrides` by name."""
    values = {
        "user_id": who.user_id,
        "document_number": who.document_number,
        "name": who.name,
        "password": who.password,
        "password_confirmation": who.password,
        "address": "Av. 9 de Octubre 100 y Malecón",
        "phone1": "042345678",
        "phone2": "042345679",
        "mobile": "0991234567",
        "fax": "042345680",
        "email": who.email,
        "email_confirmation": who.email,
        **overrides,
    }
    page.select_option("#document_type", "CEDULA")
    expect(page.locator("#country")).to_have_value("EC")
    choose_ecuador_city(page)
    page.select_option("#mobile_operator", "CLARO")
    for name, value in values.items():
        page.fill(f"#{name}", value)
    # R-PRIV-2: «He leído el aviso de privacidad».
    page.check("#privacy_notice_version")


# --- Accessibility (axe-core) ----------------------------------------------------------------

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(page: Page, state: str) -> None:
    """No axe-core violation of the WCAG 2.0/2.1/2.2 A and AA rules on the page as it is now.

    axe is injected with `page.evaluate`, which runs over the DevTools protocol and so is not
    subject to the pages' Content-Security-Policy (`script-src 'self'`): no `bypass_csp` needed,
    the pages are checked under the CSP they ship with. `state` names what is on screen.
    """
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    violations = Axe().run(page, options=options).response["violations"]
    report = []
    for v in violations:
        nodes = [f"    {', '.join(map(str, n['target']))}: {n['html'][:160]}" for n in v["nodes"]]
        report.append(f"{v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(nodes))
    width = page.viewport_size["width"] if page.viewport_size else "?"
    assert not report, f"axe, {state} at {width} px ({page.url}):\n" + "\n".join(report)


def overflow(page: Page) -> dict[str, int]:
    """How far the page reaches beyond the window's width (0 when it fits)."""
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
