// @ts-check
// Interface texts in Uzbek (Latin), Russian and English (one file each under texts/). Names of
// incident types, hazards, services and places come from the server in the three languages.
// Shared with the supervisor console, which adds its own texts on top (addTexts).

import en from "./texts/en.js";
import ru from "./texts/ru.js";
import uz from "./texts/uz.js";

export const LANGUAGES = ["uz", "ru", "en"];
export const LANGUAGE_NAMES = { uz: "O‘zbekcha", ru: "Русский", en: "English" };

const TEXTS = { uz, ru, en };

let current = "uz";

/** Add a console's own texts ({uz: {...}, ru: {...}, en: {...}}) over the shared ones. */
export function addTexts(tables) {
  for (const code of LANGUAGES) Object.assign(TEXTS[code], tables[code] || {});
}

/** The interface language now. */
export function language() {
  return current;
}

/** Switch the interface language (unknown codes such as kaa fall back to Uzbek). */
export function setLanguage(code) {
  current = LANGUAGES.includes(code) ? code : "uz";
  document.documentElement.lang = current;
}

function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** The text for ``key`` in the interface language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const text = TEXTS[current][key] ?? TEXTS.en[key] ?? key;
  return fill(typeof text === "string" ? text : text.other, vars);
}

const RULES = new Map();

/** The plural category of ``count`` in the interface language (CLDR: one, few, many, other).
 * Uzbek by its own rule (one for 1, else other) when the browser has no Uzbek plural data. */
export function pluralCategory(count) {
  if (!RULES.has(current)) {
    const rules = new Intl.PluralRules(current);
    RULES.set(current, rules.resolvedOptions().locale.split("-")[0] === current ? rules : null);
  }
  const rules = RULES.get(current);
  if (rules) return rules.select(count);
  return Number(count) === 1 ? "one" : "other";
}

/** A counted noun: the text ``key`` has a form per plural category of the language ({one,
 * few, many, other} in Russian, {one, other} in Uzbek and English); the form for ``count`` is
 * filled with the count as the locale writes it ({count}, a decimal kept to one place) and
 * ``vars``. */
export function plural(key, count, vars = {}) {
  const forms = TEXTS[current][key] ?? TEXTS.en[key] ?? key;
  const form = typeof forms === "string" ? forms : forms[pluralCategory(count)] ?? forms.other;
  return fill(form, { ...vars, count: number(count, { maximumFractionDigits: 1 }) });
}

// Particulars of a sentence named by a code of their own, and the texts that name them: by the
// particular's name, or by the sentence's code and the particular's name.
const PARTICULARS = {
  reasons: "finding_", warnings: "finding_", state: "state_", to: "state_",
  "escalation_already.status": "status_", "callback_closed.status": "callback_",
};

function particular(code, name, value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map((item) => particular(code, name, item)).join(", ");
  if (typeof value === "object") return said(value.text, value.code, value.params); // a sentence in it
  if (typeof value === "number") return number(value, { maximumFractionDigits: 1 });
  const prefix = PARTICULARS[`${code}.${name}`] ?? PARTICULARS[name];
  return prefix ? named(prefix, value) : String(value);
}

/**
 * A sentence the server wrote for a person (an automatic break's reason, an escalation the
 * system raised, a callback's note, a refusal): said in the interface language from its
 * ``code`` (the text ``said_<code>``, {name} filled from ``params``, a ``count`` choosing the
 * plural form), else the server's English ``text`` as it came (an unknown or no code).
 */
export function said(text, code, params) {
  const key = `said_${code}`;
  const entry = code ? TEXTS[current][key] ?? TEXTS.en[key] : undefined;
  if (entry === undefined) return text ?? "";
  const vars = {};
  for (const [name, value] of Object.entries(params || {})) vars[name] = particular(code, name, value);
  const form = typeof entry === "string" ? entry : entry[pluralCategory(params?.count ?? 0)] ?? entry.other;
  return fill(form, vars).trim();
}

/** A server-provided name map ({uz, ru, en}) in the interface language. */
export function pick(names) {
  if (!names) return "";
  return names[current] || names.en || Object.values(names)[0] || "";
}

const TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Tashkent", hour: "2-digit", minute: "2-digit",
});
const LOCALES = { uz: "uz-Latn-UZ", ru: "ru-RU", en: "en-GB" };
const ZONE = "Asia/Tashkent";

/** The interface language's locale for Intl (e.g. "ru-RU"). */
export function locale() {
  return LOCALES[current] || LOCALES.uz;
}

/** A date and time of day in the interface's locale, in the centre's zone. Uzbek is written
 * out by hand (dd.mm.yyyy hh:mm): Debian's Chromium has no Uzbek locale data. */
export function dateTime(iso) {
  if (!iso) return "";
  /** @type {Intl.DateTimeFormatOptions} */
  const options = {
    timeZone: ZONE, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  };
  if (current !== "uz") return new Intl.DateTimeFormat(locale(), options).format(new Date(iso));
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", options).formatToParts(new Date(iso))
    .map((part) => [part.type, part.value]));
  return `${parts.day}.${parts.month}.${parts.year} ${parts.hour}:${parts.minute}`;
}

// Uzbekistan writes digits and separators as Russia does (1 234,5); a browser whose ICU has no
// Uzbek data (Debian's Chromium) formats "uz" as the root locale (1,234.5), so ru-RU stands in.
const UZ_DATA = new Intl.NumberFormat("uz-Latn-UZ").format(1.5) === "1,5";

function numbers(options) {
  const tag = current === "uz" && !UZ_DATA ? "ru-RU" : locale();
  return new Intl.NumberFormat(tag, { maximumFractionDigits: 0, ...options });
}

/** A number as the interface's locale writes it. */
export function number(value, options = {}) {
  return numbers(options).format(value);
}

/** A percentage (``value`` in points: 80.9 for 80.9 %) as the locale writes it: "80,9 %" in
 * Russian, "80,9%" in Uzbek, "80.9%" in English; at most ``digits`` decimals; "—" for none. */
export function percentage(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "—";
  const parts = numbers({ style: "percent", maximumFractionDigits: digits }).formatToParts(Number(value) / 100);
  // Uzbek puts no space before the sign (80,9%) where ru-RU, standing in for it, does.
  const uzbek = current === "uz" && !UZ_DATA;
  return parts.filter((part, i) => !(uzbek && part.type === "literal" && parts[i + 1]?.type === "percentSign"))
    .map((part) => part.value).join("");
}

/** A language by name: the usual ones from the texts, others as the browser names them. */
export function languageName(code) {
  if (!code) return "—";
  const key = `lang_${code}`;
  let name = t(key);
  if (name === key) {
    try {
      name = new Intl.DisplayNames([locale()], { type: "language" }).of(code);
    } catch {
      name = code;
    }
  }
  return name && name !== code ? `${name} (${code.toUpperCase()})` : code.toUpperCase();
}

/** The name of a code from the texts (``prefix`` + code, "-" read as "_"), else ``fallback``
 * (a name the server gave), else the code: e.g. a queue's or a status's name. */
export function named(prefix, code, fallback = "") {
  if (code == null || code === "") return fallback || "—";
  const key = `${prefix}${String(code).replace(/-/g, "_")}`;
  const text = t(key);
  return text !== key ? text : fallback || String(code);
}

/** A queue by the name a person reads: the name its admin gave in the interface language
 * (``queue.names``), else the texts' name of a seeded queue, else the queue's title. */
export function queueTitle(code, queue) {
  return queue?.names?.[current] || named("queue_", code, queue?.title);
}

/** The time of day of an ISO timestamp in the centre's zone (Tashkent), e.g. "09:05". */
export function hhmm(iso) {
  return iso ? TIME.format(new Date(iso)) : "";
}

/**
 * Put the texts into every element marked data-t (text), data-t-placeholder (a field's),
 * data-t-title or data-t-label (aria-label).
 * @param {ParentNode} [root]
 */
export function translatePage(root = document) {
  /** @type {(selector: string) => NodeListOf<HTMLElement>} */
  const marked = (selector) => root.querySelectorAll(selector);
  for (const el of marked("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of marked("[data-t-placeholder]")) {
    /** @type {HTMLInputElement | HTMLTextAreaElement} */ (el).placeholder = t(el.dataset.tPlaceholder);
  }
  for (const el of marked("[data-t-title]")) el.title = t(el.dataset.tTitle);
  for (const el of marked("[data-t-label]")) el.setAttribute("aria-label", t(el.dataset.tLabel));
  document.title = t("app_title");
}
