// @ts-check
// Small DOM helpers: build elements from data with textContent only (never HTML from data).

import { language, percentage } from "/operator/js/i18n.js";

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * h("td", {className: "x", dataset: {id}}, "text", child, ...) → a new element (children: nodes,
 * text, numbers, arrays of them; null, undefined and false left out).
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
    if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
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
