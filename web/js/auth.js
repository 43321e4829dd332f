// Helpers for pages behind the log-in: require a session, show who is logged in, log out.

import { sessions } from "./api.js";
import { getToken, getSessionUser, clearSession, setFlash } from "./session.js";

/** Returns false (and goes to the landing page) when there is no session in this tab. */
export function requireSession() {
  if (getToken()) return true;
  setFlash("Ingrese con su ID de usuario y contraseña para continuar.", "info");
  window.location.replace("index.html");
  return false;
}

/** Writes the logged-in ID into every [data-session-user] element. */
export function showSessionUser(userId = getSessionUser()) {
  for (const el of document.querySelectorAll("[data-session-user]")) {
    el.textContent = userId || "";
  }
}

/** Ends the session on the server (best effort) and locally, then returns to the landing page. */
export async function logout(button) {
  if (button) button.disabled = true;
  try {
    await sessions.logout();
  } catch {
    // Already expired, or the server is unreachable: the local session ends anyway.
  }
  clearSession();
  setFlash("Su sesión se cerró correctamente.", "success");
  window.location.replace("index.html");
}

export function bindLogout(root = document) {
  for (const button of root.querySelectorAll("[data-action='logout']")) {
    button.addEventListener("click", () => logout(button));
  }
}
