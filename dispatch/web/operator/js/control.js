// @ts-check
// Call control at the position (issue 26), in the caller panel for the whole call: hold and
// resume (Alt+3), transfer (Alt+4: blind or attended, to a colleague, another queue, a service's
// desk, a specialist or interpreter from the directory, or a number), add a party to the call
// (Alt+5: a three-way conference), and leave the call to the party on it (Alt+6: the colleague
// takes the call and its card). The parties asked onto the call are listed with where each
// stands (ringing, on the call, busy, no answer...), each one removable. A refusal is said in
// the interface language and changes nothing.

import { api, errorText } from "/common/js/api.js";
import { dialogTurn, field, openDialog, select } from "/common/js/dialogs.js";
import { h, toast } from "/common/js/dom.js";
import { language, t } from "/common/js/i18n.js";

const CONTROLLED = ["connected", "held"];
const OPEN = ["dialing", "connected"];

/** The call's control bar and its parties, or null when the call is not the operator's. */
export function controlBar(call, username) {
  if (!call || !CONTROLLED.includes(call.status) || call.operator !== username) return null;
  const held = call.status === "held";
  const button = (id, label, keys, handler) => h("button", {
    type: "button", id, text: `${t(label)} (${keys})`, onclick: () => handler(call),
  });
  const legs = (call.legs || []).filter((leg) => leg.kind !== "monitor");
  const connected = legs.some((leg) => leg.status === "connected");
  const bar = h("div", { class: "call-control", id: "call-control", role: "group", "aria-label": t("call_control") },
    button("control-hold", held ? "control_resume" : "control_hold", "Alt+3", holdOrResume),
    button("control-transfer", "control_transfer", "Alt+4", transferDialog),
    button("control-conference", "control_conference", "Alt+5", conferenceDialog));
  if (connected) bar.append(button("control-leave", "control_leave", "Alt+6", leave));
  if (held) bar.prepend(h("strong", { class: "held", id: "control-held", text: t("call_status_held") }));
  if (legs.length) bar.append(legList(call, legs));
  return bar;
}

function legList(call, legs) {
  return h("ul", { class: "legs", id: "control-legs" }, ...legs.map((leg) => {
    const item = h("li", { dataset: { legId: leg.id, status: leg.status } },
      h("span", { class: "leg-target", text: leg.target_name || leg.target }),
      h("span", { class: "leg-kind", text: t(`control_kind_${leg.kind}${leg.mode ? `_${leg.mode}` : ""}`) }),
      h("span", { class: "leg-status", text: t(`control_leg_${leg.status}`) }));
    if (OPEN.includes(leg.status)) {
      item.append(h("button", {
        type: "button", class: "leg-remove", text: t("control_remove"),
        onclick: () => removeLeg(call, leg),
      }));
    }
    return item;
  }));
}

async function run(work) {
  try {
    await work();
  } catch (error) {
    toast(`${t("error")}: ${errorText(error)}`, true);
  }
}

/** Alt+3: put the caller on hold, or take them back. */
export function holdOrResume(call) {
  if (!call) return;
  const action = call.status === "held" ? "resume" : "hold";
  return run(async () => {
    await api("POST", `/calls/${call.id}/${action}`);
    toast(t(action === "hold" ? "control_hold_sent" : "control_resume_sent"));
  });
}

/** Alt+6: leave the call to the party on it. */
export function leave(call) {
  if (!call) return;
  return run(async () => {
    await api("POST", `/calls/${call.id}/leave`, { json: {} });
    toast(t("control_left"));
  });
}

function removeLeg(call, leg) {
  return run(() => api("DELETE", `/calls/${call.id}/legs/${leg.id}`));
}

/** The target picker: colleagues (psychologists first), queues, the directory, a number. */
async function targetFields(body, { queues }) {
  const mine = dialogTurn();
  const found = await api("GET", `/transfer-targets?names=${language()}`);
  if (!mine()) return () => ({}); // another dialog was opened meanwhile: not into its body
  const colleagues = found.colleagues.filter((c) => c.available)
    .sort((a, b) => Number(b.psychologist) - Number(a.psychologist) || a.full_name.localeCompare(b.full_name));
  const kinds = [["operator", t("control_target_operator")], ["directory", t("control_target_directory")],
    ...(queues ? [["queue", t("control_target_queue")]] : []), ["number", t("control_target_number")]];
  const kind = select(kinds, colleagues.length ? "operator" : "directory");
  kind.id = "control-target-kind";
  const operator = select(colleagues.map((c) => [c.username,
    `${c.full_name}${c.psychologist ? ` — ${t("control_psychologist")}` : ""}`]), "");
  operator.id = "control-target-operator";
  const directory = select(found.directory.map((e) => [e.id, `${e.name} (${e.number})`]), "");
  directory.id = "control-target-directory";
  const queue = select(found.queues.map((q) => [q.name, q.title]), "");
  queue.id = "control-target-queue";
  const number = h("input", { type: "tel", id: "control-target-number", maxlength: 32, pattern: "\\+?[0-9*#]{2,31}" });
  const fields = { operator: field("control_target_operator", operator),
    directory: field("control_target_directory", directory),
    queue: field("control_target_queue", queue), number: field("control_target_number", number) };
  const show = () => {
    for (const [name, node] of Object.entries(fields)) node.hidden = name !== kind.value;
  };
  kind.addEventListener("change", show);
  body.append(field("control_target", kind), ...Object.entries(fields)
    .filter(([name]) => queues || name !== "queue").map(([, node]) => node));
  show();
  return () => {
    const value = { operator, directory, queue, number }[kind.value].value.trim();
    return value ? { [kind.value]: value } : {};
  };
}

/** Alt+4: transfer the caller, blind or attended. */
export function transferDialog(call) {
  if (!call) return;
  let target = () => ({});
  openDialog({
    name: "transfer",
    title: t("control_transfer"),
    confirmLabel: "control_transfer",
    fill(body) {
      const mode = select([["attended", t("control_kind_transfer_attended")],
        ["blind", t("control_kind_transfer_blind")]], "attended");
      mode.id = "control-mode";
      body.append(field("control_mode", mode));
      targetFields(body, { queues: true }).then((read) => { target = read; })
        .catch((error) => toast(`${t("error")}: ${errorText(error)}`, true));
    },
    async onConfirm() {
      const mode = /** @type {HTMLSelectElement} */ (document.getElementById("control-mode")).value;
      await api("POST", `/calls/${call.id}/transfer`, { json: { mode, target: target() } });
    },
  });
}

/** Alt+5: add a party to the call (a specialist, an interpreter, a colleague). */
export function conferenceDialog(call) {
  if (!call) return;
  let target = () => ({});
  openDialog({
    name: "conference",
    title: t("control_conference"),
    confirmLabel: "control_conference",
    fill(body) {
      targetFields(body, { queues: false }).then((read) => { target = read; })
        .catch((error) => toast(`${t("error")}: ${errorText(error)}`, true));
    },
    async onConfirm() {
      await api("POST", `/calls/${call.id}/conference`, { json: { target: target() } });
    },
  });
}
