// Menu after log-in: modify, security, «Descargar mis datos», deactivate, log out. Greets the
// person by name (GET /v1/account) and shows a new privacy notice until it is acknowledged.

import { account, privacy } from "../api.js";
import { requireSession, showSessionUser, bindLogout } from "../auth.js";
import { takeFlash } from "../session.js";
import { clearStatus, showStatus, withBusy } from "../forms.js";

/**
 * R-PRIV-2: the acknowledged notice is older than the current one. A banner (a region with its
 * heading, put in the page's polite live region) links the notice and acknowledges the current
 * version; the rest of the menu works meanwhile.
 */
async function showPrivacyBanner() {
  const area = document.getElementById("privacy-notice");
  const heading = document.getElementById("menu-title");
  // The version this browser may have cached is older than the one the account lacks: ask afresh.
  const currentNotice = () => privacy.notice({ fresh: true });
  let notice = null;
  try {
    notice = await currentNotice();
  } catch {
    // Without it the banner still links the notice; the button asks for it again.
  }
  area.replaceChildren(document.getElementById("privacy-banner-template").content.cloneNode(true));
  const banner = area.querySelector("[data-testid='privacy-banner']");
  const button = banner.querySelector("[data-testid='privacy-acknowledge']");
  const error = banner.querySelector("[data-testid='privacy-banner-error']");
  if (notice && notice.version) {
    const since = notice.updated_at ? `, vigente desde ${notice.updated_at}` : "";
    banner.querySelector("[data-banner-version]").textContent = ` (versión ${notice.version}${since})`;
  }

  button.addEventListener("click", async () => {
    clearStatus(error);
    await withBusy(button, async () => {
      let answer;
      try {
        if (!notice || !notice.version) notice = await currentNotice();
        answer = await privacy.acknowledge(notice.version);
      } catch (err) {
        if (err && err.handled) return;
        // A 400 names a version that is no longer current: the next press asks for it again.
        if (err && err.status === 400) notice = null;
        const message = (err && err.fields && err.fields.version) || (err && err.message);
        showStatus(error, message || "Ocurrió un error inesperado. Inténtelo nuevamente.", "error");
        return;
      }
      const done = document.createElement("div");
      done.dataset.testid = "privacy-acknowledged";
      const version = answer && answer.privacy_notice_version;
      showStatus(
        done,
        `Gracias. Quedó registrado que leyó el aviso de privacidad${version ? ` (versión ${version})` : ""}.`,
        "success",
      );
      area.replaceChildren(done);
      // R-UX-5: the pressed button is gone; the focus goes on to the menu's options, and the
      // confirmation just above them stays in sight (on a phone the banner was taller).
      heading.focus({ preventScroll: true });
      done.scrollIntoView({ block: "nearest" });
    });
  });
}

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
      if (profile && profile.privacy_notice_current === false) showPrivacyBanner();
      if (profile && profile.name) {
        document.getElementById("menu-greeting").textContent = `Hola, ${profile.name}. Elija una opción.`;
      }
    })
    .catch(() => {
      // A 401 already returned to the landing page; anything else only loses the greeting.
    });
}
