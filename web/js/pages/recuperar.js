// "¿Olvidó su contraseña?" (issue 8): code to the personal e-mail, then a new password.

import { recovery } from "../api.js";
import { startProofOfWork } from "../proof-of-work.js";
import { clearSession } from "../session.js";
import {
  bindShowPasswords,
  clearErrors,
  clearErrorsOnInput,
  clearStatus,
  focusField,
  formatDuration,
  rawValueOf,
  setCodeLifetimeHint,
  showApiError,
  showFieldError,
  showInlineError,
  showStatus,
  valueOf,
  withBusy,
} from "../forms.js";

// R-ABUSE-1: the proof of work starts solving at once, in the background.
startProofOfWork(document.getElementById("proof-of-work"), document.getElementById("proof-of-work-status"));

const ALIASES = { user_id: "identifier", email: "identifier" };

const requestForm = document.getElementById("recovery-request-form");
const requestSummary = document.getElementById("request-error");
const requestButton = document.getElementById("recovery-request");
const requestStatus = document.getElementById("recovery-request-status");

const form = document.getElementById("recovery-form");
const summary = document.getElementById("recovery-error");
const submitButton = document.getElementById("recovery-submit");
const codeHint = document.getElementById("security_code-hint");
setCodeLifetimeHint(codeHint, null);

/** {user_id} or {email}: an identifier with "@" is an e-mail address. */
function identifierBody(value) {
  return value.includes("@") ? { email: value } : { user_id: value };
}

requestForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(requestForm, requestSummary);
  clearStatus(requestStatus);
  const identifier = valueOf(requestForm, "identifier");
  if (!identifier) {
    focusField(showFieldError(requestForm, "identifier", "Ingrese su ID de usuario o su correo electrónico personal."));
    return;
  }
  await withBusy(requestButton, async () => {
    try {
      const answer = await recovery.requestCode(identifierBody(identifier));
      const expires = Number(answer?.expires_in_seconds);
      setCodeLifetimeHint(codeHint, expires);
      showStatus(
        requestStatus,
        [
          "Si los datos corresponden a una cuenta activa, enviamos un código de seguridad a su correo electrónico personal registrado. Revise su bandeja de entrada o la de correos no deseados.",
          `El código caduca en ${expires > 0 ? formatDuration(expires) : "unos minutos"}. Continúe con el paso 2.`,
        ],
        "success",
      );
      const target = form.elements.namedItem("identifier");
      if (!target.value.trim()) target.value = identifier;
    } catch (err) {
      showInlineError(requestForm, err, requestStatus, { aliases: ALIASES, codeFields: {} });
    }
  });
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  const identifier = valueOf(form, "identifier");
  if (!identifier) {
    focusField(showFieldError(form, "identifier", "Ingrese su ID de usuario o su correo electrónico personal."));
    return;
  }
  const body = {
    ...identifierBody(identifier),
    security_code: valueOf(form, "security_code"),
    new_password: rawValueOf(form, "new_password"),
    new_password_confirmation: rawValueOf(form, "new_password_confirmation"),
  };
  await withBusy(submitButton, async () => {
    try {
      await recovery.reset(body);
    } catch (err) {
      showApiError(form, err, {
        summary,
        aliases: { ...ALIASES, password: "new_password", password_confirmation: "new_password_confirmation" },
      });
      return;
    }
    clearSession(); // recovery ends every session (issue 8)
    for (const name of ["security_code", "new_password", "new_password_confirmation"]) form.elements.namedItem(name).value = "";
    document.getElementById("recovery-steps").hidden = true;
    document.title = "Contraseña restablecida — ECUAPASS";
    const panel = document.getElementById("recovery-success");
    panel.hidden = false;
    window.scrollTo(0, 0);
    panel.focus();
  });
});

bindShowPasswords(document.getElementById("show-passwords"), [
  form.elements.namedItem("new_password"),
  form.elements.namedItem("new_password_confirmation"),
]);
clearErrorsOnInput(requestForm);
clearErrorsOnInput(form);

// A link like recuperar.html?id=juan.p fills the identifier.
const preset = new URLSearchParams(window.location.search).get("id");
if (preset) {
  requestForm.elements.namedItem("identifier").value = preset;
  form.elements.namedItem("identifier").value = preset;
}
document.body.dataset.ready = "true";
