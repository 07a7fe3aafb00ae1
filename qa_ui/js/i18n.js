// QA interface texts in Uzbek (Latin), Russian and English (texts/), as in the operator
// console: the account's language first, switchable and remembered per user.

import en from "./texts/en.js";
import ru from "./texts/ru.js";
import uz from "./texts/uz.js";

export const LANGUAGES = ["uz", "ru", "en"];
export const LANGUAGE_NAMES = { uz: "O‘zbekcha", ru: "Русский", en: "English" };
const TEXTS = { uz, ru, en };
let current = "uz";

/** The interface language now. */
export function language() {
  return current;
}

/** Switch the interface language (unknown codes fall back to Uzbek). */
export function setLanguage(code) {
  current = LANGUAGES.includes(code) ? code : "uz";
  document.documentElement.lang = current;
}

/** The text for ``key`` in the interface language, {name} placeholders filled. */
export function t(key, vars = {}) {
  const text = TEXTS[current][key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

/** A {uz, ru, en} map from the server in the interface language. */
export function pick(names) {
  if (!names) return "";
  return names[current] || names.en || Object.values(names)[0] || "";
}

/** Put the texts into every element marked data-t, data-t-placeholder or data-t-title. */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-placeholder]")) el.placeholder = t(el.dataset.tPlaceholder);
  for (const el of root.querySelectorAll("[data-t-title]")) el.title = t(el.dataset.tTitle);
  document.title = t("app_title");
}
