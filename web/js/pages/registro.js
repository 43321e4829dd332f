// "Solicitud de registro para Usuario General" (seed 000 §5.3): availability checks, security
// code, catalogue cascade and POST /v1/registration.

import { privacy, registration } from "../api.js";
import { startProofOfWork } from "../proof-of-work.js";
import { documentTypes, fillFromCatalog, mobileOperators, setupLocation, ECUADOR } from "../catalogs.js";
import { bindCodeRequest, bindEmailCheck } from "../email-code.js";
import {
  bindShowPasswords,
  clearErrors,
  clearErrorsOnInput,
  clearFieldError,
  clearStatus,
  rawValueOf,
  requireValue,
  showApiError,
  showInlineError,
  showStatus,
  valueOf,
  withBusy,
} from "../forms.js";

// R-ABUSE-1: the proof of work starts solving at once, in the background.
startProofOfWork(document.getElementById("proof-of-work"), document.getElementById("proof-of-work-status"));

const SENAE_MAIL_DOMAIN = window.ECUAPASS_SENAE_MAIL_DOMAIN || "correo.aduana.gob.ec";

/** Body fields of POST /v1/registration, in api.md's order. */
const FIELDS = [
  "user_id",
  "document_type",
  "document_number",
  "name",
  "password",
  "password_confirmation",
  "country",
  "province",
  "city",
  "address",
  "phone1",
  "phone2",
  "mobile_operator",
  "mobile",
  "fax",
  "email",
  "email_confirmation",
  "security_code",
];
const RAW_FIELDS = new Set(["password", "password_confirmation"]); // never trimmed

// The privacy notice's current version (GET /v1/privacy-notice), sent when the box is ticked.
let noticeVersion = null;
privacy
  .notice()
  .then((notice) => {
    noticeVersion = notice.version;
  })
  .catch(() => {
    noticeVersion = null; // the API then names the checkbox, with what to do
  });

const form = document.getElementById("registration-form");
const summary = document.getElementById("form-error");
const pageError = document.getElementById("page-error");
const field = (name) => form.elements.namedItem(name);

const userIdStatus = document.getElementById("user_id-check");
const documentStatus = document.getElementById("document_number-check");
const emailStatus = document.getElementById("email-check");
const codeStatus = document.getElementById("request-code-status");

const checkUserIdButton = document.getElementById("check-user-id");
const checkDocumentButton = document.getElementById("check-document");
const checkEmailButton = document.getElementById("check-email");
const requestCodeButton = document.getElementById("request-code");
const registerButton = document.getElementById("register");

// --- SENAE mailbox preview (R-REG-12) ---------------------------------------------------------
const senae = field("senae_email");
senae.placeholder = `id.de.usuario@${SENAE_MAIL_DOMAIN}`;
function updateSenaePreview() {
  const id = (field("user_id").value || "").trim().toLowerCase();
  senae.value = id ? `${id}@${SENAE_MAIL_DOMAIN}` : "";
}
field("user_id").addEventListener("input", () => {
  updateSenaePreview();
  clearStatus(userIdStatus); // an earlier answer no longer applies
});
for (const name of ["document_type", "document_number"]) {
  field(name).addEventListener("input", () => clearStatus(documentStatus));
  field(name).addEventListener("change", () => clearStatus(documentStatus));
}
updateSenaePreview();

bindShowPasswords(document.getElementById("show-passwords"), [field("password"), field("password_confirmation")]);
clearErrorsOnInput(form);

// --- Availability checks -------------------------------------------------------------------------
checkUserIdButton.addEventListener("click", () =>
  withBusy(checkUserIdButton, async () => {
    clearFieldError(form, "user_id");
    clearStatus(userIdStatus);
    if (!requireValue(form, "user_id", "Ingrese el ID de usuario que desea usar.")) return;
    const userId = valueOf(form, "user_id");
    try {
      const { available, message } = await registration.checkUserId(userId);
      if (available) showStatus(userIdStatus, `Disponible: puede usar el ID de usuario «${userId}».`, "success");
      // A reserved ID (R-HARD-2) comes with its own message: it is not "in use".
      else showStatus(userIdStatus, message || `No disponible: el ID de usuario «${userId}» ya está en uso. Elija otro.`, "error");
    } catch (err) {
      showInlineError(form, err, userIdStatus);
    }
  }),
);

checkDocumentButton.addEventListener("click", () =>
  withBusy(checkDocumentButton, async () => {
    clearFieldError(form, "document_type");
    clearFieldError(form, "document_number");
    clearStatus(documentStatus);
    if (!requireValue(form, "document_type", "Seleccione el tipo de documento.")) return;
    if (!requireValue(form, "document_number", "Ingrese el número de identificación.")) return;
    try {
      const { available } = await registration.checkDocument(
        valueOf(form, "document_type"),
        valueOf(form, "document_number"),
      );
      if (available) showStatus(documentStatus, "Disponible: el documento no tiene un usuario activo.", "success");
      else
        showStatus(
          documentStatus,
          "No disponible: ya existe un usuario activo con este documento. Si es suyo, ingrese con él o dé de baja ese usuario primero.",
          "error",
        );
    } catch (err) {
      showInlineError(form, err, documentStatus);
    }
  }),
);

// --- Security code (R-REG-11) ------------------------------------------------------------------
const codeRequest = bindCodeRequest(form, {
  button: requestCodeButton,
  status: codeStatus,
  request: registration.requestCode,
  missing: "Ingrese su correo electrónico para recibir el código.",
});

bindEmailCheck(form, {
  button: checkEmailButton,
  status: emailStatus,
  check: registration.checkEmail,
  missing: { email: "Ingrese su correo electrónico.", email_confirmation: "Confirme su correo electrónico." },
  lockedLine: "El correo quedó fijado y no podrá modificarse directamente. Ahora solicite el código de seguridad.",
  onChange: () => codeRequest.forget(), // R-UX-3: a code sent to the mistyped address is forgotten
});

// --- Registrar --------------------------------------------------------------------------------
function buildBody() {
  const body = {};
  for (const name of FIELDS) body[name] = RAW_FIELDS.has(name) ? rawValueOf(form, name) : valueOf(form, name);
  if (body.country !== ECUADOR) {
    body.province = null;
    body.city = null;
  }
  // R-PRIV-2: the ticked checkbox acknowledges the notice version the API publishes.
  body.privacy_notice_version = field("privacy_notice_version").checked ? noticeVersion : null;
  return body;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  await withBusy(registerButton, async () => {
    try {
      const result = await registration.register(buildBody());
      showSuccess(result);
    } catch (err) {
      showApiError(form, err, { summary });
    }
  });
});

function showSuccess(result) {
  const email = valueOf(form, "email");
  for (const name of ["password", "password_confirmation", "security_code"]) field(name).value = "";
  form.hidden = true;
  document.getElementById("success-user-id").textContent = result.user_id || valueOf(form, "user_id") || "";
  document.getElementById("success-senae-email").textContent = result.senae_email || "";
  document.getElementById("success-status").textContent =
    result.status === "ACTIVE" || !result.status ? "Activo: puede usar el portal ahora mismo" : result.status;
  document.getElementById("success-email").textContent = email || "";
  document.title = "Registro completado — ECUAPASS";
  const panel = document.getElementById("registration-success");
  panel.hidden = false;
  window.scrollTo(0, 0);
  panel.focus();
}

// --- Catalogues -------------------------------------------------------------------------------
function catalogError(err) {
  if (err && err.handled) return;
  showStatus(
    pageError,
    [
      "No se pudieron cargar las listas de opciones (país, provincia, ciudad, documento u operadora).",
      err?.message || "",
      "Recargue la página para intentarlo nuevamente.",
    ],
    "error",
  );
}

async function init() {
  const locationFields = setupLocation(form, { onError: catalogError });
  const results = await Promise.allSettled([
    locationFields.setValues({ country: ECUADOR }),
    fillFromCatalog(field("document_type"), documentTypes, { placeholder: "Seleccione el tipo…" }),
    fillFromCatalog(field("mobile_operator"), mobileOperators, { placeholder: "Sin celular" }),
  ]);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) catalogError(failed.reason);
  document.body.dataset.ready = "true";
}

init();
