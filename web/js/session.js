// Session token and one-shot "flash" messages, kept in sessionStorage (per tab, gone when the tab
// closes). Storage only: no network here (see auth.js for log-out).

const TOKEN_KEY = "ecuapass.session.token";
const EXPIRES_KEY = "ecuapass.session.expires_at";
const USER_KEY = "ecuapass.session.user_id";
const FLASH_KEY = "ecuapass.flash";

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled by the browser: behave as logged out
  }
}

export function getToken() {
  return storage()?.getItem(TOKEN_KEY) || null;
}

export function getSessionUser() {
  return storage()?.getItem(USER_KEY) || null;
}

export function saveSession({ token, expires_at: expiresAt }, userId) {
  const s = storage();
  if (!s) return;
  s.setItem(TOKEN_KEY, token);
  if (expiresAt) s.setItem(EXPIRES_KEY, expiresAt);
  if (userId) s.setItem(USER_KEY, userId);
}

export function clearSession() {
  const s = storage();
  if (!s) return;
  s.removeItem(TOKEN_KEY);
  s.removeItem(EXPIRES_KEY);
  s.removeItem(USER_KEY);
}

/** A message to show once on the next page (kind: "info" | "success" | "warning" | "error"). */
export function setFlash(message, kind = "info") {
  storage()?.setItem(FLASH_KEY, JSON.stringify({ message, kind }));
}

export function takeFlash() {
  const s = storage();
  const raw = s?.getItem(FLASH_KEY);
  if (!raw) return null;
  s.removeItem(FLASH_KEY);
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

export const SESSION_EXPIRED_MESSAGE =
  "Su sesión ha expirado o fue cerrada. Ingrese nuevamente con su ID de usuario y contraseña.";

/** Ends the local session and returns to the landing page with the "expired" message. */
export function expireSession(message = SESSION_EXPIRED_MESSAGE) {
  clearSession();
  setFlash(message, "warning");
  window.location.replace("index.html");
}
