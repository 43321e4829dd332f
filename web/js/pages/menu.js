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
      if (profile && profile.name) {
        document.getElementById("menu-greeting").textContent = `Hola, ${profile.name}. Elija una opción.`;
      }
    })
    .catch(() => {
      // A 401 already returned to the landing page; anything else only loses the greeting.
    });
}
