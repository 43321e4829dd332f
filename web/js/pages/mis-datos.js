// «Descargar mis datos» (R-PRIV-3, LOPDP Art. 13 and 17): the current password, then
// POST /v1/account/data-export; the answer is saved as the file the API names
// (mis-datos-<id>-<fecha>.json) and the result stays on the page.

import { privacy } from "../api.js";
import { requireSession, showSessionUser, bindLogout } from "../auth.js";
import { getSessionUser } from "../session.js";
import {
  clearErrors,
  clearErrorsOnInput,
  clearStatus,
  focusField,
  rawValueOf,
  showApiError,
  showFieldError,
  showStatus,
  showSummary,
  withBusy,
  wrongPasswordLines,
} from "../forms.js";

const form = document.getElementById("export-form");
const summary = document.getElementById("form-error");
const button = document.getElementById("export");
const password = form.elements.namedItem("password");
const result = document.getElementById("export-result");

// A name the browser may use as it is: no folders, no quotes, nothing but what an ID and a date
// are made of.
const SAFE_NAME = /^[A-Za-z0-9._@-]+\.json$/;

/** The file name of the answer's Content-Disposition (exposed by CORS), else built as the API
 * builds it from the document: `mis-datos-<id>-<fecha>.json`. */
function fileName(headers, documentData) {
  const disposition = headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/i.exec(disposition);
  if (match && SAFE_NAME.test(match[1])) return match[1];
  const userId = documentData?.account?.user_id || getSessionUser() || "usuario";
  const day = String(documentData?.exported_at || new Date().toISOString()).slice(0, 10);
  const built = `mis-datos-${userId}-${day}.json`;
  return SAFE_NAME.test(built) ? built : "mis-datos.json";
}

let objectUrl = null;

/** Saves the document through a link the page keeps: pressing it again saves the same file
 * (in case the browser asked where to save it and the person cancelled). */
function save(text, name) {
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = URL.createObjectURL(new Blob([text], { type: "application/json;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = objectUrl;
  link.download = name;
  link.className = "button button--secondary";
  link.dataset.testid = "export-file";
  link.textContent = "Guardar el archivo otra vez";
  return link;
}

function count(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function showSaved(documentData, text, name) {
  const link = save(text, name);
  const events = Array.isArray(documentData?.audit) ? documentData.audit.length : 0;
  const sessions = Array.isArray(documentData?.sessions) ? documentData.sessions.length : 0;
  showStatus(
    result,
    [
      "Sus datos se descargaron.",
      `Busque el archivo ${name} en la carpeta de descargas de su navegador.`,
      `Contiene sus datos de registro, ${count(events, "evento", "eventos")} del historial de su cuenta y ${count(sessions, "sesión abierta", "sesiones abiertas")}.`,
    ],
    "success",
  );
  const actions = document.createElement("p");
  actions.className = "export-result__actions";
  actions.appendChild(link);
  result.appendChild(actions);
  // R-UX-5: the focus goes to the result below the form, so that it is read and in sight (also
  // on a phone); the next Tab reaches «Guardar el archivo otra vez».
  result.setAttribute("tabindex", "-1");
  result.focus();
  link.click();
}

/** The lock-out (423): the API's message with its wait, and the way out (R-UX-2). */
function showLocked(err) {
  showApiError(form, err, { summary, codeFields: {}, focus: false });
  const line = document.createElement("p");
  const link = document.createElement("a");
  const userId = getSessionUser();
  link.href = userId ? `recuperar.html?id=${encodeURIComponent(userId)}` : "recuperar.html";
  link.dataset.testid = "export-recovery";
  link.textContent = "¿Olvidó su contraseña? Cree una nueva";
  line.append(link, " (se cerrarán sus sesiones abiertas).");
  summary.appendChild(line);
  summary.setAttribute("tabindex", "-1");
  focusField(summary);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  clearStatus(result);
  const typed = rawValueOf(form, "password");
  if (!typed) {
    focusField(showFieldError(form, "password", "Ingrese su contraseña actual para descargar sus datos."));
    return;
  }
  await withBusy(button, async () => {
    let answer;
    try {
      answer = await privacy.exportData(typed);
    } catch (err) {
      password.value = "";
      if (err.code === "INVALID_CREDENTIALS") {
        // No ID was typed here: only the password can be wrong, and the try counts (R-UX-2).
        const lines = wrongPasswordLines(err);
        const control = showFieldError(form, "password", lines.join(" "));
        showSummary(summary, lines);
        focusField(control);
      } else if (err.code === "ACCOUNT_LOCKED") {
        showLocked(err);
      } else {
        showApiError(form, err, { summary });
      }
      return;
    }
    password.value = "";
    // Indented, so that the file reads in any text editor; the same data as the API sent.
    const text = `${JSON.stringify(answer.data, null, 2)}\n`;
    showSaved(answer.data, text, fileName(answer.headers, answer.data));
  });
});

if (requireSession()) {
  showSessionUser();
  bindLogout();
  clearErrorsOnInput(form);
  document.body.dataset.ready = "true";
}
