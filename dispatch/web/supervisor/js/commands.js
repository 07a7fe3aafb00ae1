// @ts-check
// What a supervisor does, by command (buttons, dialogs, shortcuts) and by drag and drop: move a
// waiting call, take one over, change its priority; change an operator's state, queues and
// skills; take and resolve escalations; re-send and re-route cards the services stall on.

import { api } from "/common/js/api.js";
import { dialogTurn, field, openDialog, select } from "/common/js/dialogs.js";
import { pick, said, t } from "/common/js/i18n.js";
import { toast } from "/common/js/dom.js";
import { h } from "./dom.js";
import { flatSkills, queueName, SKILLS, skillName } from "./panels.js";

const BREAK_REASONS = ["break_rest", "break_meal", "break_training", "break_technical", "break_other"];

/** The value of the open dialog's field ``id`` (an input, a list to choose from, a text area). */
function valueOf(id) {
  return /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */ (document.getElementById(id)).value;
}

/** Whether the open dialog's box (or radio button) ``id`` is ticked. */
function ticked(id) {
  return /** @type {HTMLInputElement} */ (document.getElementById(id)).checked;
}

/** The boxes ``selector`` finds in the open dialog. */
function boxes(selector) {
  return /** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll(selector));
}

/** Enter confirms from a text area too, as from every other field (Shift+Enter: a new line). */
function enterConfirms(textarea) {
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey) {
      event.preventDefault();
      /** @type {HTMLFormElement} */ (document.getElementById("dialog-form")).requestSubmit();
    }
  });
  return textarea;
}

/** Skills as flat keys back into the API's shape. */
function apiSkills(flat) {
  const skills = { languages: {}, channels: {}, sign_language: null, psychological_support: null };
  for (const [key, penalty] of Object.entries(flat)) {
    if (key.startsWith("lang:")) skills.languages[key.slice(5)] = penalty;
    else if (key.startsWith("channel:")) skills.channels[key.slice(8)] = penalty;
    else skills[key] = penalty;
  }
  return skills;
}

// -- calls --------------------------------------------------------------------------------------

export function moveCall(callId, where) {
  return api("POST", `/calls/${callId}/move`, { json: where });
}

export function takeOver(callId) {
  return api("POST", `/calls/${callId}/takeover`);
}

export function moveDialog(call, parts) {
  openDialog({
    name: "move",
    title: t("move_call", { caller: call.caller || "—" }),
    fill(body) {
      const queues = (parts.queues?.queues || []).filter((q) => q.name !== call.queue);
      const toQueue = h("input", { type: "radio", name: "move-to", value: "queue", id: "move-to-queue", checked: true });
      const toOperator = h("input", { type: "radio", name: "move-to", value: "operator", id: "move-to-operator" });
      const queue = select(queues.map((q) => [q.name, queueName(parts, q.name)]), queues[0]?.name);
      queue.id = "move-queue";
      const operator = select((parts.operators || []).map((o) => [o.username, `${o.full_name} — ${t(`state_${o.state}`)}`]));
      operator.id = "move-operator";
      queue.addEventListener("focus", () => (toQueue.checked = true));
      operator.addEventListener("focus", () => (toOperator.checked = true));
      body.append(
        h("p", { class: "muted", text: t("move_where") }),
        h("label", { class: "check" }, toQueue, t("to_queue")), field("queue", queue),
        h("label", { class: "check" }, toOperator, t("to_operator")), field("operator", operator));
    },
    async onConfirm() {
      const toQueue = ticked("move-to-queue");
      const where = toQueue
        ? { queue: valueOf("move-queue") }
        : { operator: valueOf("move-operator") };
      await moveCall(call.call_id, where);
    },
  });
  // The field to fill is the queue (its radio is already chosen), or the operator when no other
  // queue is left; the dialog would otherwise focus the radio button above it.
  const queue = /** @type {HTMLSelectElement} */ (document.getElementById("move-queue"));
  (queue.options.length ? queue : document.getElementById("move-operator")).focus();
}

/** Listen in, whisper to the operator or barge in (again with another mode: change it). */
export function monitor(callId, mode) {
  return api("POST", `/calls/${callId}/monitor`, { json: { mode } });
}

/** Leave the call the supervisor monitors. */
export function stopMonitor(callId) {
  return api("DELETE", `/calls/${callId}/monitor`);
}

/** The call's recording, played here; each start of playback is audited (as QA's plays are). */
export async function recordingDialog(callId, caller) {
  const turn = dialogTurn();
  const review = await api("GET", `/qa/calls/${callId}`);
  if (!turn()) return; // another dialog was opened meanwhile
  const url = review.call.media_url;
  openDialog({
    name: "recording",
    title: t("recording_title", { caller: caller || review.call.caller_number || "—" }),
    hideConfirm: true,
    fill(body) {
      if (!url) {
        body.append(h("p", { class: "muted", id: "recording-none", text: t("recording_none") }));
        return;
      }
      const audio = /** @type {HTMLAudioElement} */ (h("audio", { id: "recording-audio", controls: true, preload: "none", src: url }));
      audio.addEventListener("play", () => {
        api("POST", `/qa/calls/${callId}/plays`, { json: { position_s: audio.currentTime || 0 } })
          .catch((error) => toast(`${t("error")}: ${error.detail || error.message}`, true));
      });
      body.append(audio);
    },
  });
}

export function takeoverDialog(callId, caller) {
  openDialog({
    name: "takeover",
    title: t("takeover_title", { caller: caller || "—" }),
    confirmLabel: "takeover",
    fill: (body) => body.append(h("p", { text: t("takeover_text") })),
    onConfirm: () => takeOver(callId),
  });
}

export function priorityDialog(call) {
  openDialog({
    name: "priority",
    title: t("set_priority", { caller: call.caller || "—" }),
    fill(body) {
      const choose = select([...Array(10).keys()].map((n) => [String(n), String(n)]), String(call.priority));
      choose.id = "priority-value";
      body.append(field("priority", choose), h("p", { class: "muted", text: t("priority_hint") }));
    },
    onConfirm: () => api("POST", `/calls/${call.call_id}/priority`, {
      json: { priority: Number(valueOf("priority-value")) },
    }),
  });
}

// -- operators ----------------------------------------------------------------------------------

/** Change an operator's state; a break's reason is one of BREAK_REASONS (its text and code). */
export function setState(username, state, reasonCode = null) {
  const reason = reasonCode ? { reason: t(reasonCode), reason_code: reasonCode } : {};
  return api("POST", `/operators/${username}/state`, { json: { state, ...reason } });
}

export function setQueues(username, queues) {
  return api("PUT", `/operators/${username}/queues`, { json: { queues } });
}

export function setSkills(username, flat) {
  return api("PUT", `/operators/${username}/skills`, { json: apiSkills(flat) });
}

/** Drop on a state: a break asks for its reason first. */
export function stateByDrop(operator, state) {
  if (state !== "on_break") return setState(operator.username, state);
  openDialog({
    name: "break",
    title: `${operator.full_name}: ${t("break_reason")}`,
    fill(body) {
      const reasons = select(BREAK_REASONS.map((key) => [key, t(key)]), BREAK_REASONS[0]);
      reasons.id = "break-reason";
      body.append(field("break_reason", reasons));
    },
    onConfirm: () => setState(operator.username, "on_break", valueOf("break-reason")),
  });
  return Promise.resolve(null);
}

/** Drop a skill on an operator: they get it (penalty 0) unless they have it. */
export function giveSkill(operator, key) {
  const flat = flatSkills(operator.skills);
  if (key in flat) return Promise.resolve(null);
  return setSkills(operator.username, { ...flat, [key]: 0 });
}

export function operatorDialog(operator, parts) {
  const flat = flatSkills(operator.skills);
  const keys = [...new Set([...SKILLS, ...Object.keys(flat)])];
  const queueNames = (parts.queues?.queues || []).map((q) => q.name);
  openDialog({
    name: "operator",
    title: t("change_operator", { name: `${operator.full_name} (${operator.username})` }),
    fill(body) {
      const state = select([["", `${t(`state_${operator.state}`)} — ${t("keep")}`],
        ...["available", "on_break", "signed_out"].map((s) => [s, t(`state_${s}`)])], "");
      state.id = "operator-state";
      const reason = select(BREAK_REASONS.map((key) => [key, t(key)]), BREAK_REASONS[0]);
      reason.id = "operator-break-reason";
      const every = h("input", { type: "checkbox", id: "operator-every-queue", checked: operator.queues === null });
      const queues = h("div", { class: "choices columns", id: "operator-queues" },
        ...queueNames.map((name) => h("label", { class: "check" },
          h("input", { type: "checkbox", value: name, checked: operator.queues?.includes(name) }), queueName(parts, name))));
      const skills = h("div", { class: "choices columns", id: "operator-skills" },
        ...keys.map((key) => h("label", { class: "check" },
          h("input", { type: "checkbox", value: key, checked: key in flat }),
          skillName(key),
          h("input", { type: "number", min: "0", max: "9", class: "penalty", value: String(flat[key] ?? 0),
            "aria-label": t("penalty"), dataset: { penaltyFor: key } }))));
      const reasonField = field("break_reason", reason);
      const showReason = () => (reasonField.hidden = state.value !== "on_break");
      state.addEventListener("change", showReason);
      showReason();
      body.append(
        field("state", state), reasonField,
        h("h3", { text: t("queues") }), h("label", { class: "check" }, every, t("serve_every_queue")), queues,
        h("h3", { text: `${t("skills")} (${t("penalty")})` }), skills);
    },
    async onConfirm() {
      const state = valueOf("operator-state");
      if (state) {
        const reason = state === "on_break" ? valueOf("operator-break-reason") : null;
        await setState(operator.username, state, reason);
      }
      const every = ticked("operator-every-queue");
      const chosen = [...boxes("#operator-queues input:checked")].map((i) => i.value);
      const queues = every ? null : chosen.sort();
      if (JSON.stringify(queues) !== JSON.stringify(operator.queues === null ? null : [...operator.queues].sort())) {
        await setQueues(operator.username, queues);
      }
      const wanted = {};
      for (const box of boxes("#operator-skills input[type=checkbox]:checked")) {
        /** @type {HTMLInputElement} */
        const penalty = document.querySelector(`#operator-skills input[data-penalty-for="${box.value}"]`);
        wanted[box.value] = Math.min(9, Math.max(0, Number(penalty.value) || 0));
      }
      if (JSON.stringify(Object.entries(wanted).sort()) !== JSON.stringify(Object.entries(flat).sort())) {
        await setSkills(operator.username, wanted);
      }
    },
  });
}

// -- escalations --------------------------------------------------------------------------------

export function takeEscalation(id) {
  return api("POST", `/escalations/${id}/take`);
}

export function resolveDialog(escalation, name) {
  openDialog({
    name: "resolve",
    title: t("resolve_title", { name }),
    confirmLabel: "resolve",
    fill(body) {
      const text = enterConfirms(h("textarea", { id: "resolution", rows: "3", maxlength: "2000" }));
      const reason = said(escalation.reason, escalation.reason_code, escalation.reason_params);
      body.append(h("p", { class: "reason", text: reason }), field("resolution", text));
    },
    onConfirm: () => api("POST", `/escalations/${escalation.id}/resolve`, {
      json: { resolution: valueOf("resolution").trim() },
    }),
  });
}

// -- callbacks ------------------------------------------------------------------------------------

export function cancelCallbackDialog(task) {
  openDialog({
    name: "cancel-callback",
    title: t("cancel_callback_title", { number: task.number }),
    confirmLabel: "cancel_callback",
    fill(body) {
      const text = enterConfirms(h("textarea", { id: "cancel-reason", rows: "2", maxlength: "500" }));
      body.append(field("callback_cancel_reason", text));
    },
    onConfirm: () => api("POST", `/callbacks/${task.id}/cancel`, {
      json: { reason: valueOf("cancel-reason").trim() },
    }),
  });
}

// -- the services' follow-up --------------------------------------------------------------------

export function resend(item) {
  return api("POST", `/feeds/${item.service}/cards/${item.card_id}/resend`);
}

export function rerouteDialog(item, services) {
  openDialog({
    name: "reroute",
    title: t("reroute_title", { number: item.number }),
    confirmLabel: "reroute",
    fill(body) {
      body.append(h("div", { class: "choices", id: "reroute-services" },
        ...[...services.values()].filter((s) => s.active && s.code !== item.service).map((s) =>
          h("label", { class: "check" }, h("input", { type: "checkbox", value: s.code }), `${s.code} — ${pick(s.names)}`))));
    },
    async onConfirm() {
      const chosen = [...boxes("#reroute-services input:checked")].map((i) => i.value);
      if (!chosen.length) throw new Error(t("choose_service"));
      await api("POST", `/cards/${item.card_id}/reroute`, { json: { services: chosen } });
    },
  });
}
