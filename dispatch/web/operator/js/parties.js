// @ts-check
// The persons and vehicles of a card (revision 1.2): one labelled row of fields each. The list
// is saved whole (PATCH persons / vehicles) when a field is committed (Enter or leaving it),
// when a row is added and when one is removed; a list being edited is never redrawn by the
// stream.

import { errorText } from "/common/js/api.js";
import { h } from "/common/js/dom.js";
import { t } from "/common/js/i18n.js";

const PERSON_ROLES = ["victim", "suspect", "witness", "caller", "other"];
const AGE_BANDS = ["infant", "child", "adolescent", "adult", "elderly"];
const SEXES = ["male", "female", "unknown"];
const VEHICLE_ROLES = ["involved", "suspect", "victim"];

// Each field: [name, kind, choices or max length]; the first is the role (required).
const KINDS = {
  persons: {
    title: "persons",
    add: "add_person",
    remove: "remove_person",
    fields: [
      ["role", "choice", PERSON_ROLES, "person_role_"],
      ["name", "text", 200],
      ["age", "number", 130],
      ["age_band", "choice", AGE_BANDS, "age_band_"],
      ["sex", "choice", SEXES, "sex_"],
      ["condition", "text", 1000],
      ["description", "text", 1000],
    ],
    fresh: { role: "victim" },
  },
  vehicles: {
    title: "vehicles",
    add: "add_vehicle",
    remove: "remove_vehicle",
    fields: [
      ["role", "choice", VEHICLE_ROLES, "vehicle_role_"],
      ["plate", "text", 20],
      ["make", "text", 200],
      ["model", "text", 200],
      ["colour", "text", 200],
      ["description", "text", 1000],
    ],
    fresh: { role: "involved" },
  },
};

// Labels of the fields (the role's label names the list it belongs to).
const LABELS = {
  persons: { role: "person_role", name: "name", age: "age", age_band: "age_band", sex: "sex", condition: "condition", description: "description" },
  vehicles: { role: "vehicle_role", plate: "plate", make: "make", model: "model", colour: "colour", description: "description" },
};

const state = {
  /** @type {(changes: object) => Promise<void>} */
  save: async () => {},
  /** @type {(message: string, isError?: boolean) => void} */
  toast: () => {},
  card: null,
  editing: new Set(),
};

/** Wire the lists to the card's saves (card.js's saveCard) and its toast. */
export function configureParties({ save, toast }) {
  Object.assign(state, { save, toast });
}

/** The section holding both lists (filled by ``showParties``). */
export function partiesSection() {
  return h("section", { class: "group parties", id: "parties" },
    ...Object.keys(KINDS).map((kind) => h("fieldset", { class: "party-list", id: kind },
      h("legend", { text: t(KINDS[kind].title) }),
      h("ol", { class: "party-rows", id: `${kind}-rows` }),
      h("button", { type: "button", id: `add-${kind}`, text: t(KINDS[kind].add), onclick: () => addRow(kind) }))));
}

/** Show the card's persons and vehicles (a list being edited keeps what is typed); with
 * ``redraw`` false (saves still on their way), only remember the card. */
export function showParties(card, redraw = true) {
  state.card = card;
  if (!redraw) return;
  for (const kind of Object.keys(KINDS)) {
    const rows = document.getElementById(`${kind}-rows`);
    if (!rows || state.editing.has(kind) || rows.contains(document.activeElement)) continue;
    draw(kind, card[kind] || []);
  }
}

function draw(kind, items) {
  const rows = document.getElementById(`${kind}-rows`);
  rows.replaceChildren(...items.map((item, index) => row(kind, item, index)));
  if (!items.length) rows.append(h("li", { class: "muted empty-row", text: t("none_yet") }));
}

function control(kind, index, [name, type, choice, prefix], value) {
  const id = `${kind}-${index}-${name}`;
  let input;
  if (type === "choice") {
    input = h("select", { id, dataset: { name } });
    if (name !== "role") input.append(new Option("—", ""));
    for (const option of choice) input.append(new Option(t(`${prefix}${option}`), option));
    input.value = value ?? (name === "role" ? choice[0] : "");
  } else {
    const attributes = { id, dataset: { name }, autocomplete: "off" };
    if (type === "number") Object.assign(attributes, { type: "number", min: 0, max: choice, inputmode: "numeric" });
    else Object.assign(attributes, { type: "text", maxlength: choice });
    input = h("input", attributes);
    input.value = value == null ? "" : String(value);
  }
  input.addEventListener("input", () => state.editing.add(kind));
  input.addEventListener("change", () => commit(kind, input));
  input.addEventListener("keydown", (event) => {
    if (/** @type {KeyboardEvent} */ (event).key === "Enter") {
      event.preventDefault();
      commit(kind, input);
    }
  });
  return h("label", { class: "field" }, h("span", { class: "label", text: t(LABELS[kind][name]) }), input);
}

function row(kind, item, index) {
  const number = index + 1;
  return h("li", { class: "party-row", dataset: { index: String(index) } },
    ...KINDS[kind].fields.map((field) => control(kind, index, field, item[field[0]])),
    h("button", {
      type: "button",
      class: "remove",
      id: `${kind}-${index}-remove`,
      "aria-label": `${t(KINDS[kind].remove)} ${number}`,
      text: "✕",
      onclick: () => removeRow(kind, index),
    }));
}

function read(kind) {
  const items = [];
  for (const line of document.querySelectorAll(`#${kind}-rows .party-row`)) {
    const item = {};
    for (const [name, type] of KINDS[kind].fields) {
      const raw = /** @type {HTMLInputElement | HTMLSelectElement} */ (line.querySelector(`[data-name="${name}"]`)).value.trim();
      item[name] = raw === "" ? null : type === "number" ? Number(raw) : raw;
    }
    // An age in years says more than a band: the band is dropped when both are given.
    if (kind === "persons" && item.age != null) item.age_band = null;
    items.push(item);
  }
  return items;
}

async function commit(kind, input) {
  const items = read(kind);
  state.editing.delete(kind);
  if (JSON.stringify(items) === JSON.stringify(state.card?.[kind] || [])) return;
  await send(kind, items, input);
}

async function send(kind, items, input = null) {
  input?.classList.remove("invalid");
  try {
    await state.save({ [kind]: items });
    state.toast(t("saved"));
    return true;
  } catch (error) {
    input?.classList.add("invalid");
    state.toast(`${t("error")}: ${errorText(error)}`, true);
    return false;
  }
}

async function addRow(kind) {
  if (!state.card) return;
  const items = [...read(kind), { ...KINDS[kind].fresh }];
  if (await sentHere(kind, items)) document.getElementById(`${kind}-${items.length - 1}-role`)?.focus();
}

async function removeRow(kind, index) {
  const items = read(kind).filter((_, i) => i !== index);
  if (await sentHere(kind, items)) document.getElementById(`add-${kind}`)?.focus();
}

/** Save the list and draw it as stored; false (nothing drawn) when it failed, or when another
 * card is shown by now or a row of the list is being typed in (its text is not wiped). */
async function sentHere(kind, items) {
  const cardId = state.card?.id;
  if (!(await send(kind, items)) || state.card?.id !== cardId || state.editing.has(kind)) return false;
  draw(kind, state.card[kind] || []);
  return true;
}

// -- the caller's conditions and the address in parts (fields of card.js's form) --------------

const CONDITIONS = [
  "cannot_speak", "hearing_impaired", "speech_impaired", "sight_impaired", "child",
  "limited_mobility", "non_native_language",
];
const ADDRESS_PARTS = ["street", "house", "building", "entrance", "floor", "flat", "mahalla", "landmark"];

/** The address in parts beside the free text: card.js's ``textField`` for each part. */
export function addressParts(textField) {
  return h("fieldset", { class: "address-parts", id: "address-parts" },
    h("legend", { text: t("address_parts") }),
    h("div", { class: "row" },
      ...ADDRESS_PARTS.map((part) => textField(`location.structured_address.${part}`, `address_${part}`))));
}

/** The caller's conditions as check boxes; ``save(chosen, box)`` saves the list. */
export function conditionsBox(save) {
  const box = h("fieldset", { class: "hazards conditions", id: "caller-conditions" },
    h("legend", { text: t("caller_conditions") }));
  for (const condition of CONDITIONS) {
    const input = h("input", { type: "checkbox", value: condition, id: `condition-${condition}` });
    input.addEventListener("change", () => {
      save([.../** @type {NodeListOf<HTMLInputElement>} */ (box.querySelectorAll("input:checked"))].map((i) => i.value), box);
    });
    box.append(h("label", { class: "check" }, input, t(`condition_${condition}`)));
  }
  return box;
}

/** Tick the card's caller conditions. */
export function showConditions(card) {
  const chosen = card.caller.conditions || [];
  for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll("#caller-conditions input"))) {
    input.checked = chosen.includes(input.value);
  }
}
