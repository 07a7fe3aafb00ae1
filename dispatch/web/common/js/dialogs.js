// @ts-check
// One modal dialog for break reasons, routing, escalation, closing and help. Enter confirms,
// Escape cancels; an error from the server stays in the dialog so nothing is lost. A dialog may
// ask a second question on top of itself (askConfirm): Enter confirms it, Escape goes back.

import { errorText } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

const dialog = () => /** @type {HTMLDialogElement} */ (document.getElementById("dialog"));
const confirmButton = () => /** @type {HTMLButtonElement} */ (document.getElementById("dialog-confirm"));
/** @type {?() => unknown} */
let pending = null;
/** @type {?(yes: boolean) => void} */
let asking = null; // the open question's answer: resolve(true | false)
let openings = 0; // how many times a dialog was opened

/**
 * For what a dialog shows after a wait (the server's answer): taken before the wait, the
 * function returned is false once another dialog was opened meanwhile, and the late answer is
 * then dropped instead of replacing the dialog the person opened since (and what they typed).
 * Taken inside ``fill``, it keeps a late part out of the body of a dialog opened after it.
 * @returns {() => boolean}
 */
export function dialogTurn() {
  const seen = openings;
  return () => seen === openings;
}

/** Thrown by a dialog's ``onConfirm`` to stay open without an error (the person went back). */
export class StayOpen extends Error {}

/**
 * Open the dialog: ``fill(body)`` builds the content; ``onConfirm()`` runs on Enter or the
 * confirm button and closes the dialog unless it throws (its message is shown). Without
 * ``onConfirm`` (a dialog only to read: ``hideConfirm``), Enter closes it.
 * @param {{title: string, fill: (body: HTMLElement) => void, onConfirm?: () => unknown,
 *   confirmLabel?: string, hideConfirm?: boolean, name?: string}} options
 */
export function openDialog({ title, fill, onConfirm, confirmLabel = "confirm", hideConfirm = false, name = "" }) {
  const box = dialog();
  if (box.open) box.close();
  openings += 1;
  box.dataset.name = name;
  document.getElementById("dialog-title").textContent = title;
  const body = document.getElementById("dialog-body");
  body.replaceChildren();
  fill(body);
  document.getElementById("dialog-error").textContent = "";
  const confirm = confirmButton();
  confirm.textContent = t(confirmLabel);
  confirm.hidden = hideConfirm;
  confirm.disabled = false;
  document.getElementById("dialog-cancel").textContent = t(hideConfirm ? "close" : "cancel");
  pending = onConfirm;
  box.showModal();
  const first = /** @type {?HTMLElement} */ (body.querySelector("input:not([type=hidden]), select, textarea"));
  (first || confirm).focus();
}

export function closeDialog() {
  answer(false);
  if (dialog().open) dialog().close();
  pending = null;
}

export function dialogOpen() {
  return dialog().open;
}

/** Escape: back from a question to its dialog, else close the dialog; false when neither. */
export function escapeDialog() {
  if (asking) answer(false);
  else if (dialogOpen()) closeDialog();
  else return false;
  return true;
}

/** @returns {HTMLDialogElement} */
function questionBox() {
  const open = /** @type {?HTMLDialogElement} */ (document.getElementById("question"));
  if (open) return open;
  const box = h("dialog", { id: "question", class: "dialog question", "aria-labelledby": "question-title", "aria-describedby": "question-text" },
    h("form", { method: "dialog", id: "question-form" },
      h("h2", { id: "question-title" }),
      h("p", { id: "question-text" }),
      h("menu", {},
        h("button", { type: "button", id: "question-back", onclick: () => answer(false) }),
        h("button", { type: "submit", class: "primary", id: "question-confirm" }))));
  box.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    answer(true);
  });
  // The browser's own Escape (when no shortcut handler took it) goes back too.
  box.addEventListener("cancel", (event) => {
    event.preventDefault();
    answer(false);
  });
  document.body.append(box);
  return box;
}

/** @param {boolean} yes */
function answer(yes) {
  if (!asking) return;
  const resolve = asking;
  asking = null;
  const box = /** @type {?HTMLDialogElement} */ (document.getElementById("question"));
  if (box?.open) box.close();
  resolve(yes);
}

/**
 * Ask on top of the open dialog: ``text`` with a confirm and a back button. Resolves true on
 * Enter or confirm (the focus starts on confirm), false on Escape or back.
 * @param {{title: string, text: string, confirmLabel?: string, backLabel?: string, name?: string}} question
 * @returns {Promise<boolean>}
 */
export function askConfirm({ title, text, confirmLabel = "confirm", backLabel = "back", name = "" }) {
  answer(false);
  const box = questionBox();
  box.dataset.name = name;
  document.getElementById("question-title").textContent = title;
  document.getElementById("question-text").textContent = text;
  document.getElementById("question-confirm").textContent = t(confirmLabel);
  document.getElementById("question-back").textContent = t(backLabel);
  /** @type {Promise<boolean>} */
  const answered = new Promise((resolve) => {
    asking = resolve;
  });
  box.showModal();
  document.getElementById("question-confirm").focus();
  return answered;
}

export function installDialog() {
  const form = /** @type {HTMLFormElement} */ (document.getElementById("dialog-form"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!pending) return closeDialog();
    const confirm = confirmButton();
    confirm.disabled = true;
    try {
      await pending();
      closeDialog();
    } catch (error) {
      if (!(error instanceof StayOpen)) {
        document.getElementById("dialog-error").textContent = errorText(error);
      }
    } finally {
      confirm.disabled = false;
    }
  });
  document.getElementById("dialog-cancel").addEventListener("click", closeDialog);
  // Enter confirms from every field of a dialog, a list to choose from or a box to tick
  // included (browsers submit only from text fields); Shift+Enter and text areas keep it.
  form.addEventListener("keydown", (event) => {
    const target = event.target;
    const choice = target instanceof HTMLSelectElement ||
      (target instanceof HTMLInputElement && ["checkbox", "radio"].includes(target.type));
    if (event.key !== "Enter" || event.shiftKey || event.altKey || !choice) return;
    event.preventDefault();
    form.requestSubmit();
  });
}

/** A labelled field for dialogs. */
export function field(labelKey, control) {
  const label = document.createElement("label");
  label.className = "field";
  const span = document.createElement("span");
  span.textContent = t(labelKey);
  label.append(span, control);
  return label;
}

/** A <select> of (value, text) pairs. */
export function select(options, value) {
  const node = document.createElement("select");
  for (const [optionValue, text] of options) {
    const option = new Option(text, optionValue, false, optionValue === value);
    node.append(option);
  }
  return node;
}
