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
 * Returns a controller whose setValues({country, province, city}) resolves once the selects show
 * those values (it rejects if the country catalogue cannot be loaded).
 * @param {HTMLFormElement} form
 * @param {{onError?: (err: Error) => void}} [options]  called when provinces or cities fail to load
 */
export function setupLocation(form, { onError } = {}) {
  const countrySel = form.elements.namedItem("country");
  const provinceSel = form.elements.namedItem("province");
  const citySel = form.elements.namedItem("city");
  const provinceField = provinceSel.closest(".field");
  const cityField = citySel.closest(".field");
  let cityRequest = 0;
  let provinceRequest = 0;

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
    const ticket = ++provinceRequest;
    const isEcuador = code === ECUADOR;
    provinceField.hidden = !isEcuador;
    cityField.hidden = !isEcuador;
    setRequired(provinceSel, isEcuador);
    setRequired(citySel, isEcuador);
    if (!isEcuador) {
      cityRequest++;
      fillSelect(provinceSel, [], { placeholder: "Seleccione la provincia…" });
      cityPlaceholder("Seleccione primero la provincia");
      return;
    }
    let items;
    try {
      items = await provinces();
    } catch (err) {
      if (ticket !== provinceRequest) return;
      fillSelect(provinceSel, [], { placeholder: "No se pudieron cargar las provincias" });
      cityPlaceholder("Seleccione primero la provincia");
      onError?.(err);
      return;
    }
    if (ticket !== provinceRequest) return;
    const keep = selectedProvince ?? (provinceSel.value || null);
    fillSelect(provinceSel, items, { placeholder: "Seleccione la provincia…", selected: keep });
    await loadCities(provinceSel.value, selectedCity);
  }

  countrySel.addEventListener("change", () => applyCountry(countrySel.value));
  provinceSel.addEventListener("change", () => loadCities(provinceSel.value));

  return {
    async setValues({ country = ECUADOR, province = null, city = null } = {}) {
      const countryItems = await countries();
      fillSelect(countrySel, countryItems, { placeholder: "Seleccione el país…", selected: country || ECUADOR });
      await applyCountry(countrySel.value, province || null, city || null);
    },
  };
}

/** Fills a select from a catalogue loader, keeping `selected`. */
export async function fillFromCatalog(select, loader, { placeholder = "Seleccione…", selected = null } = {}) {
  const items = await loader();
  fillSelect(select, items, { placeholder, selected });
  return items;
}
