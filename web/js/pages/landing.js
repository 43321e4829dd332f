// Landing page: log-in form (POST /v1/sessions), its code step when the account has a second
// factor (POST /v1/sessions/totp, R-SEC-2), flash messages, link to "Nuevo Registro".

import { sessions } from "../api.js";
import { saveSession, takeFlash, getToken } from "../session.js";
import {
  bindShowPasswords,
  clearErrors,
  clearErrorsOnInput,
  focusField,
  formatDuration,
  rawValueOf,
  showApiError,
  showFieldError,
  showStatus,
  showSummary,
  valueOf,
  withBusy,
} from "../forms.js";
import { showSessionUser } from "../auth.js";
import { CODE_MALFORMED, CODE_MISSING, bindCodeKind, factorCode, wrongCodeLines } from "../factor-code.js";

const form = document.getElementById("login-form");
const summary = document.getElementById("login-error");
const button = document.getElementById("login-button");
const flashEl = document.getElementById("flash");
const codeForm = document.getElementById("login-code-form");
const codeSummary = document.getElementById("login-code-summary");
const codeInput = document.getElementById("login-code");
const codeButtons = [document.getElementById("verify-code"), document.getElementById("login-back")];
const codeKind = bindCodeKind({
  input: codeInput,
  toggle: document.getElementById("login-code-kind"),
  hint: document.getElementById("login-code-hint"),
});

const STEP_EXPIRED = [
  "El paso del código caducó o ya no es válido.",
  "Ingrese nuevamente su contraseña; después le pediremos un código nuevo de su aplicación.",
];

// The log-in waiting for its code: TOTP_REQUIRED's challenge and the ID typed with the password.
let pending = null;

const flash = takeFlash();
if (flash && flash.message) {
  showStatus(flashEl, flash.message, flash.kind || "info");
}

if (getToken()) {
  document.getElementById("session-notice").hidden = false;
  showSessionUser();
}

bindShowPasswords(document.getElementById("login-show-password"), [form.elements.namedItem("password")]);
clearErrorsOnInput(form);
clearErrorsOnInput(codeForm);

/** A session is open (with or without a code): stored and on to the menu, the same either way. */
function enter(session, userId) {
  saveSession(session, userId.toLowerCase());
  window.location.assign("menu.html");
}

/** The right password of an account with a second factor: the code step, focus on its field. */
function showCodeStep(userId, err) {
  pending = { challenge: err.totpChallenge, userId };
  form.elements.namedItem("password").value = "";
  clearErrors(codeForm, codeSummary);
  codeInput.value = "";
  codeKind.reset();
  document.getElementById("login-code-user").textContent = userId;
  const expiry = document.getElementById("login-code-expiry");
  if (err.expiresInSeconds) {
    expiry.textContent = `Tiene ${formatDuration(err.expiresInSeconds)} para escribirlo; después tendrá que ingresar su contraseña otra vez.`;
  }
  form.hidden = true;
  codeForm.hidden = false;
  focusField(codeInput);
}

/** Back to the password (the «Volver» button, a void challenge, a lock-out); the ID stays. */
function showPasswordStep() {
  pending = null;
  codeForm.hidden = true;
  form.hidden = false;
  clearErrors(form, summary);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  const userId = valueOf(form, "user_id");
  const password = rawValueOf(form, "password");
  // Every empty field is flagged at once; the first one takes the focus.
  const missing = [];
  if (!userId) missing.push(showFieldError(form, "user_id", "Ingrese su ID de usuario."));
  if (!password) missing.push(showFieldError(form, "password", "Ingrese su contraseña."));
  if (missing.length) {
    focusField(missing[0]);
    return;
  }
  await withBusy(button, async () => {
    try {
      enter(await sessions.login(userId, password), userId);
    } catch (err) {
      if (err.code === "TOTP_REQUIRED" && err.totpChallenge) {
        showCodeStep(userId, err);
        return;
      }
      form.elements.namedItem("password").value = "";
      showApiError(form, err, { summary, codeFields: {} });
    }
  });
});

codeForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(codeForm, codeSummary);
  const typed = valueOf(codeForm, "code");
  const code = factorCode(typed);
  if (!code) {
    focusField(showFieldError(codeForm, "code", typed ? CODE_MALFORMED : CODE_MISSING));
    return;
  }
  await withBusy(codeButtons, async () => {
    try {
      enter(await sessions.verifyCode(pending.challenge, code), pending.userId);
    } catch (err) {
      if (err.code === "TOTP_INVALID") {
        // Wrong or already used; the try counts toward the lock-out (R-UX-2).
        codeInput.value = "";
        const lines = wrongCodeLines(err);
        showSummary(codeSummary, lines);
        focusField(showFieldError(codeForm, "code", lines.join(" ")));
      } else if (err.code === "UNAUTHORIZED") {
        // The challenge expired, was used, or the account changed since: log in again.
        showPasswordStep();
        showSummary(summary, STEP_EXPIRED);
        focusField(form.elements.namedItem("password"));
      } else if (err.status === 423) {
        // Locked: the message offers «¿Olvidó su contraseña?», which the password step shows.
        showPasswordStep();
        showApiError(form, err, { summary, codeFields: {} });
      } else {
        showApiError(codeForm, err, { summary: codeSummary, codeFields: {} });
      }
    }
  });
});

document.getElementById("login-back").addEventListener("click", () => {
  showPasswordStep();
  focusField(form.elements.namedItem("password"));
});

document.body.dataset.ready = "true";
