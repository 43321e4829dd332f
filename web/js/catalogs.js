// Catalogue look-ups (GET /v1/catalogs/...) and the country → province → city cascade.
// The API marks catalogues cacheable for a day; this module also keeps one promise per catalogue
// for the life of the page.

import { getCatalog } from "./api.js";

export const ECUADOR = "EC";

const cache = new Map();

function load(path) {
  if (!cache.has(path)) {
    const promise = getCatalog(path)
      .then((data) => (data && Array.isArray(data.items) ? data.items : []))
      .catch((err) => {
        cache.delete(path); // allow a retry
        throw err;
      });
    cache.set(path, promise);
  }
  return cache.get(path);
}

export const countries = () => load("countries");
export const provinces = () => load("provinces");
export const cities = (provinceCode) => load(`provinces/${encodeURIComponent(provinceCode)}/cities`);
export const mobileOperators = () => load("mobile-operators");
export const documentTypes = () => load("document-types");

/** Replaces a select's options: a placeholder (value "") then the items; keeps `selected`. */
export function fillSelect(select, items, { placeholder = "Seleccione…", selected = null } = {}) {
  const options = [];
  if (placeholder !== null) {
    const empty = new Option(placeholder, "");
    options.push(empty);
  }
  for (const item of items) options.push(new Option(item.name, item.code));
  select.replaceChildren(...options);
  if (selected != null && items.some((i) => i.code === selected)) select.value = selected;
  else select.value = placeholder !== null ? "" : items[0]?.code ?? "";
}

/** Name of a code in a catalogue's items (or the code itself). */
export function nameOf(items, code) {
  return items.find((i) => i.code === code)?.name ?? code ?? "";
}

function setRequired(select, required) {
  select.required = required;
  if (required) select.setAttribute("aria-required", "true");
  else select.removeAttribute("aria-required");
}

/**
 * Wires the cascade on a form with selects named country, province and city. Province and city are
 * shown (and required) only for Ecuador; cities load when a province is chosen.
 * Resolves when the initial values are in place.
 * @param {HTMLFormElement} form
 * @param {{country?: string|null, province?: string|null, city?: string|null, onError?: Function}} initial
 */
export async function setupLocation(form, { country = ECUADOR, province = null, city = null, onError } = {}) {
  const countrySel = form.elements.namedItem("country");
  const provinceSel = form.elements.namedItem("province");
  const citySel = form.elements.namedItem("city");
  const provinceField = provinceSel.closest(".field");
  const cityField = citySel.closest(".field");
  let cityRequest = 0;

  function cityPlaceholder(text) {
    fillSelect(citySel, [], { placeholder: text });
    citySel.disabled = true;
  }

  async function loadCities(provinceCode, selectedCity = null) {
    const ticket = ++cityRequest;
    if (!provinceCode) {
      cityPlaceholder("Seleccione primero la provincia");
      return;
    }
    cityPlaceholder("Cargando ciudades…");
    citySel.setAttribute("aria-busy", "true");
    try {
      const items = await cities(provinceCode);
      if (ticket !== cityRequest) return; // a newer province was chosen meanwhile
      fillSelect(citySel, items, { placeholder: "Seleccione la ciudad…", selected: selectedCity });
      citySel.disabled = false;
    } catch (err) {
      if (ticket !== cityRequest) return;
      cityPlaceholder("No se pudieron cargar las ciudades");
      onError?.(err);
    } finally {
      if (ticket === cityRequest) citySel.removeAttribute("aria-busy");
    }
  }

  async function applyCountry(code, selectedProvince = null, selectedCity = null) {
    const isEcuador = code === ECUADOR;
    provinceField.hidden = !isEcuador;
    cityField.hidden = !isEcuador;
    setRequired(provinceSel, isEcuador);
    setRequired(citySel, isEcuador);
    if (!isEcuador) {
      provinceSel.value = "";
      cityPlaceholder("Seleccione primero la provincia");
      return;
    }
    try {
      const items = await provinces();
      const keep = selectedProvince ?? provinceSel.value;
      fillSelect(provinceSel, items, { placeholder: "Seleccione la provincia…", selected: keep || null });
      provinceSel.disabled = false;
    } catch (err) {
      fillSelect(provinceSel, [], { placeholder: "No se pudieron cargar las provincias" });
      onError?.(err);
      return;
    }
    await loadCities(provinceSel.value, selectedCity);
  }

  countrySel.addEventListener("change", () => applyCountry(countrySel.value));
  provinceSel.addEventListener("change", () => loadCities(provinceSel.value));

  const countryItems = await countries();
  fillSelect(countrySel, countryItems, {
    placeholder: "Seleccione el país…",
    selected: country || ECUADOR,
  });
  await applyCountry(countrySel.value, province, city);
}

/** Fills a select from a catalogue loader, keeping `selected`. */
export async function fillFromCatalog(select, loader, { placeholder = "Seleccione…", selected = null } = {}) {
  const items = await loader();
  fillSelect(select, items, { placeholder, selected });
  return items;
}
