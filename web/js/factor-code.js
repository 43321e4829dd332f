// The second factor's code fields (R-SEC-2), shared by the log-in's code step and the security
// page: reading a code as the API wants it, the field's two kinds (the app's 6 digits or a
// recovery code) and the lines of a refused code.

import { LOCKOUT_WARNING, attemptsLine } from "./forms.js";

const TOTP_CODE = /^[0-9]{6}$/;
// The API's own check is stricter (its alphabet has no 0, 1, I, L or O); this one only keeps
// what cannot be a code from costing a try toward the lock-out.
const RECOVERY_CODE = /^[0-9A-Za-z]{10}$/;

export const CODE_MISSING =
  "Escriba el código de 6 dígitos que muestra su aplicación de autenticación, o uno de sus códigos de recuperación.";
export const CODE_MALFORMED =
  "Ese código no tiene la forma esperada: escriba los 6 dígitos que muestra su aplicación, o un código de recuperación de 10 caracteres como ABCDE-FGHJK.";
export const APP_CODE_MISSING = "Escriba el código de 6 dígitos que muestra la aplicación.";
export const APP_CODE_MALFORMED = "El código tiene 6 dígitos: escriba solo los números que muestra la aplicación.";

/**
 * The code as it is sent: the app's 6 digits without the space some apps show ("123 456"), or a
 * recovery code without spaces and hyphens (the API takes it in any case). Null when the value
 * can be neither (or, with `recovery: false`, is not 6 digits): nothing is sent, since a
 * malformed code would still count toward the lock-out.
 */
export function factorCode(value, { recovery = true } = {}) {
  const compact = (value || "").replace(/[\s-]/g, "");
  if (TOTP_CODE.test(compact)) return compact;
  if (recovery && RECOVERY_CODE.test(compact)) return compact.toUpperCase();
  return null;
}

/** The lines of a refused code (TOTP_INVALID): what to do, then the tries left (R-UX-2). */
export function wrongCodeLines(err, message = err.message) {
  return [message, attemptsLine(err) || LOCKOUT_WARNING];
}

const KINDS = {
  app: {
    inputMode: "numeric",
    autocomplete: "one-time-code",
    hint: "Los 6 dígitos que muestra ahora su aplicación de autenticación para «Ecuapass»; cambian cada 30 segundos.",
    toggle: "Usar un código de recuperación",
  },
  recovery: {
    inputMode: "text",
    autocomplete: "off",
    hint: "Uno de los 10 códigos de recuperación que guardó al activar el segundo factor, por ejemplo ABCDE-FGHJK. Cada uno sirve una sola vez.",
    toggle: "Usar el código de la aplicación",
  },
};

/**
 * A code field that takes either kind of code, with a button that switches the hint and the
 * phone's keyboard (digits for the app's code, letters for a recovery code). Either kind is
 * accepted whatever the button says. Returns `reset()`, back to the app's code.
 */
export function bindCodeKind({ input, toggle, hint }) {
  let kind = "app";
  function apply(next) {
    kind = next;
    const spec = KINDS[kind];
    input.inputMode = spec.inputMode;
    input.setAttribute("autocomplete", spec.autocomplete);
    hint.textContent = spec.hint;
    toggle.textContent = spec.toggle;
    input.dataset.kind = kind;
  }
  toggle.addEventListener("click", () => {
    apply(kind === "app" ? "recovery" : "app");
    input.focus();
  });
  apply("app");
  return { reset: () => apply("app") };
}
