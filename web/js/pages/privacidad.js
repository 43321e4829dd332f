// The privacy notice (R-PRIV-1): its variable parts come from GET /v1/privacy-notice; the page
// ships the defaults, so it reads in full when the API cannot be reached.
import { privacy } from "../api.js";

try {
  const notice = await privacy.notice();
  for (const el of document.querySelectorAll("[data-notice]")) {
    const value = notice[el.dataset.notice];
    if (value !== undefined && value !== null && value !== "") el.textContent = String(value);
  }
} catch {
  // The defaults stay on the page.
} finally {
  document.body.dataset.ready = "true";
}
