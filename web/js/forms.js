// Form helpers: reading values, showing API errors next to their fields (aria-invalid +
// aria-describedby), an error summary, inline status messages, and busy buttons.

/** The control for a field name: the element, or the first radio of a group. */
export function controlFor(form, name) {
  const item = form.elements.namedItem(name);
  if (!item) return null;
  if (item instanceof RadioNodeList) return item[0] || null;
  return item;
}

/** Trimmed value of a field, or null when empty. */
export function valueOf(form, name) {
  const item = form.elements.namedItem(name);
  if (!item) return null;
  const raw = item.value; // a RadioNodeList's value is the checked radio's
  if (typeof raw !== "string") return null;
  const trimmed = raw.trim();
  return trimmed === "" ? null : trimmed;
}

/** Raw value (not trimmed) for passwords, or null when empty. */
export function rawValueOf(form, name) {
  const el = controlFor(form, name);
  if (!el || el.value === "") return null;
  return el.value;
}

function describedByIds(el) {
  return (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
}

function addDescribedBy(el, id) {
  const ids = describedByIds(el);
  if (!ids.includes(id)) ids.push(id);
  el.setAttribute("aria-describedby", ids.join(" "));
}

function removeDescribedBy(el, id) {
  const ids = describedByIds(el).filter((x) => x !== id);
  if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
  else el.removeAttribute("aria-describedby");
}

/** The element that "owns" a field visually: a radio group's fieldset, else the control. */
function anchorFor(control) {
  if (control.type === "radio") return control.closest("fieldset") || control;
  return control;
}

function errorIdFor(control) {
  return `${control.type === "radio" ? control.name : control.id || control.name}-error`;
}

function labelTextFor(control) {
  if (control.type === "radio") {
    return control.closest("fieldset")?.querySelector("legend")?.textContent.replace("*", "").trim() || control.name;
  }
  const label = control.labels && control.labels[0];
  return label ? label.textContent.replace("*", "").trim() : control.name;
}

/** Shows `message` next to field `name`. Returns the control, or null when the form has none. */
export function showFieldError(form, name, message) {
  const control = controlFor(form, name);
  if (!control) return null;
  const anchor = anchorFor(control);
  const container = anchor.closest(".field") || anchor.parentElement;
  const id = errorIdFor(control);
  let el = document.getElementById(id);
  if (!el) {
    el = document.createElement("p");
    el.id = id;
    el.className = "field-error";
    el.dataset.testid = `error-${name}`;
    // Above the control, below its label and hint, where it is seen while typing (also on phones).
    const before =
      control.type === "radio"
        ? anchor.querySelector(".radio-options")
        : control.closest(".input-with-action, .checkbox-option") || control;
    if (before && before.parentElement) before.parentElement.insertBefore(el, before);
    else container.appendChild(el);
  }
  el.textContent = message; // aria-invalid already tells assistive technology it is an error
  el.hidden = false;
  const targets = control.type === "radio" ? Array.from(form.elements.namedItem(name)) : [control];
  for (const t of targets) {
    t.setAttribute("aria-invalid", "true");
    addDescribedBy(t, id);
  }
  container.classList.add("field--error");
  return control;
}

export function clearFieldError(form, name) {
  const control = controlFor(form, name);
  if (!control) return;
  const id = errorIdFor(control);
  const el = document.getElementById(id);
  if (el) el.remove();
  const targets = control.type === "radio" ? Array.from(form.elements.namedItem(name)) : [control];
  for (const t of targets) {
    t.removeAttribute("aria-invalid");
    removeDescribedBy(t, id);
  }
  anchorFor(control).closest(".field")?.classList.remove("field--error");
}

/** Removes every field error of the form and hides its summary. */
export function clearErrors(form, summary) {
  for (const el of form.querySelectorAll("[aria-invalid='true']")) {
    if (el.name) clearFieldError(form, el.name);
  }
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll(".field--error")) el.classList.remove("field--error");
  if (summary) hideSummary(summary);
}

/** Clears a field's error as soon as the person edits it. */
export function clearErrorsOnInput(form) {
  const handler = (event) => {
    const t = event.target;
    if (t && t.name && t.getAttribute("aria-invalid") === "true") clearFieldError(form, t.name);
  };
  form.addEventListener("input", handler);
  form.addEventListener("change", handler);
}

export function hideSummary(summary) {
  summary.hidden = true;
  summary.replaceChildren();
}

/**
 * Fills the error summary: the API message, then one link per field error.
 * @param {HTMLElement} summary  element with role="alert"
 * @param {string|string[]} message  first line is the title
 * @param {Array<{control: HTMLElement|null, name: string, message: string}>} items
 */
export function showSummary(summary, message, items = []) {
  summary.replaceChildren();
  const [first, ...more] = Array.isArray(message) ? message : [message];
  const title = document.createElement("p");
  title.className = "error-summary__title";
  title.textContent = first;
  summary.appendChild(title);
  for (const line of more) {
    const p = document.createElement("p");
    p.textContent = line;
    summary.appendChild(p);
  }
  const linked = items.filter((i) => i.message);
  if (linked.length) {
    const list = document.createElement("ul");
    for (const item of linked) {
      const li = document.createElement("li");
      if (item.control) {
        const a = document.createElement("a");
        const target = item.control;
        a.href = `#${target.id}`;
        a.textContent = `${labelTextFor(target)}: ${item.message}`;
        a.addEventListener("click", (e) => {
          e.preventDefault();
          focusField(focusableOf(target));
        });
        li.appendChild(a);
      } else {
        li.textContent = item.message;
      }
      list.appendChild(li);
    }
    summary.appendChild(list);
  }
  summary.hidden = false;
}

/** A radio group's fieldset is not focusable: use its checked (or first) radio. */
function focusableOf(el) {
  return el.tagName === "FIELDSET" ? el.querySelector("input:checked, input") || el : el;
}

export function focusField(el) {
  el.scrollIntoView({ block: "center", behavior: "auto" });
  el.focus({ preventScroll: true });
}

/** True when field `name` has a value; otherwise shows `message` beside it and focuses it. */
export function requireValue(form, name, message) {
  if (valueOf(form, name)) return true;
  focusField(showFieldError(form, name, message));
  return false;
}

/** Error codes that belong to one field even when the API sends no `fields`. */
export const CODE_FIELDS = {
  INVALID_DOCUMENT: "document_number",
  USER_ID_TAKEN: "user_id",
  DOCUMENT_TAKEN: "document_number",
  EMAIL_TAKEN: "email",
  SECURITY_CODE_NOT_REQUESTED: "security_code",
  SECURITY_CODE_REQUIRED: "security_code",
  SECURITY_CODE_INVALID: "security_code",
  SECURITY_CODE_EXPIRED: "security_code",
  SECURITY_CODE_LOCKED: "security_code",
  NAME_CHANGE_NOT_ALLOWED: "name",
};

/**
 * Shows an ApiError on a form: each `fields` entry next to its field (in the form's order), the
 * code's own field when there are no `fields`, and the message in the summary. Focuses the first
 * field in error, or the summary when no field could take the error.
 * @param {HTMLFormElement} form
 * @param {import("./api.js").ApiError} err
 * @param {{summary?: HTMLElement, codeFields?: object, aliases?: object, focus?: boolean}} [opts]
 *   aliases maps an API field name to the form's field name.
 */
export function showApiError(form, err, { summary, codeFields = CODE_FIELDS, aliases = {}, focus = true } = {}) {
  if (err && err.handled) return;
  const message = (err && err.message) || "Ocurrió un error inesperado. Inténtelo nuevamente.";
  let fields = err && err.fields ? { ...err.fields } : {};
  if (!Object.keys(fields).length && err && codeFields[err.code]) {
    fields = { [codeFields[err.code]]: message };
  }
  const items = [];
  for (const [apiName, fieldMessage] of Object.entries(fields)) {
    const name = aliases[apiName] || apiName;
    const text = typeof fieldMessage === "string" ? fieldMessage : message;
    const control = showFieldError(form, name, text);
    items.push({ control: control ? anchorFor(control) : null, name, message: text });
  }
  // Form order, not the API's key order.
  const ordered = items
    .filter((i) => i.control)
    .sort((a, b) => (a.control.compareDocumentPosition(b.control) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  const orphans = items.filter((i) => !i.control);
  if (summary) {
    const onlyEcho = ordered.length === 1 && !orphans.length && ordered[0].message === message;
    showSummary(summary, waitLines({ ...err, message }), onlyEcho ? [] : [...ordered, ...orphans]);
  }
  if (!focus) return;
  if (ordered.length) {
    focusField(focusableOf(ordered[0].control));
  } else if (summary) {
    summary.setAttribute("tabindex", "-1");
    focusField(summary);
  }
}

/**
 * Inline status next to a control (role="status" element). kind: success | error | info | warning.
 * Lines may be a string or an array of strings (one paragraph each).
 */
export function showStatus(el, lines, kind = "info") {
  el.replaceChildren();
  for (const line of Array.isArray(lines) ? lines : [lines]) {
    if (!line) continue;
    const p = document.createElement("p");
    p.textContent = line;
    el.appendChild(p);
  }
  el.classList.remove("status--success", "status--error", "status--info", "status--warning");
  el.classList.add("status", `status--${kind}`);
  el.dataset.state = kind;
  el.hidden = false;
}

/** Empties a status element (it stays in the page so that screen readers keep watching it). */
export function clearStatus(el) {
  el.replaceChildren();
  el.classList.remove("status--success", "status--error", "status--info", "status--warning");
  delete el.dataset.state;
}

/** True when nothing has the focus: it fell to the page body (R-UX-5). */
export function focusLost() {
  const active = document.activeElement;
  return !active || active === document.body || active === document.documentElement;
}

/**
 * Disables the buttons (and marks them busy) while `fn` runs. A disabled button loses the focus
 * to the page body: when nothing else took it meanwhile, it goes back to the pressed button
 * (R-UX-5). A caller that leaves the button disabled moves the focus itself.
 */
export async function withBusy(buttons, fn) {
  const list = (Array.isArray(buttons) ? buttons : [buttons]).filter(Boolean);
  const previous = list.map((b) => b.disabled);
  const focused = list.find((b) => b === document.activeElement) || null;
  for (const b of list) {
    b.disabled = true;
    b.setAttribute("aria-busy", "true");
    b.classList.add("is-busy");
  }
  try {
    return await fn();
  } finally {
    list.forEach((b, i) => {
      b.disabled = previous[i];
      b.removeAttribute("aria-busy");
      b.classList.remove("is-busy");
    });
    if (focused && !focused.disabled && document.contains(focused) && focusLost()) {
      focused.focus({ preventScroll: true });
    }
  }
}

/** Makes inputs read-only (not disabled, so they stay readable and focusable). */
export function lockInputs(inputs, locked = true) {
  for (const el of inputs) {
    el.readOnly = locked;
    if (locked) el.setAttribute("aria-readonly", "true");
    else el.removeAttribute("aria-readonly");
    el.classList.toggle("is-locked", locked);
  }
}

/** "45 segundos", "1 minuto", "2 minutos y 5 segundos", "15 minutos". */
export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.round(Number(totalSeconds) || 0));
  const minutes = Math.floor(s / 60);
  const seconds = s % 60;
  const part = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  if (minutes === 0) return part(seconds, "segundo", "segundos");
  if (seconds === 0) return part(minutes, "minuto", "minutos");
  return `${part(minutes, "minuto", "minutos")} y ${part(seconds, "segundo", "segundos")}`;
}

/**
 * Lines for an error, e.g. a 429/423 answer: the API's message, then the wait from Retry-After when
 * it is known and the message does not already give a figure.
 */
export function waitLines(err) {
  const lines = [err.message];
  if (err.retryAfter != null && err.retryAfter > 0 && !/\d/.test(err.message)) {
    lines.push(`Podrá intentarlo nuevamente en ${formatDuration(err.retryAfter)}.`);
  }
  const attempts = attemptsLine(err);
  if (attempts) lines.push(attempts);
  return lines;
}

/** R-UX-2: "Le quedan N intentos antes del bloqueo temporal." when the API says so, else null. */
export function attemptsLine(err) {
  const n = err && err.attemptsLeft;
  if (n == null) return null;
  if (n === 0) return "No le quedan intentos: el próximo error bloqueará temporalmente el ingreso.";
  return `Le ${n === 1 ? "queda 1 intento" : `quedan ${n} intentos`} antes del bloqueo temporal.`;
}

/** Where no ID was typed (current password on the account pages): the password alone is wrong. */
export const WRONG_PASSWORD_MESSAGE = "La contraseña es incorrecta.";
export const LOCKOUT_WARNING =
  "Cada intento fallido cuenta para el bloqueo temporal del ingreso a su cuenta.";

/** The lines of a refused current password (INVALID_CREDENTIALS on an account page). */
export function wrongPasswordLines(err) {
  return [WRONG_PASSWORD_MESSAGE, attemptsLine(err) || LOCKOUT_WARNING];
}

/**
 * Shows an error answer of an inline action (availability check, code request) next to the fields
 * it names; when no field of the form can take it, shows it in `statusEl` instead.
 */
export function showInlineError(form, err, statusEl, { codeFields = CODE_FIELDS, aliases = {}, kind } = {}) {
  if (!err || err.handled) return;
  let fields = err.fields && Object.keys(err.fields).length ? err.fields : null;
  if (!fields && codeFields[err.code]) fields = { [codeFields[err.code]]: err.message };
  let shown = 0;
  if (fields) {
    for (const [apiName, message] of Object.entries(fields)) {
      if (showFieldError(form, aliases[apiName] || apiName, typeof message === "string" ? message : err.message)) shown++;
    }
  }
  if (shown) clearStatus(statusEl);
  else showStatus(statusEl, waitLines(err), kind || (err.status === 429 || err.status === 423 ? "warning" : "error"));
}

/** A "Mostrar contraseñas" checkbox switching the given inputs between password and text. */
export function bindShowPasswords(checkbox, inputs) {
  if (!checkbox) return;
  checkbox.addEventListener("change", () => {
    for (const el of inputs) el.type = checkbox.checked ? "text" : "password";
  });
}

/** Shows a one-shot message in `el` and moves focus there so screen readers announce it. */
export function announce(el, lines, kind = "info") {
  showStatus(el, lines, kind);
  el.setAttribute("tabindex", "-1");
  el.focus();
}

/**
 * The code field's hint says the real lifetime once a code was requested (the 202's
 * `expires_in_seconds`), and no figure before (`null`).
 */
export function setCodeLifetimeHint(hint, seconds) {
  if (!hint) return;
  const lifetime = Number(seconds) > 0 ? formatDuration(seconds) : "unos minutos";
  hint.textContent = hint.textContent.replace(/Caduca [^.]*? después del envío\./, `Caduca ${lifetime} después del envío.`);
}

/** The informative message after a security code was requested (202 of .../security-code). */
export function codeSentLines(email, answer) {
  const expires = Number(answer?.expires_in_seconds);
  const lines = [
    `Se envió un código de seguridad a ${email} en el mensaje «ACTIVACIÓN DE CORREO ELECTRÓNICO». Revise su bandeja de entrada o la de correos no deseados.`,
    `El código caduca en ${expires > 0 ? formatDuration(expires) : "unos minutos"}.`,
  ];
  const resend = Number(answer?.resend_after_seconds);
  if (resend > 0) {
    lines.push(`Si no lo recibe, podrá pedir otro en ${formatDuration(resend)}; el nuevo código reemplaza al anterior.`);
  }
  return lines;
}
