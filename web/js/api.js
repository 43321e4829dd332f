// Fetch wrapper for the Ecuapass API (spec: api.md, version 1).
// - base URL from config.js, or window.ECUAPASS_API_BASE_URL when a page sets it first;
// - JSON in and out, bearer token on authenticated calls;
// - every failure becomes an ApiError {status, code, message, fields, retryAfter} with a Spanish
//   message, including network failures and answers that are not the documented error shape;
// - a 401 UNAUTHORIZED on an authenticated call ends the local session and goes to the landing page.

import { API_BASE_URL } from "../config.js";
import { getToken, expireSession } from "./session.js";

// R-UX-5: no answer at all (the request never reached the service, or its answer never came back)
// is told apart from an answer of the service saying it is unavailable (5xx, SERVER_ERROR_MESSAGE),
// and a browser that knows it is offline says so.
export const NETWORK_ERROR_MESSAGE =
  "No se pudo conectar con el servidor: no hubo respuesta. Revise su conexión a Internet; si funciona, puede que el servicio no esté disponible por el momento: inténtelo nuevamente en unos minutos.";
export const OFFLINE_MESSAGE =
  "Su dispositivo no tiene conexión a Internet. Revise su conexión e inténtelo nuevamente.";
export const TIMEOUT_MESSAGE =
  "El servidor tardó demasiado en responder. Inténtelo nuevamente en unos momentos.";

const FALLBACK_MESSAGES = {
  400: "Revise los datos ingresados.",
  401: "Su sesión ha expirado. Ingrese nuevamente.",
  403: "No tiene permiso para realizar esta acción.",
  404: "No se encontró lo solicitado.",
  409: "Los datos ya están en uso o cambiaron mientras trabajaba. Revise e inténtelo nuevamente.",
  415: "Revise los datos ingresados.",
  423: "La cuenta está bloqueada temporalmente. Inténtelo más tarde.",
  429: "Ha realizado demasiadas solicitudes. Espere un momento e inténtelo nuevamente.",
};
export const SERVER_ERROR_MESSAGE =
  "El servicio no está disponible en este momento. No se realizó ningún cambio; inténtelo nuevamente en unos minutos.";

const REQUEST_TIMEOUT_MS = 30000;

// A 401 that refuses what the person typed (a password, a second factor's code) on an
// authenticated call: the session is still good, the page shows the error on its field.
const WRONG_SECRET_CODES = new Set(["INVALID_CREDENTIALS", "TOTP_INVALID"]);

export class ApiError extends Error {
  constructor({
    status = 0,
    code = "UNKNOWN",
    message,
    fields = null,
    retryAfter = null,
    attemptsLeft = null,
    totpChallenge = null,
    expiresInSeconds = null,
  }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.fields = fields && typeof fields === "object" ? fields : null;
    this.retryAfter = retryAfter; // seconds, or null
    // R-UX-2: tries left before the temporary lock-out (INVALID_CREDENTIALS, SECURITY_CODE_INVALID).
    this.attemptsLeft = Number.isInteger(attemptsLeft) && attemptsLeft >= 0 ? attemptsLeft : null;
    // R-SEC-2: TOTP_REQUIRED's single-use challenge for POST /v1/sessions/totp, and its lifetime.
    this.totpChallenge = typeof totpChallenge === "string" && totpChallenge ? totpChallenge : null;
    this.expiresInSeconds = Number.isInteger(expiresInSeconds) && expiresInSeconds > 0 ? expiresInSeconds : null;
    this.handled = false; // true when the wrapper already acted (e.g. redirected on 401)
  }
}

export function apiBaseUrl() {
  const override = typeof window !== "undefined" ? window.ECUAPASS_API_BASE_URL : undefined;
  const base = typeof override === "string" && override.trim() ? override.trim() : API_BASE_URL;
  return base.replace(/\/+$/, "");
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date); null if absent/unreadable. */
export function parseRetryAfter(value) {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function errorFromResponse(status, data, retryAfter) {
  const error = data && typeof data === "object" ? data.error : null;
  const fallback = status >= 500 ? SERVER_ERROR_MESSAGE : FALLBACK_MESSAGES[status] || SERVER_ERROR_MESSAGE;
  if (error && typeof error === "object") {
    return new ApiError({
      status,
      code: typeof error.code === "string" ? error.code : `HTTP_${status}`,
      message: typeof error.message === "string" && error.message.trim() ? error.message : fallback,
      fields: error.fields,
      retryAfter,
      attemptsLeft: error.attempts_left,
      totpChallenge: error.totp_challenge,
      expiresInSeconds: error.expires_in_seconds,
    });
  }
  return new ApiError({ status, code: `HTTP_${status}`, message: fallback, retryAfter });
}

/**
 * Calls the API. Resolves on 2xx with `{data, text, headers}`: the parsed JSON body (null for
 * 204/empty), its text as sent and the answer's headers (those CORS exposes); rejects with an
 * ApiError otherwise.
 * @param {string} method
 * @param {string} path  starting with /v1/
 * @param {{body?: object, auth?: boolean, fresh?: boolean}} [options]  fresh: not from the
 *   browser's cache (a cacheable answer that may have changed meanwhile)
 */
async function exchange(method, path, { body, auth = false, fresh = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth) {
    const token = getToken();
    if (!token) {
      const err = new ApiError({ status: 401, code: "UNAUTHORIZED", message: FALLBACK_MESSAGES[401] });
      err.handled = true;
      expireSession();
      throw err;
    }
    headers.Authorization = `Bearer ${token}`;
  }

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(apiBaseUrl() + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      credentials: "omit",
      mode: "cors",
      cache: fresh ? "no-cache" : "default",
    });
  } catch (cause) {
    const timedOut = controller.signal.aborted;
    const offline = typeof navigator !== "undefined" && navigator.onLine === false;
    throw new ApiError({
      status: 0,
      code: timedOut ? "TIMEOUT" : offline ? "OFFLINE" : "NETWORK_ERROR",
      message: timedOut ? TIMEOUT_MESSAGE : offline ? OFFLINE_MESSAGE : NETWORK_ERROR_MESSAGE,
    });
  } finally {
    clearTimeout(timer);
  }

  let data = null;
  let text = "";
  try {
    text = response.status === 204 ? "" : await response.text();
  } catch {
    text = "";
  }
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined; // not JSON (e.g. a gateway's HTML page)
    }
  }

  if (response.ok) {
    if (data === undefined) {
      throw new ApiError({ status: response.status, code: "BAD_RESPONSE", message: SERVER_ERROR_MESSAGE });
    }
    return { data, text, headers: response.headers };
  }

  const err = errorFromResponse(response.status, data, parseRetryAfter(response.headers.get("Retry-After")));
  if (auth && response.status === 401 && !WRONG_SECRET_CODES.has(err.code)) {
    err.handled = true;
    expireSession();
  }
  throw err;
}

/** Calls the API; resolves with the parsed JSON body (null for 204/empty), as `exchange`. */
export async function request(method, path, options) {
  return (await exchange(method, path, options)).data;
}

const post = (path, body, auth = false) => request("POST", path, { body, auth });

// --- Proof of work (R-ABUSE-1) ----------------------------------------------------------------
// The page's solver (js/proof-of-work.js) gives each code request and the registration a fresh
// solution; without one (the deployment asks for none) the body goes as it is.
let solver = null;

/** Called once by a page with a solver: `{ solution(): Promise<string | null> }`. */
export function useProofOfWork(value) {
  solver = value;
}

async function proven(body) {
  const altcha = solver ? await solver.solution() : null;
  return altcha ? { ...body, altcha } : body;
}

const postProven = async (path, body, auth = false) => post(path, await proven(body), auth);

export const getChallenge = () => request("GET", "/v1/challenge");

// --- Catalogues -------------------------------------------------------------------------------
export const getCatalog = (path) => request("GET", `/v1/catalogs/${path}`);

// --- Registration (public) --------------------------------------------------------------------
export const registration = {
  checkUserId: (userId) => post("/v1/registration/user-id-availability", { user_id: userId }),
  checkDocument: (documentType, documentNumber) =>
    post("/v1/registration/document-availability", {
      document_type: documentType,
      document_number: documentNumber,
    }),
  checkEmail: (email, emailConfirmation) =>
    post("/v1/registration/email-availability", { email, email_confirmation: emailConfirmation }),
  requestCode: (email) => postProven("/v1/registration/security-code", { email }),
  register: (body) => postProven("/v1/registration", body),
};

// --- The privacy notice (R-PRIV-1, R-PRIV-2) -------------------------------------------------
export const privacy = {
  notice: ({ fresh = false } = {}) => request("GET", "/v1/privacy-notice", { fresh }),
  acknowledge: (version) => post("/v1/account/privacy-notice-acknowledgement", { version }, true),
  // «Descargar mis datos» (R-PRIV-3): the whole answer, for its Content-Disposition file name.
  exportData: (password) => exchange("POST", "/v1/account/data-export", { body: { password }, auth: true }),
};

// --- Sessions ---------------------------------------------------------------------------------
export const sessions = {
  login: (userId, password) => post("/v1/sessions", { user_id: userId, password }),
  logout: () => request("DELETE", "/v1/sessions/current", { auth: true }),
  // R-SEC-2: the log-in's second step, with the challenge of TOTP_REQUIRED.
  verifyCode: (totpChallenge, code) => post("/v1/sessions/totp", { totp_challenge: totpChallenge, code }),
};

// --- Account (authenticated) ------------------------------------------------------------------
export const account = {
  get: () => request("GET", "/v1/account", { auth: true }),
  checkPassword: (currentPassword) =>
    post("/v1/account/password-check", { current_password: currentPassword }, true),
  checkEmail: (email, emailConfirmation) =>
    post("/v1/account/email-availability", { email, email_confirmation: emailConfirmation }, true),
  requestCode: (email) => postProven("/v1/account/security-code", { email }, true),
  update: (body) => request("PUT", "/v1/account", { body, auth: true }),
  deactivate: (reason, password) => post("/v1/account/deactivation", { reason, password }, true),
  undoEmailChange: (token) => post("/v1/account/email-change/undo", { token }),
};

// --- Open sessions of the account (authenticated, R-SEC-1) -------------------------------------
export const accountSessions = {
  list: () => request("GET", "/v1/account/sessions", { auth: true }),
  end: (id) => request("DELETE", `/v1/account/sessions/${encodeURIComponent(id)}`, { auth: true }),
  endOthers: () => post("/v1/account/sessions/end-others", undefined, true),
};

// --- The account's second factor (authenticated, R-SEC-2) -------------------------------------
export const secondFactor = {
  enrol: (password) => post("/v1/account/totp", { password }, true),
  confirm: (code) => post("/v1/account/totp/confirmation", { code }, true),
  deactivate: (password, code) => post("/v1/account/totp/deactivation", { password, code }, true),
};

// --- Password recovery (public, issue 8) ------------------------------------------------------
export const recovery = {
  requestCode: (identifier) => postProven("/v1/password-recovery/security-code", identifier),
  reset: (body) => post("/v1/password-recovery", body),
};
