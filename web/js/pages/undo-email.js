// Undo of an e-mail change (issue 8): undo-email.html?token=… → POST /v1/account/email-change/undo.

import { account } from "../api.js";
import { clearSession } from "../session.js";
import { showStatus, withBusy } from "../forms.js";

const button = document.getElementById("undo-confirm");
const errorBox = document.getElementById("undo-error");
const token = (new URLSearchParams(window.location.search).get("token") || "").trim();
// The token is the credential: keep it out of the address bar, the history and screenshots
// once read (the page works from memory; the mail still holds the link).
if (token) window.history.replaceState(null, "", window.location.pathname);

function showError(lines) {
  showStatus(errorBox, lines, "error");
  errorBox.hidden = false;
}

if (!token) {
  button.disabled = true;
  showError([
    "El enlace no está completo: falta el código que lo identifica.",
    "Abra el enlace completo desde el correo que recibió, o cópielo entero en la barra de direcciones.",
  ]);
}

button.addEventListener("click", () =>
  withBusy(button, async () => {
    errorBox.hidden = true;
    try {
      await account.undoEmailChange(token);
    } catch (err) {
      showError(err.message);
      // Used (400), deactivated account (403), unknown (404) or expired (410): the link will not
      // work again. A 409 (old address taken meanwhile, or a concurrent change) and a 503 may.
      if ([400, 403, 404, 410].includes(err.status)) {
        button.dataset.finalError = "true";
      }
      return;
    }
    clearSession();
    document.getElementById("undo-intro").hidden = true;
    document.title = "Correo restablecido — ECUAPASS";
    const panel = document.getElementById("undo-success");
    panel.hidden = false;
    panel.focus();
  }).finally(() => {
    if (button.dataset.finalError === "true") button.disabled = true;
  }),
);

document.body.dataset.ready = "true";
