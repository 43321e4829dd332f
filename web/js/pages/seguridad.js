// «Seguridad de la cuenta»: the account's open sessions, ending one of the others or all of them
// (R-SEC-1); the second factor, turning it on with its QR code and recovery codes, or off
// (R-SEC-2). Each part of the page is its own <section> with its own start function, sharing the
// page's one polite live region for results and errors.

import { account, accountSessions, secondFactor } from "../api.js";
import { requireSession, showSessionUser, bindLogout } from "../auth.js";
import { getSessionUser } from "../session.js";
import {
  clearErrors,
  clearErrorsOnInput,
  clearStatus,
  focusField,
  focusLost,
  rawValueOf,
  showApiError,
  showFieldError,
  showStatus,
  showSummary,
  valueOf,
  withBusy,
  wrongPasswordLines,
} from "../forms.js";
import {
  APP_CODE_MALFORMED,
  APP_CODE_MISSING,
  CODE_MALFORMED,
  CODE_MISSING,
  bindCodeKind,
  factorCode,
  wrongCodeLines,
} from "../factor-code.js";

const status = document.getElementById("security-status");

// Ecuador's local time (continental Ecuador, UTC−5, no daylight saving), whatever the device's
// own zone: the person compares the times with their own memory of where they logged in.
const ECUADOR_TIME = new Intl.DateTimeFormat("es-EC", {
  timeZone: "America/Guayaquil",
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

function timeElement(iso) {
  const el = document.createElement("time");
  el.dateTime = iso;
  const date = new Date(iso);
  el.textContent = Number.isNaN(date.getTime()) ? iso : ECUADOR_TIME.format(date);
  return el;
}

function say(lines, kind) {
  showStatus(status, lines, kind);
}

/** An error of a call: a 401 already went to the log-in page; the rest is said in the live region. */
function sayError(err) {
  if (err && err.handled) return;
  say((err && err.message) || "Ocurrió un error inesperado. Inténtelo nuevamente.", "error");
}

/**
 * A section filled from the API: `#<prefix>-loading` while it loads; when it cannot, `failure`
 * in `#<prefix>-error` with the error said in the live region, and `#<prefix>-reload` to try
 * again (the focus then on the section's heading). `fetch` fills the section; `onFailure` hides
 * what it showed. Returns `load()` (false when it could not load) and `start()`, the first load,
 * after which the section's `data-ready` is "true".
 */
function loadedSection({ section, heading, prefix, failure, fetch, onFailure = () => {} }) {
  const loading = document.getElementById(`${prefix}-loading`);
  const loadError = document.getElementById(`${prefix}-error`);
  const loadErrorMessage = document.getElementById(`${prefix}-error-message`);
  const reload = document.getElementById(`${prefix}-reload`);

  async function load() {
    loading.hidden = false;
    loadError.hidden = true;
    try {
      await fetch();
      return true;
    } catch (err) {
      if (err && err.handled) return false;
      onFailure();
      loadErrorMessage.textContent = failure;
      loadError.hidden = false;
      sayError(err);
      return false;
    } finally {
      loading.hidden = true;
    }
  }

  reload.addEventListener("click", async () => {
    clearStatus(status);
    await withBusy(reload, load);
    if (!loadError.hidden) return;
    heading.focus();
  });

  function start() {
    section.dataset.ready = "false";
    return load().finally(() => {
      section.dataset.ready = "true";
    });
  }

  return { load, start };
}

// --- Sesiones abiertas ------------------------------------------------------------------------

function startSessions() {
  const section = document.getElementById("sesiones");
  const heading = document.getElementById("sesiones-title");
  const list = document.getElementById("session-list");
  const noOthers = document.getElementById("no-others");
  const endOthers = document.getElementById("end-others");

  function detail(term, value) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    if (typeof value === "string") dd.textContent = value;
    else dd.appendChild(value);
    return [dt, dd];
  }

  function row(item, index) {
    const li = document.createElement("li");
    li.className = "session-item";
    li.dataset.testid = "session";
    li.dataset.sessionId = item.id;
    if (item.current) li.classList.add("session-item--current");
    const title = document.createElement("h3");
    title.className = "session-item__device";
    title.id = `session-device-${index}`;
    const device = document.createElement("span");
    device.dataset.testid = "session-device";
    device.textContent = item.device;
    title.appendChild(device);
    if (item.current) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.dataset.testid = "this-session";
      badge.textContent = "Esta sesión";
      title.append(" ", badge);
    }
    const facts = document.createElement("dl");
    facts.className = "data-list session-item__facts";
    facts.append(
      ...detail("Dirección de origen", item.source_ip || "Desconocida"),
      ...detail("Inició", timeElement(item.created_at)),
      ...detail("Última actividad", timeElement(item.last_seen_at)),
    );
    li.append(title, facts);
    if (!item.current) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--secondary";
      button.dataset.testid = "end-session";
      button.textContent = "Cerrar esta sesión";
      // The row's device names which session the button ends, for a screen reader's button list.
      button.setAttribute("aria-describedby", title.id);
      button.addEventListener("click", () => endOne(item, button));
      li.appendChild(button);
    }
    return li;
  }

  function others() {
    return Array.from(list.querySelectorAll("[data-testid='end-session']"));
  }

  function showOthersState() {
    const any = others().length > 0;
    endOthers.hidden = !any;
    noOthers.hidden = any;
  }

  function show(items) {
    list.replaceChildren(...items.map(row));
    list.hidden = false;
    showOthersState();
  }

  const { load, start } = loadedSection({
    section,
    heading,
    prefix: "sessions",
    failure: "No se pudo cargar la lista de sesiones.",
    fetch: async () => {
      const answer = await accountSessions.list();
      show(Array.isArray(answer && answer.items) ? answer.items : []);
    },
    onFailure: () => {
      list.hidden = true;
      endOthers.hidden = true;
      noOthers.hidden = true;
    },
  });

  /** Where the focus goes when the pressed button leaves the page: never to <body>. */
  function focusAfter(removed) {
    const buttons = others().filter((b) => !removed.contains(b));
    const next = buttons.find((b) => removed.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
    const target = next || buttons[buttons.length - 1] || heading;
    target.focus();
  }

  async function endOne(item, button) {
    clearStatus(status);
    await withBusy(button, async () => {
      const li = button.closest("li");
      try {
        await accountSessions.end(item.id);
      } catch (err) {
        sayError(err);
        if (err && err.status === 404) {
          // Already ended (logged out, or from another session): the list is out of date.
          await load();
          if (focusLost()) heading.focus();
        }
        return;
      }
      const where = item.source_ip ? ` (${item.source_ip})` : "";
      focusAfter(li);
      li.remove();
      showOthersState();
      say(`Se cerró la sesión de ${item.device}${where}. Ese navegador tendrá que ingresar nuevamente.`, "success");
      if (focusLost()) heading.focus();
    });
  }

  endOthers.addEventListener("click", async () => {
    clearStatus(status);
    await withBusy(endOthers, async () => {
      let answer;
      try {
        answer = await accountSessions.endOthers();
      } catch (err) {
        sayError(err);
        if (err && err.status === 409) await load();
        return;
      }
      const ended = Number(answer && answer.ended) || 0;
      for (const li of Array.from(list.children)) {
        if (!li.classList.contains("session-item--current")) li.remove();
      }
      heading.focus();
      showOthersState();
      say(
        ended === 1
          ? "Se cerró 1 sesión. Solo queda abierta esta sesión."
          : ended > 1
            ? `Se cerraron ${ended} sesiones. Solo queda abierta esta sesión.`
            : "No había otras sesiones abiertas. Solo queda abierta esta sesión.",
        "success",
      );
    });
  });

  return start();
}

// --- Verificación en dos pasos (R-SEC-2) ------------------------------------------------------

const SVG_NS = "http://www.w3.org/2000/svg";
// What a QR code drawn by the API (segno) is made of; anything else (scripts, links, event
// handlers, styles) is left out, so the SVG cannot carry active content into the page.
const SVG_ELEMENTS = new Set(["svg", "g", "path", "rect", "title", "desc"]);
const SVG_ATTRIBUTES = new Set([
  "width",
  "height",
  "viewBox",
  "class",
  "transform",
  "d",
  "x",
  "y",
  "fill",
  "stroke",
  "stroke-width",
  "shape-rendering",
]);
const QR_LABEL =
  "Código QR para agregar su cuenta a la aplicación de autenticación. Si no puede escanearlo, escriba la clave que aparece junto a él.";

function safeSvgNode(source) {
  const name = source.localName;
  if (!SVG_ELEMENTS.has(name)) return null;
  const node = document.createElementNS(SVG_NS, name);
  for (const attribute of Array.from(source.attributes)) {
    if (SVG_ATTRIBUTES.has(attribute.localName)) node.setAttribute(attribute.localName, attribute.value);
  }
  for (const child of Array.from(source.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) node.appendChild(document.createTextNode(child.nodeValue));
    else if (child.nodeType === Node.ELEMENT_NODE) {
      const copy = safeSvgNode(child);
      if (copy) node.appendChild(copy);
    }
  }
  return node;
}

/**
 * The API's QR code (an SVG string) as an element of this page: parsed as XML, never as HTML,
 * and rebuilt element by element from what a QR code needs. Null when it does not parse.
 */
function qrImage(markup) {
  if (typeof markup !== "string" || !markup) return null;
  const parsed = new DOMParser().parseFromString(markup, "image/svg+xml");
  const root = parsed.documentElement;
  if (!root || root.localName !== "svg" || parsed.getElementsByTagName("parsererror").length) return null;
  const svg = safeSvgNode(root);
  const width = svg.getAttribute("width");
  const height = svg.getAttribute("height");
  // A viewBox lets the stylesheet scale it down on a narrow screen.
  if (!svg.hasAttribute("viewBox") && width && height) svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", QR_LABEL);
  svg.setAttribute("focusable", "false");
  return svg;
}

/** "JBSW Y3DP EHPK 3PXP": blocks of 4, easier to read and type on a phone. */
function inBlocks(secret) {
  return (String(secret).replace(/\s+/g, "").match(/.{1,4}/g) || []).join(" ");
}

function recoveryText(codes) {
  const userId = getSessionUser() || "";
  return [
    `Ecuapass: códigos de recuperación del usuario ${userId}`,
    `Generados el ${ECUADOR_TIME.format(new Date())} (hora de Ecuador).`,
    "",
    "Cada código sirve una sola vez para ingresar si no tiene a mano su aplicación de autenticación.",
    "Guarde este archivo en un lugar seguro y no lo comparta con nadie.",
    "",
    ...codes.map((code, i) => `${String(i + 1).padStart(2, " ")}. ${code}`),
    "",
  ].join("\n");
}

function startSecondFactor() {
  const byId = (id) => document.getElementById(id);
  const section = byId("segundo-factor");
  const heading = byId("factor-title");
  const off = byId("factor-off");
  const on = byId("factor-on");
  const enrolForm = byId("enrol-form");
  const enrolSummary = byId("enrol-error");
  const confirmForm = byId("confirm-form");
  const confirmSummary = byId("confirm-error");
  const recoveryPanel = byId("recovery-panel");
  const disableForm = byId("disable-form");
  const disableSummary = byId("disable-error");
  const enableButton = byId("enable-factor");
  const disableButton = byId("disable-factor");
  const qr = byId("totp-qr");
  const secretText = byId("totp-secret");
  const openApp = byId("totp-open-app");
  const codeList = byId("recovery-code-list");
  const download = byId("recovery-download");
  const parts = [off, on, enrolForm, confirmForm, recoveryPanel, disableForm];
  const disableKind = bindCodeKind({
    input: byId("disable-code"),
    toggle: byId("disable-code-kind"),
    hint: byId("disable-code-hint"),
  });
  let codesShown = [];

  function show(part) {
    for (const p of parts) p.hidden = p !== part;
    section.dataset.state = part ? part.dataset.state : "";
  }

  function emptyForm(form, summary) {
    clearErrors(form, summary);
    form.reset();
  }

  /** Nothing of an enrolment stays in the page: the QR code, the secret, the recovery codes. */
  function forgetEnrolment() {
    qr.replaceChildren();
    secretText.textContent = "";
    openApp.removeAttribute("href");
    codeList.replaceChildren();
    codesShown = [];
    if (download.href) URL.revokeObjectURL(download.href);
    download.removeAttribute("href");
  }

  function showEnabled(enabled) {
    forgetEnrolment();
    show(enabled ? on : off);
  }

  // `totp_enabled` from the profile (GET /v1/account).
  const { load, start } = loadedSection({
    section,
    heading,
    prefix: "factor",
    failure: "No se pudo consultar si la verificación en dos pasos está activada.",
    fetch: async () => {
      show(null);
      const profile = await account.get();
      showEnabled(Boolean(profile && profile.totp_enabled));
    },
  });

  /** The state changed elsewhere (another tab, the help desk): the page shows it as it is now. */
  async function changedElsewhere(err) {
    await load();
    say(err.message, "error");
    heading.focus();
  }

  /** A refusal shown on `form`: on the field it concerns, in its summary, or as a new state. */
  async function refused(form, summary, err, { wrongCode } = {}) {
    if (!err || err.handled) return;
    if (err.code === "INVALID_CREDENTIALS") {
      const lines = wrongPasswordLines(err);
      showSummary(summary, lines);
      focusField(showFieldError(form, "password", lines.join(" ")));
    } else if (err.code === "TOTP_INVALID") {
      const lines = wrongCodeLines(err, wrongCode || err.message);
      showSummary(summary, lines);
      form.elements.namedItem("code").value = "";
      focusField(showFieldError(form, "code", lines.join(" ")));
    } else if (err.status === 423) {
      // R-UX-2: the lock-out offers a new password; the page has no «¿Olvidó su contraseña?» link
      // of its own, so the summary carries one.
      showApiError(form, err, { summary, codeFields: {} });
      const line = document.createElement("p");
      const link = document.createElement("a");
      link.href = `recuperar.html?id=${encodeURIComponent(getSessionUser() || "")}`;
      link.textContent = "¿Olvidó su contraseña? Cree una nueva";
      link.dataset.testid = "locked-recovery";
      line.appendChild(link);
      summary.appendChild(line);
    } else if (err.code === "TOTP_ALREADY_ENABLED" || err.code === "TOTP_NOT_ENABLED") {
      await changedElsewhere(err);
    } else if (err.code === "TOTP_NOT_PENDING") {
      showEnabled(false);
      say(err.message, "error");
      enableButton.focus();
    } else {
      showApiError(form, err, { summary, codeFields: {} });
    }
  }

  function cancel() {
    const back = section.dataset.state === "disable" ? on : off;
    emptyForm(enrolForm, enrolSummary);
    emptyForm(confirmForm, confirmSummary);
    emptyForm(disableForm, disableSummary);
    clearStatus(status);
    forgetEnrolment();
    show(back);
    (back === on ? disableButton : enableButton).focus();
  }

  function showEnrolment(answer) {
    const image = qrImage(answer && answer.qr_svg);
    if (image) qr.replaceChildren(image);
    else {
      const note = document.createElement("p");
      note.className = "hint";
      note.textContent = "No se pudo mostrar el código QR. Escriba la clave en la aplicación.";
      qr.replaceChildren(note);
    }
    secretText.textContent = inBlocks(answer.secret);
    const uri = answer && answer.otpauth_uri;
    // Only the scheme an authenticator app opens; on a touch screen the app is on this device.
    const canOpen = typeof uri === "string" && uri.startsWith("otpauth://") && window.matchMedia("(pointer: coarse)").matches;
    if (canOpen) openApp.href = uri;
    byId("totp-open-app-line").hidden = !canOpen;
    emptyForm(confirmForm, confirmSummary);
    show(confirmForm);
    byId("confirm-title").focus();
  }

  function showRecoveryCodes(codes) {
    codesShown = codes;
    codeList.replaceChildren(
      ...codes.map((code) => {
        const li = document.createElement("li");
        const text = document.createElement("code");
        text.textContent = code;
        li.appendChild(text);
        return li;
      }),
    );
    download.href = URL.createObjectURL(new Blob([recoveryText(codes)], { type: "text/plain;charset=utf-8" }));
    download.download = `ecuapass-codigos-de-recuperacion-${getSessionUser() || "usuario"}.txt`;
    show(recoveryPanel);
    say("Se activó la verificación en dos pasos. Guarde ahora sus códigos de recuperación.", "success");
    byId("recovery-title").focus();
  }

  /** `button` shows `form`, empty, with the focus on its first field. */
  function opens(button, form, summary, first, before = () => {}) {
    button.addEventListener("click", () => {
      clearStatus(status);
      emptyForm(form, summary);
      before();
      show(form);
      focusField(first);
    });
  }

  /**
   * A step's form: `read()` checks what was typed (every problem shown on its field, the first
   * focused) and gives the values or null; `call(values)` asks the API; `done(answer)` shows the
   * next state. A refusal is shown by `refused`; the password typed is cleared after any refusal
   * but a wrong code (which came with the right password: only the code is typed again).
   */
  function onSubmit(form, summary, { read, call, done, wrongCode }) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form, summary);
      const values = read();
      if (!values) return;
      await withBusy(Array.from(form.querySelectorAll("button")), async () => {
        let answer;
        try {
          answer = await call(values);
        } catch (err) {
          const password = form.elements.namedItem("password");
          if (password && err.code !== "TOTP_INVALID") password.value = "";
          await refused(form, summary, err, { wrongCode });
          return;
        }
        emptyForm(form, summary);
        done(answer);
      });
    });
  }

  /** Shows each problem on its field (`[name, message]`, message null when fine); true if none. */
  function typedRight(form, checks) {
    const problems = checks.filter(([, message]) => message).map(([name, message]) => showFieldError(form, name, message));
    if (problems.length) focusField(problems[0]);
    return !problems.length;
  }

  opens(enableButton, enrolForm, enrolSummary, byId("enrol-password"));
  onSubmit(enrolForm, enrolSummary, {
    read: () => {
      const password = rawValueOf(enrolForm, "password");
      return typedRight(enrolForm, [["password", password ? null : "Escriba su contraseña para continuar."]])
        ? password
        : null;
    },
    call: (password) => secondFactor.enrol(password),
    done: showEnrolment,
  });

  onSubmit(confirmForm, confirmSummary, {
    read: () => {
      const typed = valueOf(confirmForm, "code");
      const code = factorCode(typed, { recovery: false });
      return typedRight(confirmForm, [["code", code ? null : typed ? APP_CODE_MALFORMED : APP_CODE_MISSING]]) ? code : null;
    },
    call: (code) => secondFactor.confirm(code),
    done: (answer) => {
      qr.replaceChildren();
      secretText.textContent = "";
      showRecoveryCodes(Array.isArray(answer && answer.recovery_codes) ? answer.recovery_codes.map(String) : []);
    },
    // No recovery code exists yet: the API's message offers one, this one does not.
    wrongCode:
      "El código no coincide. Escriba el que muestra ahora la aplicación (cambia cada 30 segundos) y revise que la hora de su teléfono se ajuste automáticamente.",
  });

  byId("recovery-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(recoveryText(codesShown));
      say("Se copiaron los 10 códigos. Péguelos en un lugar seguro, por ejemplo su gestor de contraseñas.", "success");
    } catch {
      say("Este navegador no permitió copiar los códigos. Use «Descargar los códigos (.txt)» o anótelos en papel.", "error");
    }
  });

  byId("recovery-done").addEventListener("click", () => {
    showEnabled(true);
    say(
      "La verificación en dos pasos está activada. La próxima vez que ingrese, después de su contraseña le pediremos el código de su aplicación.",
      "success",
    );
    heading.focus();
  });

  opens(disableButton, disableForm, disableSummary, byId("disable-password"), disableKind.reset);
  onSubmit(disableForm, disableSummary, {
    read: () => {
      const password = rawValueOf(disableForm, "password");
      const typed = valueOf(disableForm, "code");
      const code = factorCode(typed);
      const right = typedRight(disableForm, [
        ["password", password ? null : "Escriba su contraseña."],
        ["code", code ? null : typed ? CODE_MALFORMED : CODE_MISSING],
      ]);
      return right ? { password, code } : null;
    },
    call: ({ password, code }) => secondFactor.deactivate(password, code),
    done: () => {
      showEnabled(false);
      say(
        "Se desactivó la verificación en dos pasos. Para ingresar bastará su contraseña; sus códigos de recuperación ya no sirven.",
        "success",
      );
      heading.focus();
    },
  });

  for (const button of section.querySelectorAll("[data-action='factor-cancel']")) {
    button.addEventListener("click", cancel);
  }
  for (const form of [enrolForm, confirmForm, disableForm]) clearErrorsOnInput(form);

  return start();
}

if (requireSession()) {
  showSessionUser();
  bindLogout();
  Promise.allSettled([startSessions(), startSecondFactor()]).finally(() => {
    document.body.dataset.ready = "true";
  });
}
