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

/** The text for ``key`` in the interface language, with {name} placeholders filled. */
export function t(key, vars = {}) {
  const text = TEXTS[current][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** A server-provided name map ({uz, ru, en}) in the interface language. */
export function pick(names) {
  if (!names) return "";
  return names[current] || names.en || Object.values(names)[0] || "";
}

const TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Tashkent", hour: "2-digit", minute: "2-digit",
});

/** The time of day of an ISO timestamp in the centre's zone (Tashkent), e.g. "09:05". */
export function hhmm(iso) {
  return iso ? TIME.format(new Date(iso)) : "";
}

/** Put the texts into every element marked data-t (text) or data-t-placeholder. */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-placeholder]")) {
    el.placeholder = t(el.dataset.tPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-t-title]")) el.title = t(el.dataset.tTitle);
  document.title = t("app_title");
}
