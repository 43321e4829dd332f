// The proof of work of the forms that mail a code or register (R-ABUSE-1): the vendored ALTCHA
// widget (vendor/altcha/, solving in Web Workers from this origin) starts on its own as soon as
// the form opens, so the person never waits on a click; each code request and the registration
// take the current solution, and a new one is solved at once for the next request (a solution is
// single use). The widget's label and our status line say what is happening, in Spanish; the
// status line is a polite live region.

import "../vendor/altcha/altcha.js";
import { getChallenge, useProofOfWork } from "./api.js";

const STRINGS = {
  ariaLinkLabel: "Visitar altcha.org",
  enterCode: "Ingrese el código",
  enterCodeAria: "Ingrese el código que escucha. Presione Espacio para reproducir el audio.",
  error: "La verificación falló. Recargue la página e inténtelo nuevamente.",
  expired: "La verificación venció. Se repite automáticamente.",
  footer: "",
  getAudioChallenge: "Obtener un desafío de audio",
  label: "Verificación automática del navegador",
  loading: "Cargando…",
  reload: "Recargar",
  verify: "Verificar",
  verificationRequired: "Espere a que termine la verificación automática.",
  verified: "Verificación automática completada",
  verifying: "Verificación automática en curso…",
  waitAlert: "Verificando… espere unos segundos.",
};

const STATUS = {
  verifying: "Su navegador está realizando una verificación automática contra abusos; no necesita hacer nada.",
  verified: "Verificación automática completada.",
  error:
    "No se pudo completar la verificación automática. Revise su conexión y recargue la página para intentarlo nuevamente.",
};

/**
 * Mounts the widget in `container` (an element of the form) and gives api.js its solutions.
 * `status` (optional) is a `role="status"` element for the progress text.
 */
export function startProofOfWork(container, status = null) {
  const widget = document.createElement("altcha-widget");
  widget.setAttribute("name", "altcha");
  widget.setAttribute("strings", JSON.stringify(STRINGS));
  widget.setAttribute("hidelogo", "");
  widget.setAttribute("hidefooter", "");
  // The challenge's own expiry (5 minutes) decides; the page fetches the next one itself.
  widget.setAttribute("disablerefetchonexpire", "");
  container.append(widget);

  let required = null; // unknown until the first challenge arrives
  let payload = null;
  let waiting = [];
  let renewing = null;

  const say = (text) => {
    if (status && status.textContent !== text) status.textContent = text;
  };
  const settle = (value) => {
    for (const resolve of waiting) resolve(value);
    waiting = [];
  };

  widget.addEventListener("statechange", (event) => {
    const { state, payload: solved } = event.detail || {};
    container.dataset.state = state;
    if (state === "verified" && solved) {
      payload = solved;
      say(STATUS.verified);
      settle(solved);
    } else if (state === "verifying") {
      say(STATUS.verifying);
    } else if (state === "expired") {
      payload = null;
      renew();
    } else if (state === "error") {
      say(STATUS.error);
      settle(null);
    }
  });

  async function fetchAndSolve() {
    payload = null;
    let answer;
    try {
      answer = await getChallenge();
    } catch {
      say(STATUS.error);
      container.dataset.state = "error";
      settle(null);
      return;
    }
    required = Boolean(answer?.required && answer.challenge);
    if (!required) {
      container.hidden = true;
      container.dataset.state = "off";
      settle(null);
      return;
    }
    widget.configure({ challenge: answer.challenge });
    widget.reset();
    await widget.verify();
  }

  function renew() {
    if (!renewing) renewing = fetchAndSolve().finally(() => (renewing = null));
    return renewing;
  }

  const solver = {
    /** A solution not used before (waits while one is being solved); null when none is asked. */
    async solution() {
      if (required === false) return null;
      let value = payload;
      if (!value) {
        const next = new Promise((resolve) => waiting.push(resolve));
        if (!renewing && container.dataset.state !== "verifying") renew();
        value = await next;
      }
      if (!value) return null;
      payload = null;
      // The next request needs a new one: solve it now, in the background.
      renew();
      return value;
    },
  };
  useProofOfWork(solver);
  renew();
  return solver;
}
