// @ts-check
// The consoles' one set of DOM helpers: elements built from data with text only (never HTML
// from data), the element of an id, tables, the toast and the connection badge, and dates and
// numbers in the interface language's conventions.

import { language, percentage, t } from "./i18n.js";

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * A new element: h("td", {class: "x", text: "…", dataset: {id}, onclick}, "text", child, ...).
 * Props: ``class`` (or ``className``) and ``text`` (or ``textContent``); ``dataset``; ``on…``
 * a listener; a property of the element (``value``, ``checked``, ``htmlFor``, ``title``…) is
 * set as the property, anything else (``aria-…``, ``tabindex``, ``for``) as an attribute (true:
 * present). Null, undefined and false props and children are left out; children are nodes,
 * text, numbers or arrays of them.
 * @template {string} K
 * @param {K} tag
 * @param {Record<string, any>} [props]
 * @param {...any} children
 * @returns {K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : HTMLElement}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class" || key === "className") el.className = value;
    else if (key === "text" || key === "textContent") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key in el) el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return /** @type {any} */ (el);
}

/** Replace an element's children, leaving out null, undefined and false. */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

/** A table with a header row and one row per item (cells are text or elements). */
export function table(headers, rows, props = {}) {
  return h("table", props,
    h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((cells) => (cells instanceof Node ? cells : h("tr", {}, cells.map((c) => h("td", {}, c)))))),
  );
}

// Dates and numbers in the interface language's conventions (Intl), times in Tashkent's zone.
// A browser whose ICU has no Uzbek data formats "uz" as the root locale (1.5, 2025-03-10);
// Uzbekistan writes numbers and numeric dates as Russian does (1,5; 10.03.2025), so then
// ru-RU stands in: only digits and separators come from it, every format here is numeric.
const UZ = new Intl.NumberFormat("uz-Latn-UZ").format(1.5) === "1,5" ? "uz-Latn-UZ" : "ru-RU";
const LOCALES = { uz: UZ, ru: "ru-RU", en: "en-GB" };
const formats = new Map();

/** The BCP 47 locale of the interface language. */
export function locale() {
  return LOCALES[language()] || LOCALES.uz;
}

function format(kind, make) {
  const key = `${locale()}|${kind}`;
  if (!formats.has(key)) formats.set(key, make(locale()));
  return formats.get(key);
}

/** Local (Tashkent) date and time of an ISO timestamp, in the interface's locale. */
export function stamp(iso) {
  if (!iso) return "";
  return format("stamp", (loc) => new Intl.DateTimeFormat(loc, {
    timeZone: "Asia/Tashkent", day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  })).format(new Date(iso));
}

/** A calendar date (YYYY-MM-DD) in the interface's locale. */
export function day(ymd) {
  if (!ymd) return "";
  return format("day", (loc) => new Intl.DateTimeFormat(loc, {
    timeZone: "UTC", day: "2-digit", month: "2-digit", year: "numeric",
  })).format(new Date(`${ymd}T00:00:00Z`));
}

/** A number in the interface's locale (at most ``digits`` decimals); "—" for none. */
export function num(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "—";
  return format(`num${digits}`, (loc) => new Intl.NumberFormat(loc, { maximumFractionDigits: digits }))
    .format(Number(value));
}

/** A share (0..1) as a percentage in the interface's locale ("2,5 %" in Russian). */
export function percent(share, digits = 0) {
  if (share === null || share === undefined) return "—";
  return percentage(Number(share) * 100, digits);
}

/** Today's date in Tashkent as YYYY-MM-DD. */
export function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tashkent" }).format(new Date());
}

let toastTimer = null;

/** A short message in #toast (an error stays longer). */
export function toast(message, isError = false) {
  const node = document.getElementById("toast");
  node.textContent = message;
  node.className = isError ? "toast error" : "toast";
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (node.hidden = true), isError ? 6000 : 1500);
}

/** Show the stream's status in #connection (without one: relabel the status shown). */
export function connectionStatus(status = document.getElementById("connection").dataset.status) {
  const node = document.getElementById("connection");
  node.dataset.status = status;
  node.textContent = t(
    { connected: "connected", degraded: "degraded", reconnecting: "reconnecting", connecting: "reconnecting" }[status] ||
      "offline",
  );
}

/**
 * The newest of draws that may overlap in one panel: the address changes while a language
 * switch draws the page again, or a second item is chosen before the first one's answers came.
 * ``begin()`` starts a draw and returns its ``current()``, false from the moment a newer draw
 * begins; a draw checks it after every wait and leaves the panel alone once it is false, so a
 * late answer never replaces what the user asked for since.
 * @returns {() => () => boolean}
 */
export function drawings() {
  /** @type {symbol | null} */
  let newest = null;
  return () => {
    const mine = Symbol("draw");
    newest = mine;
    return () => newest === mine;
  };
}

/**
 * A form's submit handler that runs ``send(event)`` one at a time: a second Enter or click while
 * the first is on its way is ignored (a second POST would make a second plan, programme or
 * session); the form is ``aria-busy`` meanwhile. ``send`` returns its promise.
 * @param {(event: Event) => unknown} send
 * @returns {(event: Event) => Promise<void>}
 */
export function oneAtATime(send) {
  let busy = false;
  return async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const form = /** @type {?HTMLElement} */ (event.currentTarget);
    form?.setAttribute("aria-busy", "true");
    try {
      await send(event);
    } finally {
      busy = false;
      form?.removeAttribute("aria-busy");
    }
  };
}
