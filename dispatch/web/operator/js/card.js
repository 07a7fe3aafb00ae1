// @ts-check
// The card form: caller (with its conditions), location (with the address in parts and the
// AML proposal beside it), incident with the type picker (typepicker.js), persons and vehicles
// (parties.js), completeness, notes, routed services and their units (units.js).
// Each field is saved when committed (Enter or leaving it) as a PATCH with If-Match; a field
// being edited is never overwritten by the stream.

import { api, ApiError, errorText } from "/common/js/api.js";
import { h, oneAtATime } from "/common/js/dom.js";
import { dateTime, hhmm, languageName, named, number, percentage, pick, t } from "/common/js/i18n.js";
import { configureFiles, filesSection, showFiles } from "./files.js";
import { addressParts, conditionsBox, configureParties, partiesSection, showConditions, showParties } from "./parties.js";
import { showTypeName, typePicker } from "./typepicker.js";
import { learnUnits, unitName } from "./units.js";

const state = {
  card: null,
  /** @type {(card: object) => void} */
  onSaved: () => {},
  /** @type {(message: string, isError?: boolean) => void} */
  toast: () => {},
  reference: null, // {types: Map, hazards: [], regions: [], services: Map}
  dirty: new Set(),
  sending: new Map(), // path -> value being saved now (a second commit of it is skipped)
  districts: new Map(), // region code -> its districts (promise), loaded once
};

/** A select of the card's form by its id (null when the card is not drawn). */
const select = (id) => /** @type {HTMLSelectElement} */ (document.getElementById(id));

function get(object, path) {
  return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), object);
}

/** The change of one field as the PATCH's object: nest("location.address", v) = {location: {address: v}}. */
const nest = (path, value) => path.split(".").reduceRight((inner, key) => ({ [key]: inner }), value);

/** The card shown now (or null). */
export function currentCard() {
  return state.card;
}

export function configureCard({ onSaved, toast, reference }) {
  Object.assign(state, { onSaved, toast, reference });
  configureParties({ save: saveCard, toast });
  configureFiles(onSaved);
}

// The card's saves go out one after another: each is sent against the version the previous
// one produced. Sent side by side (the type, then the address, then the victims, typed
// faster than the server answers) they clashed on If-Match, and a second clash lost a field.
let saving = Promise.resolve();
// While saves of a card are on their way, an answer (or the stream) is not drawn over what the
// operator fills: it holds an older state than the form, and a list read back from the form
// (persons, conditions, hazards) would save that older state. The last answer is drawn whole.
// Counted per card (another card opened meanwhile is drawn at once); a card with none left is
// forgotten. ``saves(card)``: whether saves of it are on their way.
const unanswered = new Map(); // card id -> saves on their way
const saves = (card) => unanswered.has(card.id);

/** Save a change to the shown card (after the saves already on their way); on a version
 * clash with someone else's change, reload once and apply it again. */
export function saveCard(changes) {
  const id = state.card?.id;
  unanswered.set(id, (unanswered.get(id) || 0) + 1);
  const next = saving.then(() => saveNow(changes, id))
    .finally(() => { const left = unanswered.get(id) - 1; if (left) unanswered.set(id, left); else unanswered.delete(id); })
    .then(answered);
  saving = next.catch(() => {});
  return next;
}

function answered(card) {
  if (!card) return null;
  accept(card);
  // A newer copy (someone else's change) came while the saves were on their way: drawn now.
  if (!saves(card) && state.card?.id === card.id && state.card.version > card.version) update(state.card);
  return card;
}

/** Resolves once every save already on its way has been answered (route and close wait for
 * them, then name the version those saves produced). */
export function savesDone() {
  return saving;
}

async function saveNow(changes, id) {
  if (!id) return null;
  // On the card it was made on, also when another was opened while it waited its turn.
  const card = state.card?.id === id ? state.card : await api("GET", `/cards/${id}`);
  try {
    return await api("PATCH", `/cards/${card.id}`, { json: changes, ifMatch: card.version });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409 || card.status === "closed") throw error;
    const fresh = await api("GET", `/cards/${card.id}`);
    accept(fresh);
    return await api("PATCH", `/cards/${card.id}`, { json: changes, ifMatch: fresh.version });
  }
}

function accept(card) {
  state.onSaved(card);
  return card;
}

async function commit(path, value, control) {
  state.dirty.delete(path);
  const wanted = JSON.stringify(value ?? null);
  if (JSON.stringify(get(state.card, path) ?? null) === wanted) return;
  if (state.sending.get(path) === wanted) return; // Enter, then leaving the field
  state.sending.set(path, wanted);
  control?.classList.remove("invalid");
  try {
    await saveCard(nest(path, value));
    state.toast(t("saved"));
  } catch (error) {
    control?.classList.add("invalid");
    state.toast(`${t("error")}: ${errorText(error)}`, true);
  } finally {
    state.sending.delete(path);
  }
}

/**
 * A text field of the card at ``path``, saved on change and on Enter (Ctrl+Enter: multiline).
 * @param {string} path
 * @param {string} labelKey
 * @param {{type?: string, inputmode?: string, multiline?: boolean}} [options]
 */
function textField(path, labelKey, { type = "text", inputmode, multiline = false } = {}) {
  const control = multiline
    ? h("textarea", { rows: 2, id: `f-${path}`, dataset: { path } })
    : h("input", { type, id: `f-${path}`, inputmode, dataset: { path }, autocomplete: "off" });
  const read = () => {
    const raw = control.value.trim();
    if (type === "number") return raw === "" ? null : Number(raw);
    return raw === "" ? null : raw;
  };
  control.addEventListener("input", () => state.dirty.add(path));
  control.addEventListener("change", () => commit(path, read(), control));
  control.addEventListener("keydown", (event) => {
    const { key, ctrlKey } = /** @type {KeyboardEvent} */ (event);
    const done = multiline ? key === "Enter" && ctrlKey : key === "Enter";
    if (done) {
      event.preventDefault();
      commit(path, read(), control);
    }
  });
  return fieldBox(path, labelKey, control);
}

function fieldBox(path, labelKey, control) {
  return h("label", { class: "field", dataset: { field: path } },
    h("span", { class: "label" }, t(labelKey), h("span", { class: "req", text: " *" })),
    control);
}

function setValue(control, value) {
  if (document.activeElement === control || state.dirty.has(control.dataset.path)) return;
  const text = value == null ? "" : String(value);
  if (control.value !== text) control.value = text;
}

// -- incident type picker (typepicker.js) ------------------------------------------------------

function typeField() {
  const picker = typePicker({
    choose: async (code) => {
      await commit("incident.type", code, document.getElementById("type-search"));
      // On to the address, unless the operator has gone on elsewhere meanwhile (an SMS reply).
      const here = document.activeElement;
      if (!here || here === document.body || picker.contains(here)) document.getElementById("f-location.address")?.focus();
    },
    current: () => (state.card ? state.reference.types.get(state.card.incident.type) : null),
  });
  return fieldBox("incident.type", "incident_type", picker);
}

// -- building and updating the form -----------------------------------------------------------

function hazardsBox() {
  const box = h("fieldset", { class: "hazards", id: "hazards", dataset: { field: "incident.hazards" } },
    h("legend", {}, t("hazards"), h("span", { class: "req", text: " *" })));
  for (const hazard of state.reference.hazards) {
    const input = h("input", { type: "checkbox", value: hazard.code, dataset: { hazard: hazard.code } });
    input.addEventListener("change", () => {
      const chosen = [.../** @type {NodeListOf<HTMLInputElement>} */ (box.querySelectorAll("input:checked"))].map((i) => i.value);
      commit("incident.hazards", chosen, box);
    });
    box.append(h("label", { class: "check" }, input, pick(hazard.names)));
  }
  return box;
}

// -- region and district chosen by hand -------------------------------------------------------
// A choice is saved once, when it is made: Enter, a pick from the opened list (mouse or
// keyboard), or leaving the field. Arrow keys and typing on a closed <select> move its value
// (Chromium fires "change" at every step); those steps stay on screen only, so moving through
// the fourteen regions is not fourteen card versions.

function placeSelect(path, labelKey) {
  const control = h("select", { id: `f-${path}`, dataset: { path } });
  const cardId = state.card?.id; // a choice is saved on this card only, never on the next one
  let stepping = false; // the value was moved by a key press, not picked
  control.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      choosePlace(path, control, cardId);
    } else if (!event.altKey && !event.ctrlKey && event.key !== "Tab") {
      // The step's "change" comes within this key press; a pick from the opened list later.
      stepping = true;
      setTimeout(() => (stepping = false));
    }
  });
  control.addEventListener("change", () => {
    if (stepping) state.dirty.add(path);
    else choosePlace(path, control, cardId);
  });
  control.addEventListener("blur", () => choosePlace(path, control, cardId));
  return fieldBox(path, labelKey, control);
}

async function choosePlace(path, control, cardId) {
  const card = state.card;
  if (!card || card.id !== cardId || !control.isConnected) return; // the form was rebuilt
  state.dirty.delete(path);
  const code = control.value || null;
  const region = path === "location.region";
  if (region) showDistricts(code).catch(() => {});
  if ((get(card, path)?.code ?? null) === code) return;
  if (state.sending.get(path) === code) return; // Enter, then leaving the field
  state.sending.set(path, code);
  const place = code ? { code } : null;
  control.classList.remove("invalid");
  try {
    // A district brings its region; a new region clears the district of the old one.
    await saveCard({ location: region ? { region: place, district: null } : { district: place } });
    state.toast(t("saved"));
  } catch (error) {
    control.classList.add("invalid");
    state.toast(`${t("error")}: ${errorText(error)}`, true);
  } finally {
    state.sending.delete(path);
  }
}

function regionDistricts(code) {
  if (!state.districts.has(code)) {
    const loading = api("GET", `/geo/districts?region=${encodeURIComponent(code)}&geometry=false`);
    loading.catch(() => state.districts.delete(code));
    state.districts.set(code, loading);
  }
  return state.districts.get(code);
}

/** List the districts of ``regionCode`` (none without a region) in the district field. */
async function showDistricts(regionCode) {
  const district = select("f-location.district");
  if (!district || district.dataset.region === (regionCode || "")) return;
  district.dataset.region = regionCode || "";
  const list = regionCode ? (await regionDistricts(regionCode)).features : [];
  if (district.dataset.region !== (regionCode || "")) return; // another region chosen meanwhile
  district.replaceChildren(new Option("—", ""), ...list.map(
    (d) => new Option(pick(d.properties.names) || d.properties.name, d.id)));
  if (!state.dirty.has("location.district") && !state.sending.has("location.district")) {
    district.value = state.card?.location.district?.code || "";
  }
}

async function fillPlaces(card) {
  const region = select("f-location.region");
  const district = select("f-location.district");
  if (!region) return;
  if (region.options.length !== state.reference.regions.length + 1) {
    region.replaceChildren(new Option("—", ""), ...state.reference.regions.map(
      (r) => new Option(pick(r.properties.names) || r.properties.name, r.id)));
  }
  // What the operator is moving through and has not chosen yet stays as it is.
  if (!state.dirty.has("location.region") && !state.sending.has("location.region")) region.value = card.location.region?.code || "";
  await showDistricts(region.value);
  const now = state.card?.id === card.id ? state.card : null; // the copy of now, not the one asked with
  if (now && !state.dirty.has("location.district") && !state.sending.has("location.district")) district.value = now.location.district?.code || "";
}

function build(card) {
  const panel = document.getElementById("card");
  const channel = t(`channel_${card.channel}`);
  panel.replaceChildren(
    h("header", { class: "card-head" },
      h("h1", { id: "card-number", text: `${t("card")} ${card.number}` }),
      h("span", { id: "card-meta", class: "muted" }),
      h("div", { class: "completeness", id: "completeness" },
        h("span", { class: "label", text: t("completeness") }),
        h("meter", { id: "completeness-meter", min: 0, max: 100, low: 60, high: 99, optimum: 100 }),
        h("strong", { id: "completeness-percent" }),
        h("span", { id: "completeness-missing", class: "missing" })),
      h("section", { class: "routed" },
        h("h2", { text: t("routed_to") }),
        h("ul", { id: "services", class: "services" }))),
    h("div", { class: "card-body" },
    h("div", { class: "card-column" },
    h("section", { class: "group" },
      h("h2", { text: t("caller") }),
      h("p", { class: "facts" },
        h("span", { class: "chip", id: "card-channel", text: channel }),
        h("span", { class: "chip", id: "card-language", dataset: { language: card.language || "" }, text: languageName(card.language) })),
      h("div", { class: "row" },
        textField("caller.number", "number", { type: "tel" }),
        textField("caller.callback_number", "callback_number", { type: "tel" }),
        textField("caller.name", "name")),
      conditionsBox((chosen, box) => commit("caller.conditions", chosen, box)),
      textField("caller.condition_note", "condition_note")),
    h("section", { class: "group", dataset: { field: "location" } },
      h("h2", { text: t("location") }),
      textField("location.address", "address"),
      h("div", { class: "row" },
        placeSelect("location.region", "region"),
        placeSelect("location.district", "district")),
      addressParts(textField),
      h("div", { class: "row location-points" },
        h("div", { id: "confirmed-point", class: "point-box", dataset: { field: "location.lat" } }),
        h("div", { id: "proposed-point", class: "point-box proposed", hidden: true })))),
    h("div", { class: "card-column" },
    h("section", { class: "group" },
      h("h2", { text: t("incident") }),
      h("div", { class: "row type-row" }, typeField(), priorityField(),
        textField("incident.victims", "victims", { type: "number", inputmode: "numeric" })),
      hazardsBox(),
      textField("incident.description", "description", { multiline: true })))),
    partiesSection(),
    filesSection(),
    h("section", { class: "group" },
      h("h2", { text: t("notes") }),
      h("ol", { id: "notes", class: "notes" }),
      noteInput()),
  );
  /** @type {HTMLInputElement} */ (document.getElementById("f-incident.victims")).min = "0";
}

function priorityField() {
  const control = h("select", { id: "f-incident.priority", dataset: { path: "incident.priority" } });
  for (const value of [1, 2, 3, 4, 5]) control.append(new Option(String(value), String(value)));
  control.addEventListener("change", () => commit("incident.priority", Number(control.value), control));
  return fieldBox("incident.priority", "priority", control);
}

function noteInput() {
  const input = h("input", { id: "note", type: "text", placeholder: t("add_note"), autocomplete: "off" });
  // A second Enter while the note is on its way does not add it twice.
  const add = oneAtATime(async () => {
    const text = input.value.trim();
    try {
      accept(await api("POST", `/cards/${state.card.id}/notes`, { json: { text } }));
      if (input.value.trim() === text) input.value = ""; // what was typed since stays
    } catch (error) {
      state.toast(`${t("error")}: ${errorText(error)}`, true);
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && input.value.trim() && state.card) add(event);
  });
  return input;
}

function pointText(point) {
  if (!point || point.lat == null) return "—";
  const radius = point.radius_m ? ` · ${t("accuracy")} ${number(point.radius_m)} ${t("metres")}` : "";
  const source = point.source ? ` · ${t(`source_${point.source}`)}` : "";
  return `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}${radius}${source}`;
}

/** What the operator fills, as the card has it. */
function showEntries(card) {
  for (const control of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#card [data-path]"))) {
    if (control.tagName === "SELECT" && control.dataset.path.startsWith("location.")) continue;
    setValue(control, get(card, control.dataset.path));
  }
  fillPlaces(card).catch(() => {});
  showTypeName();
  for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll("#hazards input"))) {
    input.checked = card.incident.hazards.includes(input.value);
  }
  showConditions(card);
}

function update(card) {
  document.getElementById("card-meta").textContent =
    `${t("version")} ${card.version} · ${named("card_status_", card.status)} · ${dateTime(card.created_at)}`;
  showParties(card, !saves(card));
  if (!saves(card)) showEntries(card);
  showFiles(card);
  const where = card.location;
  const point = document.getElementById("confirmed-point");
  point.replaceChildren(
    h("strong", { text: t("point") }), " ", pointText(where), " ",
    h("span", { id: "location-confirmed", class: where.confirmed ? "ok" : "muted", text: where.confirmed ? `✓ ${t("confirmed")}` : t("not_confirmed") }));
  if (where.lat != null && !where.confirmed) {
    point.append(h("button", { type: "button", id: "confirm-location", class: "primary", text: `${t("confirm_location")} (Alt+K)`, onclick: confirmLocation }));
  }
  const proposal = card.proposed_location;
  const box = document.getElementById("proposed-point");
  box.hidden = !proposal;
  if (proposal) {
    box.replaceChildren(
      h("strong", { text: t("proposed_location") }), " ", pointText(proposal), " ",
      h("button", { type: "button", id: "accept-location", class: "primary", text: `${t("accept_location")} (Alt+P)`, onclick: () => answerProposal(true) }),
      h("button", { type: "button", id: "dismiss-location", text: `${t("dismiss_location")} (Alt+Shift+P)`, onclick: () => answerProposal(false) }));
  }
  showCompleteness(card.completeness);
  showServices(card);
  learnUnits(card.services.map((s) => s.unit)).then((learnt) => {
    if (learnt && state.card?.id === card.id) showServices(state.card);
  });
  document.getElementById("notes").replaceChildren(...card.notes.map((n) => h("li", {},
    h("span", { class: "muted", text: `${hhmm(n.at)} ${n.author}: ` }), n.text)));
}

function showServices(card) {
  document.getElementById("services")?.replaceChildren(...card.services.map((s) => h("li", { dataset: { service: s.code } },
    h("strong", { text: s.code }), ` ${serviceName(s)} → `,
    h("span", { class: "unit", dataset: { unit: s.unit?.code || "" }, text: s.unit ? unitName(s.unit) : t("unit_unknown") }),
    h("span", { class: "chip", dataset: { status: s.status }, text: named("service_status_", s.status) }))));
}

function serviceName(service) {
  const known = state.reference.services.get(service.code);
  return known ? pick(known.names) : service.name || "";
}

function showCompleteness(completeness) {
  const { required, missing, percent } = completeness;
  /** @type {HTMLMeterElement} */ (document.getElementById("completeness-meter")).value = percent;
  document.getElementById("completeness-percent").textContent = percentage(percent, 0);
  document.getElementById("completeness-missing").classList.toggle("complete", !missing.length);
  document.getElementById("completeness-missing").textContent = missing.length
    ? `${t("missing")}: ${missing.map((p) => t(`field_${p}`)).join(", ")}`
    : t("complete");
  for (const box of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#card [data-field]"))) {
    const path = box.dataset.field;
    box.classList.toggle("required", required.includes(path));
    box.classList.toggle("missing", missing.includes(path));
  }
}

async function answerProposal(acceptIt) {
  if (!state.card?.proposed_location) return;
  const action = acceptIt ? "accept" : "dismiss";
  try {
    accept(await api("POST", `/cards/${state.card.id}/proposed-location/${action}`));
  } catch (error) {
    state.toast(`${t("error")}: ${errorText(error)}`, true);
  }
}

/** Confirm the card's point as it is (an automatic position the caller agreed to). */
export async function confirmLocation() {
  const where = state.card?.location;
  if (!where || where.lat == null || where.confirmed) return;
  await saveLocation({ confirmed: true }).catch(() => {});
}

/** Save a change to the card's location (the map's point, a confirmation), saying how it went. */
export async function saveLocation(location) {
  try {
    await saveCard({ location });
    state.toast(t("saved"));
  } catch (error) {
    state.toast(`${t("error")}: ${errorText(error)}`, true);
    throw error;
  }
}

export const acceptProposal = () => answerProposal(true);
export const dismissProposal = () => answerProposal(false);

/** Show ``card`` (build the form for a new card, update it for a newer version); with no
 * card, the ``empty`` text. */
export function showCard(card, empty = "waiting_for_call") {
  const panel = document.getElementById("card");
  if (!card) {
    state.card = null;
    panel.replaceChildren(h("p", { class: "empty", id: "no-card", text: t(empty) }));
    return;
  }
  const same = state.card && state.card.id === card.id;
  if (same && card.version < state.card.version) return; // an older copy arrived late
  if (!same) state.dirty.clear();
  state.card = card;
  if (!same || !document.getElementById("card-number")) build(card);
  update(card);
}

/** Rebuild the form in the new language (keeps what is being typed only if saved). */
export function relabelCard() {
  const card = state.card;
  state.card = null;
  showCard(card);
}
