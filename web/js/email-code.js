// The personal e-mail's two buttons, shared by the registration and modify forms: «Comprobar
// disponibilidad», which locks an available address in, and «Solicitar código de seguridad»
// (R-REG-10, R-REG-11, R-MOD-6). The forms name the fields "email" and "email_confirmation".

import {
  clearFieldError,
  clearStatus,
  codeSentLines,
  lockInputs,
  requireValue,
  showInlineError,
  showStatus,
  valueOf,
  withBusy,
} from "./forms.js";

const TAKEN = "No disponible: este correo ya pertenece a otro usuario activo. Use otro correo.";

/**
 * Wires the availability check: both fields required (`missing.email`,
 * `missing.email_confirmation` say so), then `check(email, confirmation)`; an available address
 * is locked in, with `lockedLine` under "Disponible…". Returns `{ unlock }`.
 */
export function bindEmailCheck(form, { button, status, check, missing, lockedLine }) {
  let locked = false;
  const inputs = () => [form.elements.namedItem("email"), form.elements.namedItem("email_confirmation")];

  button.addEventListener("click", () =>
    withBusy(button, async () => {
      if (locked) return;
      clearFieldError(form, "email");
      clearFieldError(form, "email_confirmation");
      clearStatus(status);
      if (!requireValue(form, "email", missing.email)) return;
      if (!requireValue(form, "email_confirmation", missing.email_confirmation)) return;
      try {
        const { available } = await check(valueOf(form, "email"), valueOf(form, "email_confirmation"));
        if (available) {
          locked = true;
          lockInputs(inputs());
          showStatus(status, ["Disponible: el correo electrónico puede usarse.", lockedLine], "success");
        } else {
          showStatus(status, TAKEN, "error");
        }
      } catch (err) {
        showInlineError(form, err, status);
      }
    }).finally(() => {
      if (locked) button.disabled = true;
    }),
  );

  return {
    /** The address may be typed and checked again (the modify form after a save or reload). */
    unlock() {
      locked = false;
      lockInputs(inputs(), false);
      button.disabled = false;
      clearStatus(status);
    },
  };
}

/** Wires the code request: the address required (`missing` says so), then `request(email)`. */
export function bindCodeRequest(form, { button, status, request, missing }) {
  button.addEventListener("click", () =>
    withBusy(button, async () => {
      clearFieldError(form, "email");
      clearStatus(status);
      if (!requireValue(form, "email", missing)) return;
      const email = valueOf(form, "email");
      try {
        showStatus(status, codeSentLines(email, await request(email)), "success");
      } catch (err) {
        showInlineError(form, err, status);
      }
    }),
  );
}
