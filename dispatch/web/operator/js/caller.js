// @ts-check
// The caller panel: who is calling and from where, in sight for the whole call (above the card,
// never scrolled away with it): number, channel, language, location with its uncertainty and
// source, the call's running time; and the caller's earlier calls and cards of the last 30 days
// one key away (Alt+O, a dialog that Escape closes). A supervisor's marks on the number show
// first, as a warning line (the call is handled as any other); the caller's files as buttons
// that download them. Call control (hold, transfer, conference: control.js) sits at its end.

import { api, ApiError, errorText, token } from "/common/js/api.js";
import { dialogTurn, openDialog } from "/common/js/dialogs.js";
import { h, toast } from "/common/js/dom.js";
import { dateTime, languageName, number, pick, t } from "/common/js/i18n.js";

const panel = { call: null, state: null, now: () => Date.now() };

function metres(value) {
  return number(value);
}

/** Where the caller is: the phone's AML position when one came, else the call's own. */
function position(call) {
  const aml = call.aml;
  if (aml && aml.lat != null && aml.lon != null) {
    return { lat: aml.lat, lon: aml.lon, radius_m: aml.radius_m, source: "aml" };
  }
  return call.location || null;
}

function locationText(point) {
  if (!point) return t("caller_location_unknown");
  const place = `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}`;
  const radius = point.radius_m != null ? ` ± ${metres(point.radius_m)} ${t("metres")}` : "";
  return `${place}${radius} · ${t(`source_${point.source || "network"}`)}`;
}

/** The moment the call's time counts from: answered, else when this operator took it. */
function startedAt(call, state) {
  if (call.answered_at) return Date.parse(call.answered_at);
  if (state && state.call_id === call.id && state.since) return Date.parse(state.since);
  return Date.parse(call.created_at);
}

function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(hours ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

function item(name, label, value) {
  return h("div", { class: `caller-item caller-${name}` },
    h("span", { class: "caller-label", text: label }),
    h("span", { class: "caller-value", id: `caller-${name}`, text: value }));
}

/** "Repeat nuisance caller — reason — until date; the call is handled as any other". */
function markText(mark) {
  const until = mark.expires_at ? ` — ${t("caller_mark_until", { date: dateTime(mark.expires_at) })}` : "";
  return `${t(`caller_mark_${mark.kind}`)} — ${mark.reason}${until}; ${t("caller_mark_as_any")}`;
}

/** The supervisors' marks on the caller's number: a warning only, never a block. */
function marksWarning(call) {
  const marks = call.caller_marks || [];
  if (!marks.length) return null;
  return h("div", { class: "caller-marks", id: "caller-marks", role: "note", "aria-label": t("caller_marks_label") },
    ...marks.map((mark) => h("p", {
      class: `caller-mark caller-mark-${mark.kind}`, dataset: { markId: mark.id }, text: markText(mark),
      title: mark.note || undefined,
    })));
}

/** The caller's file, fetched with the session's token and saved under its own name. */
async function download(file) {
  try {
    const response = await fetch(`/api/v1/attachments/${file.id}`, { headers: { Authorization: `Bearer ${token()}` } });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      throw new ApiError(response.status, (body && body.detail) || response.statusText, body);
    }
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: file.filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    toast(errorText(error), true);
  }
}

function filesList(call) {
  const files = call.attachments || [];
  if (!files.length) return null;
  return h("div", { class: "caller-item caller-files", id: "caller-files" },
    h("span", { class: "caller-label", text: t("call_attachments") }),
    ...files.map((file) => h("button", {
      type: "button", class: "caller-file", dataset: { attachmentId: file.id },
      text: `${file.filename} (${number(Math.ceil(file.size / 1024))} KB)`, onclick: () => download(file),
    })));
}

/** Draw the panel for the call the operator works on (hidden without one). */
export function renderCaller(call, state, now) {
  panel.call = call;
  panel.state = state;
  if (now) panel.now = now;
  const node = document.getElementById("caller-panel");
  if (!call) {
    node.hidden = true;
    node.replaceChildren();
    return;
  }
  node.hidden = false;
  node.dataset.callId = call.id;
  node.setAttribute("aria-label", t("caller_panel"));
  const who = call.caller_number || call.caller_address || t("caller_withheld");
  const button = h("button", {
    type: "button", id: "caller-history-button", text: `${t("caller_history")} (Alt+O)`,
    onclick: showCallerHistory,
  });
  node.replaceChildren(
    item("number", t("caller_number"), who),
    item("channel", t("caller_channel"), t(`channel_${call.channel}`)),
    item("language", t("caller_language"), languageName(call.language)),
    item("location", t("caller_location"), locationText(position(call))),
    item("timer", t("caller_timer"), ""),
    button,
  );
  const warning = marksWarning(call);
  if (warning) node.prepend(warning);
  const files = filesList(call);
  if (files) node.append(files);
  tickCaller();
}

/** Advance the call's timer (runs every half second, between the stream's updates too). */
export function tickCaller() {
  const call = panel.call;
  const node = document.getElementById("caller-timer");
  if (!call || !node) return;
  const from = startedAt(call, panel.state);
  const until = call.ended_at ? Date.parse(call.ended_at) : panel.now();
  node.textContent = duration((until - from) / 1000);
  node.dataset.seconds = String(Math.floor((until - from) / 1000));
  node.parentElement.classList.toggle("ended", Boolean(call.ended_at));
  node.title = call.ended_at ? t("caller_call_ended") : "";
}

function historyTable(history, types) {
  if (!history.calls.length) return h("p", { class: "muted", id: "caller-history-empty", text: t("caller_history_empty") });
  const head = h("tr", {}, ...["caller_history_when", "caller_channel", "caller_history_call", "caller_history_card",
    "caller_history_type", "caller_history_card_status", "outcome"].map((key) => h("th", { scope: "col", text: t(key) })));
  const rows = history.calls.map((call) => {
    const card = call.card;
    const kind = card && card.incident_type ? types.get(card.incident_type) : null;
    return h("tr", { dataset: { callId: call.id, cardId: card ? card.id : "" } },
      h("td", { text: dateTime(call.created_at) }),
      h("td", { text: t(`channel_${call.channel}`) }),
      h("td", { text: t(`call_status_${call.status}`) }),
      h("td", { class: "card-number", text: card ? card.number : t("caller_history_no_card") }),
      h("td", { text: card ? (kind ? pick(kind.names) : card.incident_type || "—") : "" }),
      h("td", { text: card ? t(`card_status_${card.status}`) : "" }),
      h("td", { text: card && card.outcome ? t(`outcome_${card.outcome}`) : "" }));
  });
  return h("table", { class: "caller-history", id: "caller-history" }, h("thead", {}, head), h("tbody", {}, ...rows));
}

let types = new Map();

/** The incident types (code -> names) for naming the cards' types. */
export function configureCaller(reference) {
  types = reference.types;
}

/** Open the caller's earlier calls and cards (last 30 days) in the dialog. */
export async function showCallerHistory() {
  const call = panel.call;
  if (!call) return;
  const turn = dialogTurn();
  const history = await api("GET", `/calls/${call.id}/caller-history`);
  if (panel.call?.id !== call.id || !turn()) return;
  openDialog({
    name: "caller-history",
    title: `${t("caller_history_title")}: ${call.caller_number || call.caller_address || t("caller_withheld")}`,
    hideConfirm: true,
    fill: (body) => {
      body.append(historyTable(history, types));
      if (history.truncated) body.append(h("p", { class: "muted", text: t("caller_history_more") }));
    },
  });
}
