// @ts-check
// What the pages (QA, analytics, protocols, training) share beyond the consoles' modules: the
// toast at the top (#toast) and the keys' help dialog (#help with #help-body and #help-close).

import { $ } from "./dom.js";
import { shortcutTable } from "./keys.js";

let toastTimer = null;

/** A short message at the top; an error (``kind`` "error") stays longer. */
export function toast(message, kind = "ok") {
  const el = $("toast");
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, kind === "error" ? 12000 : 4000);
}

/**
 * The help dialog's opener: the keys (``shortcuts`` and the ``focused`` ones) in the interface
 * language, shown when ``canOpen()`` allows; the close button closes it and the focus goes back
 * where it was.
 * @param {any[]} shortcuts
 * @param {string[][]} focused
 * @param {() => boolean} canOpen
 * @returns {() => void}
 */
export function helpDialog(shortcuts, focused, canOpen) {
  const dialog = /** @type {HTMLDialogElement} */ ($("help"));
  /** @type {HTMLElement | null} */
  let opener = null;
  $("help-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => opener?.focus());
  return () => {
    if (dialog.open || !canOpen()) return;
    opener = /** @type {HTMLElement | null} */ (document.activeElement);
    $("help-body").replaceChildren(shortcutTable(shortcuts, focused));
    dialog.showModal();
    $("help-close").focus();
  };
}
