// Landing page: log-in form (POST /v1/sessions), flash messages, link to "Nuevo Registro".

import { sessions } from "../api.js";
import { saveSession, takeFlash, getToken } from "../session.js";
import {
  bindShowPasswords,
  clearErrors,
  clearErrorsOnInput,
  focusField,
  rawValueOf,
  showApiError,
  showFieldError,
  showStatus,
  valueOf,
  withBusy,
} from "../forms.js";
import { showSessionUser } from "../auth.js";

const form = document.getElementById("login-form");
const summary = document.getElementById("login-error");
const button = document.getElementById("login-button");
const flashEl = document.getElementById("flash");

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
      const session = await sessions.login(userId, password);
      saveSession(session, userId.toLowerCase());
      window.location.assign("menu.html");
    } catch (err) {
      form.elements.namedItem("password").value = "";
      showApiError(form, err, { summary, codeFields: {} });
    }
  });
});

document.body.dataset.ready = "true";
