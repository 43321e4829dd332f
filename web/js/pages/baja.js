// "Dar de baja" (seed 001 §5.8, R-DEL-1/2): reason + password, confirmation, POST /v1/account/deactivation.

import { account } from "../api.js";
import { requireSession, showSessionUser, bindLogout } from "../auth.js";
import { clearSession, getSessionUser } from "../session.js";
import { confirmDialog } from "../dialog.js";
import {
  CODE_FIELDS,
  clearErrors,
  clearErrorsOnInput,
  focusField,
  rawValueOf,
  showApiError,
  showFieldError,
  showSummary,
  valueOf,
  withBusy,
  wrongPasswordLines,
} from "../forms.js";

const REASON_MIN = 10;
const REASON_MAX = 500;

const form = document.getElementById("deactivate-form");
const summary = document.getElementById("form-error");
const button = document.getElementById("deactivate");
const reason = form.elements.namedItem("reason");
const counter = document.getElementById("reason-counter");

function updateCounter() {
  const n = reason.value.length;
  counter.textContent = `${n} de ${REASON_MAX} caracteres`;
}

/** Flags every missing or short field at once (R-UX-1's spirit on the page), focuses the first. */
function localCheck() {
  const problems = [];
  const text = valueOf(form, "reason") || "";
  if (text.length < REASON_MIN) {
    problems.push(
      showFieldError(
        form,
        "reason",
        text
          ? `El motivo es muy corto: escriba al menos ${REASON_MIN} caracteres.`
          : "Escriba el motivo por el cual desea dar de baja a su usuario.",
      ),
    );
  }
  if (!rawValueOf(form, "password")) {
    problems.push(showFieldError(form, "password", "Ingrese su contraseña para confirmar la baja."));
  }
  if (problems.length) focusField(problems[0]);
  return !problems.length;
}

function showDone() {
  const userId = getSessionUser();
  clearSession();
  form.hidden = true;
  document.getElementById("deactivate-intro").hidden = true;
  for (const nav of document.querySelectorAll(".session-nav")) nav.hidden = true;
  // No session any more: the breadcrumb offers the landing page, not «Menú».
  const crumbs = document.querySelector(".breadcrumb");
  if (crumbs) {
    const home = document.createElement("li");
    const link = document.createElement("a");
    link.href = "index.html";
    link.textContent = "Inicio";
    home.appendChild(link);
    const here = document.createElement("li");
    here.setAttribute("aria-current", "page");
    here.textContent = "Usuario dado de baja";
    crumbs.replaceChildren(home, here);
  }
  document.getElementById("deactivated-user-id").textContent = userId || "";
  document.title = "Usuario dado de baja — ECUAPASS";
  const panel = document.getElementById("deactivation-success");
  panel.hidden = false;
  window.scrollTo(0, 0);
  panel.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form, summary);
  if (!localCheck()) return;
  const confirmed = await confirmDialog({
    title: "Confirmación",
    message: [
      "¿Está seguro de que desea dar de baja a su usuario?",
      "No podrá volver a ingresar con él y su ID de usuario no podrá usarse nuevamente.",
    ],
    danger: true,
    focusNo: true,
  });
  if (!confirmed) return;
  await withBusy(button, async () => {
    try {
      await account.deactivate(valueOf(form, "reason"), rawValueOf(form, "password"));
      showDone();
    } catch (err) {
      form.elements.namedItem("password").value = "";
      if (err.code === "INVALID_CREDENTIALS") {
        // No ID was typed here: only the password can be wrong, and the try counts (R-UX-2).
        const lines = wrongPasswordLines(err);
        const control = showFieldError(form, "password", lines.join(" "));
        showSummary(summary, lines);
        focusField(control);
        return;
      }
      showApiError(form, err, { summary, codeFields: { ...CODE_FIELDS, INVALID_CREDENTIALS: "password" } });
    }
  });
});

if (requireSession()) {
  showSessionUser();
  bindLogout();
  clearErrorsOnInput(form);
  reason.addEventListener("input", updateCounter);
  updateCounter();
  document.body.dataset.ready = "true";
}
