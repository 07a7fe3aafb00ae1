// @ts-check
// The surge policy on the supervisor's floor: the banner while the centre is in surge (as on
// every operator's console), the policy's state always shown under the staffing hint (mode, in
// surge or not, since when, why), and the dialog switching it (Alt+U or the button beside the
// state): automatic, or on or off by hand with a reason, which the server requires (PUT
// /api/v1/surge; its refusal stays in the dialog). Escape closes the dialog and sends nothing.

import { api } from "/common/js/api.js";
import { field, openDialog } from "/common/js/dialogs.js";
import { toast } from "/common/js/dom.js";
import { t } from "/common/js/i18n.js";
import { drawSurgeBanner, surgeTime, surgeWhy } from "/common/js/surge.js";
import { h } from "./dom.js";

const MODES = ["auto", "on", "off"];

/** The part as last drawn (the dialog starts from its mode). */
let shown = null;

/** The policy in one line: its mode, in surge or not (since when), and why. */
export function surgeState(surge) {
  const since = surge.active && surge.since ? ` ${t("surge_since", { time: surgeTime(surge.since) })}` : "";
  const state = surge.active ? `${t("surge_active")}${since}` : t("surge_not_active");
  return `${t("surge_policy")}: ${t(`surge_mode_${surge.mode}`)} · ${state} — ${surgeWhy(surge)}`;
}

/** Draw the `surge` part: the banner above the floor and the state under the staffing hint. */
export function drawSurge(surge) {
  shown = surge || null;
  drawSurgeBanner(document.getElementById("surge"), surge);
  const state = document.getElementById("surge-now");
  state.textContent = surge ? surgeState(surge) : "";
  state.dataset.mode = surge?.mode || "";
  state.dataset.active = String(Boolean(surge?.active));
  state.classList.toggle("warn", Boolean(surge?.active));
}

/** Set the surge mode: automatic, or on or off by hand with a reason. */
export function surgeDialog() {
  const current = shown?.mode || "auto";
  openDialog({
    name: "surge",
    title: t("surge_dialog_title"),
    confirmLabel: "surge_set",
    fill(body) {
      const reason = h("input", {
        id: "surge-reason", maxlength: 500, autocomplete: "off",
        "aria-describedby": "surge-reason-hint", "aria-required": String(current !== "auto"),
      });
      const choices = MODES.map((mode) => h("label", { class: "check" },
        h("input", {
          type: "radio", name: "surge-mode", value: mode, id: `surge-mode-${mode}`, checked: mode === current,
          onchange: () => reason.setAttribute("aria-required", String(mode !== "auto")),
        }),
        t(`surge_choice_${mode}`)));
      body.append(
        shown ? h("p", { id: "surge-dialog-state", text: surgeState(shown) }) : null,
        h("fieldset", { class: "surge-modes" }, h("legend", { text: t("surge_mode") }), ...choices),
        field("surge_reason", reason),
        h("p", { id: "surge-reason-hint", class: "muted", text: t("surge_reason_hint") }));
    },
    async onConfirm() {
      const chosen = /** @type {?HTMLInputElement} */ (document.querySelector('input[name="surge-mode"]:checked'));
      const reason = /** @type {HTMLInputElement} */ (document.getElementById("surge-reason")).value.trim();
      // A blank reason is the server's to refuse (422): its words stay in the dialog.
      const found = await api("PUT", "/surge", { json: { mode: chosen?.value || "auto", reason: reason || null } });
      toast(t("surge_set_done", { mode: t(`surge_mode_${found.mode}`) }));
    },
  });
  // The mode in force has the focus (the arrows choose another), not the first of the three.
  document.getElementById(`surge-mode-${current}`).focus();
}
