// In-page modal dialogs built on <dialog> (focus stays inside; Esc answers "No"/closes).
// confirmDialog → Promise<boolean>; messageDialog → Promise<void> when "Aceptar" is pressed.

let counter = 0;

function buildDialog({ title, message, testid, buttons }) {
  const n = ++counter;
  const dialog = document.createElement("dialog");
  dialog.className = "dialog";
  dialog.setAttribute("aria-labelledby", `dialog-title-${n}`);
  dialog.setAttribute("aria-describedby", `dialog-message-${n}`);
  if (testid) dialog.dataset.testid = testid;

  const h = document.createElement("h2");
  h.id = `dialog-title-${n}`;
  h.className = "dialog__title";
  h.textContent = title;

  const body = document.createElement("div");
  body.id = `dialog-message-${n}`;
  body.className = "dialog__message";
  for (const line of Array.isArray(message) ? message : [message]) {
    const p = document.createElement("p");
    p.textContent = line;
    body.appendChild(p);
  }

  const actions = document.createElement("div");
  actions.className = "dialog__actions";
  const made = buttons.map((spec) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `button ${spec.secondary ? "button--secondary" : ""} ${spec.danger ? "button--danger" : ""}`.trim();
    b.textContent = spec.label;
    b.dataset.testid = spec.testid;
    b.value = spec.value;
    actions.appendChild(b);
    return b;
  });

  dialog.append(h, body, actions);
  document.body.appendChild(dialog);
  return { dialog, buttons: made };
}

function run({ title, message, testid, buttons, focusIndex = 0, cancelValue }) {
  const opener = document.activeElement;
  const { dialog, buttons: made } = buildDialog({ title, message, testid, buttons });
  return new Promise((resolve) => {
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      if (dialog.open) dialog.close();
      dialog.remove();
      if (opener && typeof opener.focus === "function" && document.contains(opener)) opener.focus();
      resolve(value);
    };
    made.forEach((b) => b.addEventListener("click", () => finish(b.value)));
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      finish(cancelValue);
    });
    dialog.showModal();
    made[focusIndex]?.focus();
  });
}

/**
 * "¿Está seguro…?" with Sí / No. Resolves true for Sí.
 * @param {{title?: string, message: string|string[], danger?: boolean, focusNo?: boolean, testid?: string}} opts
 */
export async function confirmDialog({ title = "Confirmación", message, danger = false, focusNo = false, testid = "confirm-dialog" }) {
  const value = await run({
    title,
    message,
    testid,
    buttons: [
      { label: "Sí", testid: "confirm-yes", value: "yes", danger },
      { label: "No", testid: "confirm-no", value: "no", secondary: true },
    ],
    focusIndex: focusNo ? 1 : 0,
    cancelValue: "no",
  });
  return value === "yes";
}

/** An informative message with one "Aceptar" button. */
export async function messageDialog({ title = "Información", message, testid = "message-dialog" }) {
  await run({
    title,
    message,
    testid,
    buttons: [{ label: "Aceptar", testid: "accept", value: "ok" }],
    cancelValue: "ok",
  });
}
