// @ts-check
// Caller marks: the supervisor lists the numbers marked now, marks one (repeat nuisance caller,
// with a reason and an expiry of at most 90 days; or needing special handling, e.g. a deaf
// caller who texts) and revokes a mark. A mark only warns the operator who takes a call from
// the number; it never blocks a call or lowers its priority. One dialog, Alt+K or the button.

import { api, errorText } from "/common/js/api.js";
import { dialogTurn, field, openDialog, select, StayOpen } from "/common/js/dialogs.js";
import { toast } from "/common/js/dom.js";
import { dateTime, t } from "/common/js/i18n.js";
import { h } from "./dom.js";

const KINDS = ["nuisance", "special_handling"];

const HISTORY_DAYS = 90;

function historyTable(history) {
  if (!history.calls.length) return h("p", { class: "muted", id: "number-history-empty", text: t("caller_number_no_calls") });
  const head = h("tr", {}, ...["caller_history_when", "caller_channel", "caller_history_call", "caller_history_card",
    "caller_history_card_status", "outcome"].map((key) => h("th", { scope: "col", text: t(key) })));
  const rows = history.calls.map((call) => {
    const card = call.card;
    return h("tr", { dataset: { callId: call.id } },
      h("td", { text: dateTime(call.created_at) }),
      h("td", { text: t(`channel_${call.channel}`) }),
      h("td", { text: t(`call_status_${call.status}`) }),
      h("td", { class: "card-number", text: card ? card.number : t("caller_history_no_card") }),
      h("td", { text: card ? t(`card_status_${card.status}`) : "" }),
      h("td", { text: card && card.outcome ? t(`outcome_${card.outcome}`) : "" }));
  });
  return h("table", { class: "grid", id: "number-history" }, h("thead", {}, head), h("tbody", {}, ...rows));
}

/** The number's calls of the last 90 days with their cards and outcomes, and every mark it had. */
async function historyDialog(number) {
  const turn = dialogTurn();
  const history = await api("GET", `/callers/${encodeURIComponent(number)}/history?days=${HISTORY_DAYS}`);
  if (!turn()) return; // another dialog was opened meanwhile
  openDialog({
    name: "number-history",
    title: t("caller_number_history", { number: history.number, days: HISTORY_DAYS }),
    hideConfirm: true,
    fill(body) {
      body.append(historyTable(history));
      if (history.truncated) body.append(h("p", { class: "muted", text: t("caller_history_more") }));
      const marks = history.marks.map((mark) => h("li", {
        text: `${t(`caller_mark_${mark.kind}`)} — ${mark.reason} — ${dateTime(mark.created_at)}, ${mark.created_by}` +
          (mark.revoked_at ? ` (${t("caller_mark_revoke")}: ${dateTime(mark.revoked_at)}, ${mark.revoked_by})` : ""),
      }));
      if (marks.length) body.append(h("h3", { text: t("caller_marks") }), h("ul", { id: "number-marks" }, ...marks));
    },
  });
}

function markRow(mark) {
  const button = h("button", {
    type: "button", class: "mark-revoke", dataset: { markId: mark.id },
    text: t("caller_mark_revoke"), "aria-label": `${t("caller_mark_revoke")}: ${mark.number}`,
    onclick: () => revoke(mark),
  });
  const history = h("button", {
    type: "button", class: "mark-history", text: t("caller_mark_history"),
    "aria-label": `${t("caller_mark_history")}: ${mark.number}`,
    onclick: () => historyDialog(mark.number).catch((error) => toast(error.message, true)),
  });
  return h("tr", { dataset: { markId: mark.id } },
    h("td", { class: "mark-number", text: mark.number }),
    h("td", { text: t(`caller_mark_${mark.kind}`) }),
    h("td", { text: mark.reason, title: mark.note || undefined }),
    h("td", { text: mark.expires_at ? dateTime(mark.expires_at) : "—" }),
    h("td", { text: mark.created_by }),
    h("td", {}, history, " ", button));
}

function marksTable(marks) {
  if (!marks.length) return h("p", { class: "muted", id: "marks-empty", text: t("caller_marks_none") });
  const head = h("tr", {}, ...["caller_mark_number", "caller_mark_kind", "caller_mark_reason",
    "caller_mark_expires", "caller_mark_by", "caller_mark_actions"].map((key) => h("th", { scope: "col", text: t(key) })));
  return h("table", { class: "grid marks", id: "marks-table" },
    h("caption", { class: "muted", text: t("caller_marks_active") }),
    h("thead", {}, head), h("tbody", {}, ...marks.map(markRow)));
}

async function revoke(mark) {
  try {
    await api("DELETE", `/caller-marks/${mark.id}`);
    toast(t("caller_mark_revoked", { number: mark.number }));
    await marksDialog();
  } catch (error) {
    document.getElementById("dialog-error").textContent = errorText(error);
  }
}

/** The end of the chosen day in the browser's time zone, as the API takes it. */
function endOfDay(value) {
  if (!value) return null;
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year, month - 1, day, 23, 59, 59).toISOString();
}

/** Open the marks dialog: the active marks (each revocable) and the form for a new one. */
export async function marksDialog() {
  const turn = dialogTurn();
  const marks = await api("GET", "/caller-marks");
  if (!turn()) return; // another dialog was opened meanwhile
  openDialog({
    name: "caller-marks",
    title: t("caller_marks_title"),
    confirmLabel: "caller_mark_add",
    fill(body) {
      const kind = select(KINDS.map((k) => [k, t(`caller_mark_${k}`)]), "nuisance");
      kind.id = "mark-kind";
      const expires = h("input", { type: "date", id: "mark-expires" });
      const inDays = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
      expires.min = inDays(0);
      expires.max = inDays(90);
      expires.value = inDays(30);
      kind.addEventListener("change", () => {
        expires.max = kind.value === "nuisance" ? inDays(90) : "";
        expires.required = kind.value === "nuisance";
      });
      expires.required = true;
      body.append(
        h("section", { class: "marks-new", "aria-labelledby": "marks-new-title" },
          h("h3", { id: "marks-new-title", text: t("caller_mark_new") }),
          field("caller_mark_number", h("input", { id: "mark-number", inputmode: "tel", autocomplete: "off", maxlength: 32, required: true })),
          field("caller_mark_kind", kind),
          field("caller_mark_reason", h("input", { id: "mark-reason", maxlength: 500, required: true })),
          field("caller_mark_note", h("input", { id: "mark-note", maxlength: 2000 })),
          field("caller_mark_expires", expires),
          h("p", { class: "muted", text: t("caller_mark_hint") })),
        marksTable(marks));
    },
    async onConfirm() {
      const value = (id) => /** @type {HTMLInputElement | HTMLSelectElement} */ (document.getElementById(id)).value.trim();
      const created = await api("POST", "/caller-marks", {
        json: {
          number: value("mark-number"),
          kind: value("mark-kind"),
          reason: value("mark-reason"),
          note: value("mark-note") || null,
          expires_at: endOfDay(value("mark-expires")),
        },
      });
      toast(t("caller_mark_added", { number: created.number }));
      await marksDialog(); // the list with the new mark; the form empty for the next
      throw new StayOpen();
    },
  });
}
