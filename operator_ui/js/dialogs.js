// One modal dialog for break reasons, routing, escalation, closing and help. Enter confirms,
// Escape cancels; an error from the server stays in the dialog so nothing is lost.

import { t } from "./i18n.js";

const dialog = () => document.getElementById("dialog");
let pending = null;

/**
 * Open the dialog: ``fill(body)`` builds the content; ``onConfirm()`` runs on Enter or the
 * confirm button and closes the dialog unless it throws (its message is shown).
 */
export function openDialog({ title, fill, onConfirm, confirmLabel = "confirm", hideConfirm = false, name = "" }) {
  const box = dialog();
  if (box.open) box.close();
  box.dataset.name = name;
  document.getElementById("dialog-title").textContent = title;
  const body = document.getElementById("dialog-body");
  body.replaceChildren();
  fill(body);
  document.getElementById("dialog-error").textContent = "";
  const confirm = document.getElementById("dialog-confirm");
  confirm.textContent = t(confirmLabel);
  confirm.hidden = hideConfirm;
  confirm.disabled = false;
  document.getElementById("dialog-cancel").textContent = t(hideConfirm ? "close" : "cancel");
  pending = onConfirm;
  box.showModal();
  const first = body.querySelector("input:not([type=hidden]), select, textarea");
  (first || confirm).focus();
}

export function closeDialog() {
  if (dialog().open) dialog().close();
  pending = null;
}

export function dialogOpen() {
  return dialog().open;
}

export function installDialog() {
  const form = document.getElementById("dialog-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!pending) return closeDialog();
    const confirm = document.getElementById("dialog-confirm");
    confirm.disabled = true;
    try {
      await pending();
      closeDialog();
    } catch (error) {
      document.getElementById("dialog-error").textContent = error.detail || error.message;
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
