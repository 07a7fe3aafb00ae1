// @ts-check
// The supervisor console's panels, each drawn whole from the stream's parts. Rows carry
// data-key (what they show), data-drag (what can be dragged) and data-drop (what they take).

import { hhmm, languageName, named, number, percentage as percent, pick, plural, queueTitle, said, t } from "/common/js/i18n.js";
import { clock, h, since } from "./dom.js";

export const SKILLS = [
  "lang:uz", "lang:ru", "lang:kaa", "lang:en",
  "channel:voice", "channel:video", "channel:sms", "channel:email",
  "sign_language", "psychological_support",
];

/** Skills in the API's shape as flat keys ({"lang:uz": 0, ...}). */
export function flatSkills(skills) {
  const flat = {};
  for (const [code, penalty] of Object.entries(skills?.languages || {})) flat[`lang:${code}`] = penalty;
  for (const [code, penalty] of Object.entries(skills?.channels || {})) flat[`channel:${code}`] = penalty;
  for (const name of ["sign_language", "psychological_support"]) {
    if (skills?.[name] !== null && skills?.[name] !== undefined) flat[name] = skills[name];
  }
  return flat;
}

/** A skill key in words: "Uzbek", "SMS", "Sign language". */
export function skillName(key) {
  if (key.startsWith("lang:")) return named("lang_", key.slice(5), key.slice(5).toUpperCase());
  if (key.startsWith("channel:")) return t(`channel_${key.slice(8)}`);
  return t(`skill_${key}`);
}

/** A queue's name in the interface language (i18n.queueTitle: the names an admin gave, the
 * texts' for a seeded queue, else the server's title). */
export function queueName(parts, code) {
  return queueTitle(code, (parts.queues?.queues || []).find((q) => q.name === code));
}

/** A person's full name (the username of someone the floor does not list). */
export function personName(parts, username) {
  if (!username) return "";
  if (username === parts.me?.username) return parts.me.full_name || username;
  return (parts.operators || []).find((o) => o.username === username)?.full_name || username;
}

function callerOf(parts, callId) {
  const call = (parts.calls || []).find((c) => c.call_id === callId);
  return call ? call.caller || "—" : "";
}

/** The service level a caller lives: the callers still waiting past the target count as
 * missed (``percent_with_waiting``); the answered-only figure where that is not given. */
function honest(target) {
  if (!target) return null;
  return target.percent_with_waiting ?? target.percent;
}

/** The first service-level target of a period: "85% / 90%" ("85 % / 90 %" in Russian), marked
 * when below. */
function level(period) {
  const target = (period?.service_level || []).find((l) => l.target_percent !== null) || null;
  if (!target) return h("span", { text: "—" });
  const shown = honest(target);
  const below = shown !== null && shown < target.target_percent;
  return h("span", {
    class: below ? "below" : "",
    title: `${t("within_seconds", { seconds: number(target.seconds) })} · ${t("sl_answered_only")}: ${percent(target.percent)} · ${t("sl_waiting_past")}: ${number(target.waiting_past || 0)}`,
    text: `${percent(shown)} / ${percent(target.target_percent)}`,
  });
}

function oldestWaiting(parts, queue) {
  const waiting = (parts.calls || []).filter((c) => c.status !== "connected" && (!queue || c.queue === queue));
  return waiting.reduce((oldest, c) => (!oldest || c.entered_at < oldest ? c.entered_at : oldest), null);
}

function button(labelKey, action, key) {
  return h("button", { type: "button", class: "small", text: t(labelKey), dataset: { action, key } });
}

function row(key, attributes, ...cells) {
  return h("tr", { tabindex: "0", ...attributes, dataset: { key, ...(attributes.dataset || {}) } },
    ...cells.map((cell) => (cell instanceof HTMLTableCellElement ? cell : h("td", {}, cell))));
}

function empty(textKey, columns) {
  return h("tr", { class: "empty" }, h("td", { colspan: String(columns), class: "muted", text: t(textKey) }));
}

// -- queues, the overall line, staffing ---------------------------------------------------------

export function queueRows(parts) {
  const queues = parts.queues;
  if (!queues) return [];
  const one = (q, overall) => {
    const oldest = oldestWaiting(parts, overall ? null : q.name);
    return row(q.name, { class: overall ? "overall" : "", dataset: overall ? {} : { drop: "queue", waiting: String(q.waiting) } },
      h("strong", { text: overall ? t("all_queues") : queueName(parts, q.name) }),
      h("strong", { class: q.waiting ? "warn" : "", text: number(q.waiting) }),
      oldest ? since(oldest, { class: "wait" }) : "—",
      level(q.now),
      level(q.today),
      number(q.today.answered),
      number(q.today.abandoned),
      `${number(q.available)} · ${number(q.busy)} · ${number(q.on_break)}`);
  };
  return [one(queues.overall, true), ...queues.queues.map((q) => one(q, false))];
}

export function overallLine(parts) {
  const all = parts.queues?.overall;
  if (!all) return [];
  const oldest = oldestWaiting(parts, null);
  const target = (all.today.service_level || [])[0];
  return [
    `${t("queue_waiting")}: ${number(all.waiting)}`,
    oldest ? " · " : "", oldest ? since(oldest) : "",
    ` · ${t("queue_free")}: ${number(all.available)}`,
    target ? ` · ${t("queue_sl")}: ${percent(honest(target))}` : "",
  ];
}

export function staffingText(staffing) {
  if (!staffing) return [];
  if (!staffing.available) return [t("staffing_unavailable")];
  const text = t("staffing_text", {
    calls: plural("staffing_calls", staffing.calls_per_hour), handle: number(staffing.handle_s),
    needed: plural("staffing_needed", staffing.needed), target: percent(staffing.target_percent),
    seconds: number(staffing.target_seconds), staffed: number(staffing.staffed),
  });
  const verdict = staffing.shortfall
    ? h("strong", { class: "below", text: plural("staffing_short", staffing.shortfall) })
    : h("span", { class: "ok", text: t("staffing_enough") });
  return [
    h("strong", { text: `${t("staffing")}: ` }), text, " — ", verdict,
    ` (${t("staffing_expected", { percent: percent(staffing.expected_percent) })})`,
    staffing.waiting_past_target
      ? h("span", { class: "below", text: ` ${plural("staffing_waiting", staffing.waiting_past_target, { seconds: number(staffing.target_seconds) })}` })
      : null,
    staffing.handle_assumed ? h("small", { class: "muted", text: ` ${t("staffing_assumed")}` }) : null,
  ].filter(Boolean);
}

// -- calls --------------------------------------------------------------------------------------

export function callRows(parts) {
  const calls = parts.calls || [];
  if (!calls.length) return [empty("no_calls", 7)];
  return calls.map((call) => {
    const waiting = call.status !== "connected";
    const ringing = call.status === "offered"
      ? (parts.operators || []).find((o) => o.call_id === call.call_id && o.state === "reserved")?.username
      : null;
    const who = call.operator || ringing;
    const state = [t(`call_${call.status}`)];
    if (call.call_status === "held") state.push(` · ${t("call_status_held")}`);
    for (const leg of call.legs || []) {
      state.push(leg.kind === "monitor"
        ? ` · ${t(`control_kind_monitor_${leg.mode}`)}: ${personName(parts, leg.requested_by)}`
        : ` · ${t(`control_kind_${leg.kind}`)}: ${leg.target_name || leg.target} (${t(`control_leg_${leg.status}`)})`);
    }
    if (call.target_operator) state.push(` · ${t("meant_for", { name: personName(parts, call.target_operator) })}`);
    return row(call.call_id, {
      draggable: waiting ? "true" : null,
      class: waiting ? "" : "connected",
      dataset: { status: call.status, entered: call.entered_at, ...(waiting ? { drag: "call" } : {}) },
    },
      call.position ? String(call.position) : "",
      h("span", {}, h("strong", { text: call.caller || "—" }),
        h("span", { class: "chip", text: t(`channel_${call.channel}`) }),
        h("span", { class: "chip", dataset: { language: call.language }, text: languageName(call.language) }),
        call.priority ? h("span", { class: "chip prio-chip", text: `P${call.priority}` }) : null),
      queueName(parts, call.queue),
      since(waiting ? call.entered_at : call.connected_at || call.entered_at, { class: "wait" }),
      state.join(""),
      personName(parts, who),
      h("span", { class: "row-actions" },
        waiting ? button("move", "move", call.call_id) : null,
        button("takeover", "takeover", call.call_id),
        waiting ? button("priority", "priority", call.call_id) : null,
        ...(waiting ? [] : monitorButtons(call, parts.me?.username))));
  });
}

/** Listen in, whisper to the operator, barge in (Alt+L, Alt+W, Alt+I), or stop (Alt+Shift+L). */
function monitorButtons(call, me) {
  const mine = (call.legs || []).find((leg) => leg.kind === "monitor" && leg.requested_by === me);
  return [
    ...["listen", "whisper", "barge"].filter((mode) => mine?.mode !== mode)
      .map((mode) => button(`monitor_${mode}`, `monitor-${mode}`, call.call_id)),
    mine ? button("monitor_stop", "monitor-stop", call.call_id) : null,
  ];
}

// -- operators ----------------------------------------------------------------------------------

export function operatorRows(parts) {
  const operators = parts.operators || [];
  if (!operators.length) return [empty("no_operators", 8)];
  return operators.map((op) => {
    const skills = flatSkills(op.skills);
    return row(op.username, {
      draggable: "true",
      dataset: { drag: "operator", drop: "operator", state: op.state },
    },
      h("span", {}, h("strong", { text: op.full_name }), h("small", { class: "muted", text: ` ${op.username}` })),
      h("span", {},
        h("span", { class: "state-badge small-badge", dataset: { state: op.state },
          text: t(`state_${op.state}`) + (op.reason ? `: ${said(op.reason, op.reason_code, op.reason_params)}` : "") }),
        " ", since(op.since, { class: "muted" })),
      op.call_id ? callerOf(parts, op.call_id) || "…" : "",
      number(op.calls_today),
      op.handle_s === null ? "—" : clock(op.handle_s),
      op.queues === null ? h("span", { class: "muted", text: t("every_queue") }) : op.queues.map((q) => queueName(parts, q)).join(", "),
      h("span", { class: "skills" }, ...Object.entries(skills).map(([key, penalty]) =>
        h("span", { class: "chip", title: `${t("penalty")}: ${penalty}`, text: `${skillName(key)}${penalty ? ` ${penalty}` : ""}` }))),
      h("span", { class: "row-actions" }, button("change", "operator", op.username)));
  });
}

export function stateDrops() {
  return ["available", "on_break", "signed_out"].map((state) =>
    h("span", { class: "drop state-drop", dataset: { drop: "state", state }, text: t(`state_${state}`) }));
}

export function skillPalette() {
  return SKILLS.map((key) =>
    h("span", { class: "chip skill-chip", draggable: "true", dataset: { drag: "skill", skill: key }, text: skillName(key) }));
}

// -- escalations, cards, follow-up ---------------------------------------------------------------

export function escalationRows(parts) {
  const items = parts.escalations || [];
  if (!items.length) return [empty("none_waiting", 5)];
  return items.map((item) => {
    const status = t(`status_${item.status}`) + (item.taken_by ? ` · ${t("taken_by", { name: personName(parts, item.taken_by) })}` : "");
    return row(item.id, { class: `escalation ${item.status}`, dataset: { status: item.status, call: item.call_id } },
      hhmm(item.raised_at),
      h("span", {}, h("strong", { class: "reason", text: said(item.reason, item.reason_code, item.reason_params) }), h("br"),
        h("small", { class: "muted", text: `${t(`kind_${item.kind}`)} · ${personName(parts, item.raised_by)}` }),
        item.resolution ? h("small", { class: "ok", text: ` · ${item.resolution}` }) : null),
      h("span", { class: "status", text: status }),
      h("span", { class: "row-actions" },
        item.status === "open" ? button("take", "take", item.id) : null,
        item.status !== "resolved" ? button("resolve", "resolve", item.id) : null,
        item.status !== "resolved" ? button("take_over_call", "takeover-escalated", item.id) : null,
        button("recording", "recording-escalated", item.id)));
  });
}

export function cardRows(parts, reference) {
  const cards = parts.cards || [];
  if (!cards.length) return [empty("no_cards_open", 5)];
  return cards.map((card) => {
    const kind = card.incident_type ? reference.types.get(card.incident_type) : null;
    const missing = card.completeness.missing.map((path) => t(`field_${path}`)).join(", ");
    return row(card.id, { dataset: { status: card.status } },
      h("strong", { text: card.number.slice(-6) }),
      personName(parts, card.operator),
      kind ? pick(kind.names) : "—",
      h("span", { class: "completeness-cell" },
        h("meter", { min: "0", max: "100", value: String(card.completeness.percent) }),
        h("strong", { class: "percent", text: ` ${percent(card.completeness.percent, 0)}` }),
        missing ? h("small", { class: "missing", text: ` ${t("missing")}: ${missing}` }) : null),
      since(card.created_at, { class: "muted" }));
  });
}

export function followupRows(parts, reference) {
  const items = parts.followup || [];
  if (!items.length) return [empty("no_followup", 5)];
  return items.map((item) => {
    const key = `${item.card_id}:${item.service}`;
    const service = reference.services.get(item.service);
    return row(key, { dataset: { card: item.card_id, service: item.service } },
      h("strong", { text: item.number.slice(-6) }),
      `${item.service}${service ? ` — ${pick(service.names)}` : ""}`,
      h("span", { class: item.reason === "refused" ? "below" : "warn", text: t(`reason_${item.reason}`) }),
      since(item.since, { class: "muted" }),
      h("span", { class: "row-actions" }, button("resend", "resend", key), button("reroute", "reroute", key)));
  });
}

// -- callbacks ----------------------------------------------------------------------------------

export function callbackSummary(parts) {
  const board = parts.callbacks;
  if (!board) return "";
  return t("callbacks_summary", {
    pending: number(board.pending_count), overdue: number(board.overdue),
    dialing: number(board.dialing.length), unreachable: number(board.unreachable.length),
  });
}

export function callbackRows(parts) {
  const board = parts.callbacks;
  const items = board ? [...board.dialing, ...board.pending, ...board.unreachable] : [];
  if (!items.length) return [empty("no_callbacks", 6)];
  return items.map((task) => {
    const state = task.status === "pending" && task.overdue ? "overdue" : task.status;
    const who = task.operator ? personName(parts, task.operator) : task.preferred_operator ? `→ ${personName(parts, task.preferred_operator)}` : "";
    return row(task.id, { class: `callback ${state}`, dataset: { status: task.status, call: task.call_id } },
      h("strong", { text: task.number }),
      task.card_number ? task.card_number.slice(-6) : "—",
      `${t(`callback_origin_${task.origin}`)} · ${task.attempts}/3`,
      h("span", { class: state === "overdue" || state === "unreachable" ? "below" : "", text: t(`callback_${state}`) + (task.position ? ` #${task.position}` : "") }),
      task.status === "unreachable" ? h("small", { class: "muted", text: said(task.card_note, task.card_note_code, task.card_note_params) }) : who,
      h("span", { class: "row-actions" }, task.status === "pending" || task.status === "dialing" ? button("cancel_callback", "cancel-callback", task.id) : null));
  });
}

// -- alerts -------------------------------------------------------------------------------------

/** One item per queue that has alerts, its alerts (long waits, service level, ring-outs) under it. */
export function alertItems(parts) {
  const groups = new Map();
  for (const alert of parts.alerts || []) {
    if (!groups.has(alert.queue)) groups.set(alert.queue, []);
    groups.get(alert.queue).push(alertItem(parts, alert));
  }
  return [...groups].map(([queue, items]) =>
    h("li", { class: "alert-group", dataset: { queue } },
      h("strong", { text: queueName(parts, queue) }), h("ul", {}, ...items)));
}

function alertItem(parts, alert) {
  const data = { dataset: { kind: alert.kind, key: alert.key } };
  if (alert.kind === "long_wait") {
    data.dataset.call = alert.call_id;
    return h("li", data, `⚠ ${plural("alert_long_wait", alert.count, { threshold: number(alert.threshold_s) })} · `,
      since(alert.since));
  }
  if (alert.kind === "ring_no_answer") {
    return h("li", data, `⚠ ${plural("alert_ring_no_answer", alert.count, {
      minutes: number(alert.window_minutes),
      operators: alert.operators.map((username) => personName(parts, username)).join(", "),
    })}`);
  }
  const waiting = alert.waiting_past ? ` (${plural("alert_waiting_past", alert.waiting_past)})` : "";
  return h("li", data, `⚠ ${t("alert_service_level", {
    period: t(`period_${alert.period}`), percent: percent(alert.percent),
    target: percent(alert.target_percent), seconds: number(alert.seconds),
  })}${waiting}`);
}

// -- the wallboard ------------------------------------------------------------------------------

export function wallboard(parts) {
  const queues = parts.queues;
  if (!queues) return [];
  const tile = (q, overall) => {
    const oldest = oldestWaiting(parts, overall ? null : q.name);
    const today = (q.today.service_level || [])[0];
    const below = today && honest(today) !== null && today.target_percent !== null && honest(today) < today.target_percent;
    return h("section", { class: `tile${overall ? " overall" : ""}${q.waiting ? " busy" : ""}`, dataset: { queue: q.name } },
      h("h3", { text: overall ? t("all_queues") : queueName(parts, q.name) }),
      h("p", { class: "big" }, h("span", { class: "count", text: number(q.waiting) }), h("small", { class: "label", text: ` ${t("waiting")}` })),
      h("p", {}, `${t("longest_wait")}: `, oldest ? since(oldest, { class: "wait" }) : "—"),
      h("p", { class: below ? "below" : "" }, `${t("sl_today")}: ${today ? percent(honest(today)) : "—"}`),
      h("p", { class: "muted", text: `${t("answered")} ${number(q.today.answered)} · ${t("abandoned")} ${number(q.today.abandoned)}` }));
  };
  const counts = {};
  for (const op of parts.operators || []) counts[op.state] = (counts[op.state] || 0) + 1;
  const people = h("section", { class: "tile people" }, h("h3", { text: t("operators") }),
    ...["available", "reserved", "on_call", "wrap_up", "on_break"].map((state) =>
      h("p", { class: "count", dataset: { state } }, h("strong", { text: number(counts[state] || 0) }), ` ${t(`state_${state}`)}`)));
  const active = queues.queues.filter((q) => q.waiting || q.signed_in || q.today.entered);
  const alerts = alertItems(parts);
  return [
    h("ul", { class: "wall-alerts" }, ...(alerts.length ? alerts : [h("li", { class: "ok", text: t("no_alerts") })])),
    h("div", { class: "tiles" }, tile(queues.overall, true), ...active.map((q) => tile(q, false)), people),
    h("p", { class: "wall-staffing" }, ...staffingText(parts.staffing)),
  ];
}
