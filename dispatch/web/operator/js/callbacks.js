// @ts-check
// The callbacks panel: my dial with its outcome buttons, the pending list in the order the
// ACD hands tasks out (take one by hand), overdue ones marked.

import { api, errorText } from "/common/js/api.js";
import { h } from "/common/js/dom.js";
import { hhmm, t } from "/common/js/i18n.js";

export const OUTCOMES = ["reached", "no_answer", "busy", "voicemail", "invalid_number", "refused"];

function label(task) {
  const card = task.card_number ? ` · ${task.card_number}` : "";
  return `${task.number}${card} · ${t(`callback_origin_${task.origin}`)} · ${t("callback_attempts")} ${task.attempts}/3`;
}

/** Render the ``callbacks`` part into ``node`` for ``username``; ``hooks`` = {toast, onReached}. */
export function renderCallbacks(node, board, username, hooks) {
  if (!board || !board.available) {
    node.replaceChildren(h("p", { class: "muted" }, t("callbacks_none")));
    return;
  }
  const rows = [];
  for (const task of board.dialing.filter((item) => item.operator === username)) {
    rows.push(h("li", { class: "callback mine", dataset: { callbackId: task.id, status: "dialing" } },
      h("strong", {}, `${t("callback_dialing")} ${label(task)}`),
      h("div", { class: "callback-outcomes" }, ...OUTCOMES.map((outcome) =>
        h("button", { type: "button", dataset: { outcome }, onclick: () => record(task, outcome, hooks) },
          t(`outcome_${outcome}`))))));
  }
  for (const task of board.pending) {
    const due = task.overdue ? ` · ${t("callback_overdue")}` : ` · ${hhmm(task.due_at)}`;
    rows.push(h("li", { class: task.overdue ? "callback overdue" : "callback", dataset: { callbackId: task.id, status: "pending" } },
      h("span", {}, `${task.position}. ${label(task)}${due}`),
      h("button", { type: "button", onclick: () => take(task, hooks) }, t("callback_take"))));
  }
  if (!rows.length) rows.push(h("li", { class: "muted" }, t("callbacks_none")));
  const head = h("p", { class: "muted" },
    `${t("callbacks_pending")}: ${board.pending_count}` + (board.overdue ? ` · ${t("callback_overdue")}: ${board.overdue}` : ""));
  node.replaceChildren(head, h("ul", { class: "callback-list" }, ...rows));
}

async function take(task, hooks) {
  try {
    await api("POST", `/callbacks/${task.id}/take`);
  } catch (error) {
    hooks.toast(`${t("error")}: ${errorText(error)}`, true);
  }
}

const recording = new Set(); // tasks whose outcome is on its way: a second click waits for it

async function record(task, outcome, hooks) {
  if (recording.has(task.id)) return;
  recording.add(task.id);
  // The open dial named: the server refuses a repeat of its outcome (a second click after the
  // first was stored, the list not yet redrawn) instead of counting another attempt.
  const dial = task.history?.find((attempt) => attempt.outcome == null && attempt.ended_at == null);
  try {
    const done = await api("POST", `/callbacks/${task.id}/attempts`, { json: { outcome, ...(dial ? { attempt_id: dial.id } : {}) } });
    hooks.toast(`${t(`outcome_${outcome}`)} — ${t(`callback_status_${done.status}`)}`);
    if (done.status === "reached" && done.card_id) await hooks.onReached(done);
  } catch (error) {
    hooks.toast(`${t("error")}: ${errorText(error)}`, true);
  } finally {
    recording.delete(task.id);
  }
}
