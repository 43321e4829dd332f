// «Seguridad de la cuenta» (R-SEC-1): the account's open sessions, ending one of the others or all
// of them. Each part of the page is its own <section> with its own start function, sharing the
// page's one polite live region for results and errors.

import { accountSessions } from "../api.js";
import { requireSession, showSessionUser, bindLogout } from "../auth.js";
import { clearStatus, focusLost, showStatus, withBusy } from "../forms.js";

const status = document.getElementById("security-status");

// Ecuador's local time (continental Ecuador, UTC−5, no daylight saving), whatever the device's
// own zone: the person compares the times with their own memory of where they logged in.
const ECUADOR_TIME = new Intl.DateTimeFormat("es-EC", {
  timeZone: "America/Guayaquil",
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

function timeElement(iso) {
  const el = document.createElement("time");
  el.dateTime = iso;
  const date = new Date(iso);
  el.textContent = Number.isNaN(date.getTime()) ? iso : ECUADOR_TIME.format(date);
  return el;
}

function say(lines, kind) {
  showStatus(status, lines, kind);
}

/** An error of a call: a 401 already went to the log-in page; the rest is said in the live region. */
function sayError(err) {
  if (err && err.handled) return;
  say((err && err.message) || "Ocurrió un error inesperado. Inténtelo nuevamente.", "error");
}

// --- Sesiones abiertas ------------------------------------------------------------------------

function startSessions() {
  const section = document.getElementById("sesiones");
  const heading = document.getElementById("sesiones-title");
  const list = document.getElementById("session-list");
  const loading = document.getElementById("sessions-loading");
  const loadError = document.getElementById("sessions-error");
  const loadErrorMessage = document.getElementById("sessions-error-message");
  const reload = document.getElementById("sessions-reload");
  const noOthers = document.getElementById("no-others");
  const endOthers = document.getElementById("end-others");

  function detail(term, value) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    if (typeof value === "string") dd.textContent = value;
    else dd.appendChild(value);
    return [dt, dd];
  }

  function row(item, index) {
    const li = document.createElement("li");
    li.className = "session-item";
    li.dataset.testid = "session";
    li.dataset.sessionId = item.id;
    if (item.current) li.classList.add("session-item--current");
    const title = document.createElement("h3");
    title.className = "session-item__device";
    title.id = `session-device-${index}`;
    const device = document.createElement("span");
    device.dataset.testid = "session-device";
    device.textContent = item.device;
    title.appendChild(device);
    if (item.current) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.dataset.testid = "this-session";
      badge.textContent = "Esta sesión";
      title.append(" ", badge);
    }
    const facts = document.createElement("dl");
    facts.className = "data-list session-item__facts";
    facts.append(
      ...detail("Dirección de origen", item.source_ip || "Desconocida"),
      ...detail("Inició", timeElement(item.created_at)),
      ...detail("Última actividad", timeElement(item.last_seen_at)),
    );
    li.append(title, facts);
    if (!item.current) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--secondary";
      button.dataset.testid = "end-session";
      button.textContent = "Cerrar esta sesión";
      // The row's device names which session the button ends, for a screen reader's button list.
      button.setAttribute("aria-describedby", title.id);
      button.addEventListener("click", () => endOne(item, button));
      li.appendChild(button);
    }
    return li;
  }

  function others() {
    return Array.from(list.querySelectorAll("[data-testid='end-session']"));
  }

  function showOthersState() {
    const any = others().length > 0;
    endOthers.hidden = !any;
    noOthers.hidden = any;
  }

  function show(items) {
    list.replaceChildren(...items.map(row));
    list.hidden = false;
    showOthersState();
  }

  /** Loads the list; false (the error said, the retry button shown) when it could not. */
  async function load() {
    loading.hidden = false;
    loadError.hidden = true;
    try {
      const answer = await accountSessions.list();
      show(Array.isArray(answer && answer.items) ? answer.items : []);
      return true;
    } catch (err) {
      if (err && err.handled) return false;
      list.hidden = true;
      endOthers.hidden = true;
      noOthers.hidden = true;
      loadErrorMessage.textContent = "No se pudo cargar la lista de sesiones.";
      loadError.hidden = false;
      sayError(err);
      return false;
    } finally {
      loading.hidden = true;
    }
  }

  /** Where the focus goes when the pressed button leaves the page: never to <body>. */
  function focusAfter(removed) {
    const buttons = others().filter((b) => !removed.contains(b));
    const next = buttons.find((b) => removed.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
    const target = next || buttons[buttons.length - 1] || heading;
    target.focus();
  }

  async function endOne(item, button) {
    clearStatus(status);
    await withBusy(button, async () => {
      const li = button.closest("li");
      try {
        await accountSessions.end(item.id);
      } catch (err) {
        sayError(err);
        if (err && err.status === 404) {
          // Already ended (logged out, or from another session): the list is out of date.
          await load();
          if (focusLost()) heading.focus();
        }
        return;
      }
      const where = item.source_ip ? ` (${item.source_ip})` : "";
      focusAfter(li);
      li.remove();
      showOthersState();
      say(`Se cerró la sesión de ${item.device}${where}. Ese navegador tendrá que ingresar nuevamente.`, "success");
      if (focusLost()) heading.focus();
    });
  }

  endOthers.addEventListener("click", async () => {
    clearStatus(status);
    await withBusy(endOthers, async () => {
      let answer;
      try {
        answer = await accountSessions.endOthers();
      } catch (err) {
        sayError(err);
        if (err && err.status === 409) await load();
        return;
      }
      const ended = Number(answer && answer.ended) || 0;
      for (const li of Array.from(list.children)) {
        if (!li.classList.contains("session-item--current")) li.remove();
      }
      heading.focus();
      showOthersState();
      say(
        ended === 1
          ? "Se cerró 1 sesión. Solo queda abierta esta sesión."
          : ended > 1
            ? `Se cerraron ${ended} sesiones. Solo queda abierta esta sesión.`
            : "No había otras sesiones abiertas. Solo queda abierta esta sesión.",
        "success",
      );
    });
  });

  reload.addEventListener("click", async () => {
    clearStatus(status);
    await withBusy(reload, load);
    if (!loadError.hidden) return;
    heading.focus();
  });

  section.dataset.ready = "false";
  return load().finally(() => {
    section.dataset.ready = "true";
  });
}

if (requireSession()) {
  showSessionUser();
  bindLogout();
  startSessions().finally(() => {
    document.body.dataset.ready = "true";
  });
}
