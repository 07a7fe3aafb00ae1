// @ts-check
// The card's incident-type picker: a combobox searched in any of the three languages (the
// server's /incident-types?q=), ↑/↓ through the matches, Enter or a click chooses. While the
// box is not being typed in, it names the card's type in the interface language.

import { api } from "/common/js/api.js";
import { h } from "/common/js/dom.js";
import { language, pick, t } from "/common/js/i18n.js";

const picker = {
  options: [],
  active: -1,
  timer: null,
  /** @type {(code: string) => Promise<void>} */
  choose: async () => {},
  current: () => null,
};

/**
 * The search box and its list of matches. ``choose(code)`` saves the chosen type;
 * ``current()`` is the card's type now (its names), or null.
 */
export function typePicker({ choose, current }) {
  Object.assign(picker, { choose, current, options: [], active: -1 });
  const input = h("input", {
    id: "type-search", type: "search", role: "combobox", "aria-expanded": "false",
    "aria-controls": "type-options", "aria-autocomplete": "list", autocomplete: "off",
    placeholder: t("type_search"),
  });
  const list = h("ul", { id: "type-options", class: "type-options", role: "listbox", hidden: true });
  input.addEventListener("input", () => {
    clearTimeout(picker.timer);
    picker.timer = setTimeout(() => searchTypes(input.value), 120);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      moveActive(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const option = picker.options[picker.active >= 0 ? picker.active : 0];
      if (option) chooseType(option.code);
    } else if (event.key === "Escape" && !list.hidden) {
      event.stopPropagation();
      closeOptions();
    }
  });
  input.addEventListener("blur", () => setTimeout(closeOptions, 150));
  input.addEventListener("focus", () => input.select());
  return h("div", { class: "picker" }, input, list);
}

/** Name the card's type in the box (not while the operator types in it). */
export function showTypeName() {
  const input = /** @type {HTMLInputElement} */ (document.getElementById("type-search"));
  if (!input || document.activeElement === input) return;
  const kind = picker.current();
  input.value = kind ? pick(kind.names) : "";
}

async function searchTypes(query) {
  const q = query.trim();
  if (!q) return closeOptions();
  const found = await api("GET", `/incident-types?q=${encodeURIComponent(q)}&limit=8`).catch(() => []);
  if (/** @type {HTMLInputElement} */ (document.getElementById("type-search"))?.value.trim() !== q) return; // typed on meanwhile
  picker.options = found;
  picker.active = found.length ? 0 : -1;
  renderOptions();
}

function renderOptions() {
  const list = document.getElementById("type-options");
  const input = document.getElementById("type-search");
  list.replaceChildren(...picker.options.map((option, index) => {
    const others = ["uz", "ru", "en"].filter((l) => l !== language()).map((l) => option.names[l]);
    return h("li", {
      role: "option", id: `type-option-${index}`, "aria-selected": String(index === picker.active),
      class: index === picker.active ? "active" : "", dataset: { code: option.code },
      onmousedown: (event) => { event.preventDefault(); chooseType(option.code); },
    },
    h("span", { class: `prio p${option.priority}`, text: option.priority }),
    h("span", { class: "name", text: pick(option.names) }),
    h("span", { class: "other", text: others.join(" · ") }));
  }));
  list.hidden = picker.options.length === 0;
  input.setAttribute("aria-expanded", String(!list.hidden));
  if (picker.active >= 0) input.setAttribute("aria-activedescendant", `type-option-${picker.active}`);
}

function moveActive(step) {
  if (!picker.options.length) return;
  picker.active = (picker.active + step + picker.options.length) % picker.options.length;
  renderOptions();
}

function closeOptions() {
  const list = document.getElementById("type-options");
  if (!list) return;
  list.hidden = true;
  picker.options = [];
  document.getElementById("type-search")?.setAttribute("aria-expanded", "false");
  showTypeName();
}

async function chooseType(code) {
  closeOptions();
  await picker.choose(code);
}
