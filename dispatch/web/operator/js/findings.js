// @ts-check
// The server's verdict on a card about to be closed or routed (issue 19): what contradicts
// itself is shown as an error to correct; each warning gets a checkbox, and only once every
// warning is ticked does the request go again, naming them in ``acknowledge``.

import { ApiError } from "/common/js/api.js";
import { h } from "/common/js/dom.js";
import { t } from "/common/js/i18n.js";

/** The box in a dialog where the verdict is shown. */
export function findingsBox() {
  return h("div", { id: "dialog-findings", class: "findings" });
}

/**
 * ``send(acknowledge)`` with the warnings ticked in ``box``. An untouched warning stops here;
 * a 422 naming reasons or warnings is shown in ``box`` and thrown, so the dialog stays open.
 */
export async function sendChecked(box, send) {
  const unticked = box.querySelector("input[data-warning]:not(:checked)");
  if (unticked) {
    unticked.focus();
    throw new Error(t("finding_acknowledge"));
  }
  const acknowledge = [...box.querySelectorAll("input[data-warning]:checked")]
    .map((input) => input.dataset.warning);
  try {
    return await send(acknowledge);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const body = /** @type {{reasons?: object[], warnings?: object[]}} */ (error.body); // its reasons, warnings
    if (error.status !== 422 || !(body?.reasons?.length || body?.warnings?.length)) throw error;
    show(box, body, new Set(acknowledge));
    throw new Error(t(body.reasons.length ? "finding_fix_card" : "finding_acknowledge"));
  }
}

/** Forget a verdict that no longer applies (the outcome or the services changed). */
export function clearFindings(box) {
  box.replaceChildren();
}

function said(finding) {
  // The person's language; the server's English sentence (with the card's particulars) on hover.
  const key = `finding_${finding.code}`;
  const text = t(key);
  return text === key ? finding.message : text;
}

function show(box, body, ticked) {
  const errors = body.reasons.map((reason) => h("li", {
    class: "finding contradiction", dataset: { code: reason.code }, title: reason.message,
  }, said(reason)));
  const warnings = body.warnings.map((warning) => h("li", {
    class: "finding warning", dataset: { code: warning.code }, title: warning.message,
  }, h("label", { class: "check" },
    h("input", { type: "checkbox", dataset: { warning: warning.code }, checked: ticked.has(warning.code) }),
    said(warning))));
  box.replaceChildren(
    errors.length ? h("ul", { class: "findings-errors", role: "alert" }, ...errors) : "",
    warnings.length ? h("p", { class: "findings-intro", text: t("finding_warnings_intro") }) : "",
    warnings.length ? h("ul", { class: "findings-warnings" }, ...warnings) : "");
  const next = errors.length ? null : box.querySelector("input[data-warning]:not(:checked)");
  next?.focus();
}
