// "Modificar información de registro para Usuario General" (seed 001 §5.5–5.7):
// GET /v1/account, password verification, e-mail change with a code, PUT /v1/account.

import { account } from "../api.js";
import { startProofOfWork } from "../proof-of-work.js";
import { documentTypes, mobileOperators, fillSelect, nameOf, setupLocation, ECUADOR } from "../catalogs.js";
import { requireSession, showSessionUser, bindLogout } from "../auth.js";
import { confirmDialog, messageDialog } from "../dialog.js";
import { bindCodeRequest, bindEmailCheck } from "../email-code.js";
import {
  CODE_FIELDS,
  bindShowPasswords,
  clearErrors,
  clearErrorsOnInput,
  clearFieldError,
  clearStatus,
  focusField,
  lockInputs,
  rawValueOf,
  showApiError,
  showFieldError,
  showInlineError,
  showStatus,
  showSummary,
  valueOf,
  withBusy,
  wrongPasswordLines,
} from "../forms.js";

// R-ABUSE-1: the proof of work starts solving at once, in the background.
startProofOfWork(document.getElementById("proof-of-work"), document.getElementById("proof-of-work-status"));

/** Editable profile fields sent in PUT /v1/account (api.md). */
const PROFILE_FIELDS = [
  "name",
  "country",
  "province",
  "city",
  "address",
  "phone1",
  "phone2",
  "mobile_operator",
  "mobile",
  "fax",
];
const ACCOUNT_CODE_FIELDS = { ...CODE_FIELDS, INVALID_CREDENTIALS: "current_password" };

const form = document.getElementById("modify-form");
const summary = document.getElementById("form-error");
const pageError = document.getElementById("page-error");
const loading = document.getElementById("loading");
const staleAlert = document.getElementById("stale-alert");
const field = (name) => form.elements.namedItem(name);

const verifyButton = document.getElementById("verify-password");
const verifyStatus = document.getElementById("current_password-check");
const checkEmailButton = document.getElementById("check-email");
const emailStatus = document.getElementById("email-check");
const requestCodeButton = document.getElementById("request-code");
const codeStatus = document.getElementById("request-code-status");
const saveButton = document.getElementById("save");
const emailSection = document.getElementById("email-change");

// R-UX-5: the outcome of the last save stays on the page after its dialog closes.
const saveStatus = document.createElement("div");
saveStatus.id = "save-status";
saveStatus.className = "status";
saveStatus.setAttribute("role", "status");
saveStatus.setAttribute("tabindex", "-1");
saveStatus.dataset.testid = "save-status";
form.insertAdjacentElement("beforebegin", saveStatus);

let version = null;
let passwordVerified = false;
let locationFields = null;
let operatorItems = [];
let documentTypeItems = [];

// --- Password change (R-MOD-4) ------------------------------------------------------------------
function resetPassword() {
  passwordVerified = false;
  for (const name of ["current_password", "new_password", "new_password_confirmation"]) field(name).value = "";
  lockInputs([field("current_password")], false);
  field("new_password").disabled = true;
  field("new_password_confirmation").disabled = true;
  verifyButton.disabled = false;
  clearStatus(verifyStatus);
}

verifyButton.addEventListener("click", () =>
  withBusy(verifyButton, async () => {
    if (passwordVerified) return;
    clearFieldError(form, "current_password");
    clearStatus(verifyStatus);
    const current = rawValueOf(form, "current_password");
    if (!current) {
      focusField(showFieldError(form, "current_password", "Ingrese su contraseña actual para verificarla."));
      return;
    }
    try {
      const answer = await account.checkPassword(current);
      if (answer && answer.valid === false) {
        focusField(showFieldError(form, "current_password", wrongPasswordLines({ attemptsLeft: answer.attempts_left }).join(" ")));
        return;
      }
      passwordVerified = true;
      lockInputs([field("current_password")]);
      field("new_password").disabled = false;
      field("new_password_confirmation").disabled = false;
      showStatus(verifyStatus, "Contraseña verificada. Ahora escriba la nueva contraseña y su confirmación.", "success");
      field("new_password").focus();
    } catch (err) {
      if (err.code === "INVALID_CREDENTIALS") {
        // No ID was typed here: only the password can be wrong (and the try counts, R-UX-2).
        focusField(showFieldError(form, "current_password", wrongPasswordLines(err).join(" ")));
      } else {
        showInlineError(form, err, verifyStatus, { codeFields: ACCOUNT_CODE_FIELDS });
      }
    }
  }).finally(() => {
    if (passwordVerified) verifyButton.disabled = true;
  }),
);

// --- E-mail (R-MOD-6) ---------------------------------------------------------------------------
function keepEmail() {
  return form.elements.namedItem("keep_email").value === "true";
}

function applyKeepEmail() {
  const keep = keepEmail();
  emailSection.hidden = keep;
  for (const name of ["email", "email_confirmation", "security_code"]) {
    field(name).required = !keep;
    if (keep) clearFieldError(form, name);
  }
}

const codeRequest = bindCodeRequest(form, {
  button: requestCodeButton,
  status: codeStatus,
  request: account.requestCode,
  missing: "Ingrese el nuevo correo electrónico para recibir el código.",
});

const emailCheck = bindEmailCheck(form, {
  button: checkEmailButton,
  status: emailStatus,
  check: account.checkEmail,
  missing: { email: "Ingrese el nuevo correo electrónico.", email_confirmation: "Confirme el nuevo correo electrónico." },
  lockedLine:
    "El correo quedó fijado y no podrá modificarse directamente. Ahora solicite el código de seguridad: llegará a esta nueva dirección.",
  onChange: () => codeRequest.forget(), // R-UX-3
});

/**
 * Empties the e-mail change. `keep` chooses the radio: the seed's «No» when the page opens, «Sí»
 * after a save (the address just saved is the one to keep: «No» with empty fields would make the
 * next save fail, R-UX-4).
 */
function resetEmail(keep = false) {
  for (const name of ["email", "email_confirmation"]) field(name).value = "";
  emailCheck.unlock();
  codeRequest.forget();
  document.getElementById(keep ? "keep_email_yes" : "keep_email_no").checked = true;
  applyKeepEmail();
}

for (const radio of form.querySelectorAll("input[name='keep_email']")) {
  radio.addEventListener("change", applyKeepEmail);
}

// --- Filling the form from the profile ----------------------------------------------------------
async function fill(profile, { keepEmail: keep = false } = {}) {
  version = profile.version ?? null;
  field("user_id").value = profile.user_id || "";
  field("senae_email").value = profile.senae_email || "";
  field("document_type").value = nameOf(documentTypeItems, profile.document_type);
  field("document_type").dataset.code = profile.document_type || "";
  field("document_number").value = profile.document_number || "";
  for (const name of ["name", "address", "phone1", "phone2", "mobile", "fax"]) field(name).value = profile[name] ?? "";
  fillSelect(field("mobile_operator"), operatorItems, { placeholder: "Sin celular", selected: profile.mobile_operator ?? null });
  document.getElementById("current-email").textContent = profile.email || "";
  resetPassword();
  resetEmail(keep);
  await locationFields.setValues({ country: profile.country || ECUADOR, province: profile.province, city: profile.city });
}

async function load(options) {
  const profile = await account.get();
  await fill(profile, options);
}

// --- Actualizar (§5.6, §5.7) ----------------------------------------------------------------------
function buildBody() {
  const body = { version };
  for (const name of PROFILE_FIELDS) body[name] = valueOf(form, name);
  if (body.country !== ECUADOR) {
    body.province = null;
    body.city = null;
  }
  const keep = keepEmail();
  body.keep_email = keep;
  if (!keep) {
    body.email = valueOf(form, "email");
    body.email_confirmation = valueOf(form, "email_confirmation");
    body.security_code = valueOf(form, "security_code");
  }
  const newPassword = rawValueOf(form, "new_password");
  const confirmation = rawValueOf(form, "new_password_confirmation");
  if (passwordVerified && (newPassword || confirmation)) {
    body.current_password = rawValueOf(form, "current_password");
    body.new_password = newPassword;
    body.new_password_confirmation = confirmation;
  }
  return body;
}

function showStale(err) {
  document.getElementById("stale-message").textContent =
    `${err.message} Sus cambios no se guardaron: recargue los datos actuales y vuelva a hacer los cambios.`;
  staleAlert.hidden = false;
  staleAlert.setAttribute("tabindex", "-1");
  focusField(staleAlert);
}

const REQUIRED = {
  name: "Ingrese su nombre.",
  country: "Seleccione el país.",
  address: "Ingrese la dirección.",
  phone1: "Ingrese el teléfono.",
};

/**
 * R-UX-4: what the page can check before «¿Está seguro…?» — the required fields, the keep-email
 * choice with its new address, confirmation and code, and the new password pair. Shows every
 * problem at once (summary + each field) and returns false when there is one.
 */
function localCheck() {
  const items = [];
  const flag = (name, message) => {
    const control = showFieldError(form, name, message);
    if (control) items.push({ control: control.type === "radio" ? control.closest("fieldset") : control, name, message });
  };
  for (const [name, message] of Object.entries(REQUIRED)) if (!valueOf(form, name)) flag(name, message);
  if (valueOf(form, "country") === ECUADOR) {
    if (!valueOf(form, "province")) flag("province", "Seleccione la provincia.");
    else if (!valueOf(form, "city")) flag("city", "Seleccione la ciudad.");
  }
  if (passwordVerified) {
    const fresh = rawValueOf(form, "new_password");
    const again = rawValueOf(form, "new_password_confirmation");
    if (again && !fresh) flag("new_password", "Escriba la nueva contraseña o borre su confirmación.");
    if (fresh && !again) flag("new_password_confirmation", "Confirme la nueva contraseña.");
    if (fresh && again && fresh !== again) flag("new_password_confirmation", "La confirmación no coincide con la nueva contraseña.");
  }
  if (!keepEmail()) {
    const email = valueOf(form, "email");
    const again = valueOf(form, "email_confirmation");
    const current = document.getElementById("current-email").textContent;
    if (!email) {
      flag(
        "email",
        `Eligió «No» en «¿Desea mantener el mismo correo electrónico?»: elija «Sí» para mantener ${current || "su correo actual"} o escriba el nuevo correo.`,
      );
    } else {
      if (!again) flag("email_confirmation", "Confirme el nuevo correo electrónico.");
      else if (again.toLowerCase() !== email.toLowerCase()) flag("email_confirmation", "La confirmación no coincide con el nuevo correo.");
      if (!valueOf(form, "security_code")) {
        flag("security_code", "Ingrese el código de seguridad que le enviamos al nuevo correo (use «Solicitar código de seguridad»).");
      }
    }
  }
  if (!items.length) return true;
  const ordered = items.sort((a, b) =>
    a.control.compareDocumentPosition(b.control) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1,
  );
  showSummary(summary, "Revise los datos marcados: no se guardó ningún cambio.", ordered);
  const first = ordered[0].control;
  focusField(first.tagName === "FIELDSET" ? first.querySelector("input:checked, input") : first);
  return false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  clearStatus(saveStatus);
  staleAlert.hidden = true;
  if (!localCheck()) return;
  const confirmed = await confirmDialog({
    title: "Confirmación",
    message: "¿Está seguro de que desea actualizar la información de registro?",
  });
  if (!confirmed) return;
  await withBusy(saveButton, async () => {
    let profile;
    const oldEmail = document.getElementById("current-email").textContent;
    const body = buildBody();
    try {
      profile = await account.update(body);
    } catch (err) {
      if (err.handled) return;
      if (err.code === "STALE_UPDATE") showStale(err);
      else showApiError(form, err, { summary, codeFields: ACCOUNT_CODE_FIELDS });
      return;
    }
    const lines = ["La actualización se ha realizado con éxito"];
    if (!body.keep_email) {
      lines.push(
        `Su correo electrónico personal ahora es ${body.email}. Enviamos un aviso a su correo anterior, ${oldEmail}, con un enlace para deshacer el cambio si no lo hizo usted.`,
      );
    }
    if (body.new_password) lines.push("Su contraseña fue cambiada.");
    await messageDialog({ title: "Información", message: lines, testid: "update-success" });
    if (profile && typeof profile === "object" && profile.user_id) await fill(profile, { keepEmail: true });
    else await load({ keepEmail: true });
    // The confirmation stays on the page, where the focus goes (not to the top of the page, R-UX-5).
    showStatus(saveStatus, lines, "success");
    focusField(saveStatus);
  });
});

document.getElementById("reload").addEventListener("click", (event) =>
  withBusy(event.currentTarget, async () => {
    try {
      clearErrors(form, summary);
      await load();
      staleAlert.hidden = true;
      focusField(field("name"));
    } catch (err) {
      if (!err.handled) showStatus(pageError, err.message, "error");
    }
  }),
);

// --- Start ----------------------------------------------------------------------------------------
async function init() {
  showSessionUser();
  bindLogout();
  bindShowPasswords(document.getElementById("show-passwords"), [
    field("current_password"),
    field("new_password"),
    field("new_password_confirmation"),
  ]);
  clearErrorsOnInput(form);
  locationFields = setupLocation(form, {
    onError: (err) => {
      if (!err.handled) showStatus(pageError, ["No se pudieron cargar las provincias o ciudades.", err.message], "error");
    },
  });
  try {
    [documentTypeItems, operatorItems] = await Promise.all([documentTypes(), mobileOperators()]);
    await load();
    form.hidden = false;
  } catch (err) {
    if (!err.handled) {
      showStatus(pageError, ["No se pudieron cargar sus datos.", err.message, "Recargue la página para intentarlo nuevamente."], "error");
    }
  } finally {
    loading.hidden = true;
    document.body.dataset.ready = "true";
  }
}

if (requireSession()) init();
