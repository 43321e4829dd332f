// Menu after log-in: modify, deactivate, log out. Greets the person by name (GET /v1/account).

import { account } from "../api.js";
import { requireSession, showSessionUser, bindLogout } from "../auth.js";
import { takeFlash } from "../session.js";
import { showStatus } from "../forms.js";

if (requireSession()) {
  showSessionUser();
  bindLogout();
  const flash = takeFlash();
  if (flash && flash.message) showStatus(document.getElementById("flash"), flash.message, flash.kind || "info");
  document.body.dataset.ready = "true";
  account
    .get()
    .then((profile) => {
      if (profile && profile.email_deliverable === false) {
        // R-MAIL-3: the owner learns the address gets no mail (codes, notices) and how to fix it.
        showStatus(
          document.getElementById("mail-warning"),
          "Su correo electrónico personal no recibe mensajes: un correo anterior fue rechazado o marcado como no deseado. Cámbielo en «Modificar información de registro para Usuario General».",
          "error",
        );
      }
      if (profile && profile.name) {
        document.getElementById("menu-greeting").textContent = `Hola, ${profile.name}. Elija una opción.`;
      }
    })
    .catch(() => {
      // A 401 already returned to the landing page; anything else only loses the greeting.
    });
}
