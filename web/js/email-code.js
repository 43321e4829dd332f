// The personal e-mail's two buttons, shared by the registration and modify forms: «Comprobar
// disponibilidad», which locks an available address in, and «Solicitar código de seguridad»
// (R-REG-10, R-REG-11, R-MOD-6). The forms name the fields "email", "email_confirmation" and
// "security_code". «Cambiar correo» undoes the lock when the address was mistyped, and forgets
// the code requested for it (R-UX-3).

import {
  clearFieldError,
  clearStatus,
  codeSentLines,
  lockInputs,
  requireValue,
  setCodeLifetimeHint,
  showInlineError,
  showStatus,
  valueOf,
  withBusy,
} from "./forms.js";

const TAKEN = "No disponible: este correo ya pertenece a otro usuario activo. Use otro correo.";
// R-MAIL-3: the answer of «Comprobar disponibilidad» when SES's feedback says mail to the address
// bounced for good or was reported as spam (the code request answers EMAIL_UNDELIVERABLE alike).
export const UNDELIVERABLE =
  "No es posible enviar correos a esta dirección: un correo anterior fue rechazado definitivamente o marcado como no deseado. Revise que esté bien escrita o use otro correo electrónico.";
export const CHANGE_HINT =
  "Si se equivocó, use «Cambiar correo»: podrá corregirlo sin perder el resto del formulario (luego pida un código nuevo para la dirección corregida).";

/**
 * Wires the availability check: both fields required (`missing.email`,
 * `missing.email_confirmation` say so), then `check(email, confirmation)`; an available address
 * is locked in, with `lockedLine` under "Disponible…" and a «Cambiar correo» button beside the
 * check button. `onChange()` runs when the person unlocks the address (the page forgets the code
 * it requested). Returns `{ unlock }`.
 */
export function bindEmailCheck(form, { button, status, check, missing, lockedLine, onChange }) {
  let locked = false;
  const inputs = () => [form.elements.namedItem("email"), form.elements.namedItem("email_confirmation")];

  const change = document.createElement("button");
  change.type = "button";
  change.className = "button button--secondary";
  change.id = `${button.id}-change`;
  change.dataset.testid = "change-email";
  change.textContent = "Cambiar correo";
  change.hidden = true;
  button.insertAdjacentElement("afterend", change);

  function unlock() {
    locked = false;
    lockInputs(inputs(), false);
    button.disabled = false;
    change.hidden = true;
    clearStatus(status);
  }

  button.addEventListener("click", () =>
    withBusy(button, async () => {
      if (locked) return;
      clearFieldError(form, "email");
      clearFieldError(form, "email_confirmation");
      clearStatus(status);
      if (!requireValue(form, "email", missing.email)) return;
      if (!requireValue(form, "email_confirmation", missing.email_confirmation)) return;
      try {
        const { available, deliverable } = await check(valueOf(form, "email"), valueOf(form, "email_confirmation"));
        if (available && deliverable === false) {
          showStatus(status, UNDELIVERABLE, "error");
        } else if (available) {
          locked = true;
          lockInputs(inputs());
          change.hidden = false;
          showStatus(status, ["Disponible: el correo electrónico puede usarse.", lockedLine, CHANGE_HINT], "success");
        } else {
          showStatus(status, TAKEN, "error");
        }
      } catch (err) {
        showInlineError(form, err, status);
      }
    }).finally(() => {
      if (!locked) return;
      const hadFocus = document.activeElement === button || document.activeElement === document.body;
      button.disabled = true;
      // R-UX-5: the disabled button drops the focus; «Cambiar correo» stands where it was.
      if (hadFocus || document.activeElement === document.body) change.focus();
    }),
  );

  change.addEventListener("click", () => {
    unlock();
    if (onChange) onChange();
    const email = form.elements.namedItem("email");
    email.focus();
    email.select();
  });

  return {
    /** The address may be typed and checked again (the modify form after a save or reload). */
    unlock,
  };
}

/**
 * Wires the code request: the address required (`missing` says so), then `request(email)`. The
 * code field's hint gets the real lifetime from the answer. Returns `{ forget }`, which clears
 * what the page knows of a requested code (its status, the typed code, the lifetime).
 */
export function bindCodeRequest(form, { button, status, request, missing }) {
  const hint = document.getElementById("security_code-hint");
  setCodeLifetimeHint(hint, null);
  button.addEventListener("click", () =>
    withBusy(button, async () => {
      clearFieldError(form, "email");
      clearStatus(status);
      if (!requireValue(form, "email", missing)) return;
      const email = valueOf(form, "email");
      try {
        const answer = await request(email);
        showStatus(status, codeSentLines(email, answer), "success");
        setCodeLifetimeHint(hint, answer?.expires_in_seconds);
      } catch (err) {
        showInlineError(form, err, status);
      }
    }),
  );
  return {
    forget() {
      clearStatus(status);
      clearFieldError(form, "security_code");
      form.elements.namedItem("security_code").value = "";
      setCodeLifetimeHint(hint, null);
    },
  };
}
