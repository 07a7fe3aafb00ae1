// @ts-check
// The supervisor console: sign in, the live stream (/ws/supervisor), the floor drawn from its
// parts, commands by keyboard, buttons and drag and drop, and the wallboard (#wallboard).
// The stream client, API, texts, shortcuts and dialogs are the operator console's modules.

import { api, token } from "/common/js/api.js";
import { closeDialog, dialogOpen, escapeDialog, installDialog, openDialog } from "/common/js/dialogs.js";
import { connectionStatus, toast } from "/common/js/dom.js";
import { addTexts, t } from "/common/js/i18n.js";
import { installShortcuts, shortcutTable } from "/common/js/keys.js";
import { createSession } from "/common/js/session.js";
import { Stream } from "/common/js/stream.js";
import * as commands from "./commands.js";
import { clock, h, secondsSince } from "./dom.js";
import { installDrag } from "./drag.js";
import { drawIncidents, focusIncidents, startIncidents, stopIncidents } from "./incidents.js";
import { marksDialog } from "./marks.js";
import { rosterDialog } from "./roster.js";
import { drawSurge, surgeDialog } from "./surge.js";
import * as panels from "./panels.js";
import en from "./texts/en.js";
import ru from "./texts/ru.js";
import uz from "./texts/uz.js";

addTexts({ uz, ru, en });

const SHORTCUTS = [
  { keys: "?", label: "key_help", action: "help", typing: false },
  { keys: "F1", label: "key_help", action: "help" },
  { keys: "Alt+1", label: "key_calls", action: "focusCalls" },
  { keys: "Alt+2", label: "key_operators", action: "focusOperators" },
  { keys: "Alt+3", label: "key_escalations", action: "focusEscalations" },
  { keys: "Alt+4", label: "key_cards", action: "focusCards" },
  { keys: "Alt+5", label: "key_followup", action: "focusFollowup" },
  { keys: "Alt+6", label: "key_queues", action: "focusQueues" },
  { keys: "Alt+7", label: "key_incidents_list", action: "focusIncidents" },
  { keys: "Alt+M", label: "key_move", action: "move" },
  { keys: "Alt+T", label: "key_takeover", action: "takeover" },
  { keys: "Alt+L", label: "key_listen", action: "listen" },
  { keys: "Alt+W", label: "key_whisper", action: "whisper" },
  { keys: "Alt+I", label: "key_barge", action: "barge" },
  { keys: "Alt+Shift+L", label: "key_stop_monitor", action: "stopMonitor" },
  { keys: "Alt+P", label: "key_priority", action: "priority" },
  { keys: "Alt+S", label: "key_operator", action: "operator" },
  { keys: "Alt+A", label: "key_take", action: "take" },
  { keys: "Alt+X", label: "key_resolve", action: "resolve" },
  { keys: "Alt+N", label: "key_resend", action: "resend" },
  { keys: "Alt+R", label: "key_reroute", action: "reroute" },
  { keys: "Alt+B", label: "key_wallboard", action: "wallboard" },
  { keys: "Alt+Z", label: "key_larger_text", action: "largerText" },
  { keys: "Alt+G", label: "key_language", action: "nextLanguage" },
  { keys: "Alt+K", label: "key_caller_marks", action: "callerMarks" },
  { keys: "Alt+O", label: "key_roster", action: "roster" },
  { keys: "Alt+U", label: "key_surge", action: "surge" },
  { keys: "Escape", label: "key_escape", action: "escape" },
];
// Which panels to redraw when a part changes (panels read several parts).
const REDRAW = {
  me: ["me", "myCall"],
  queues: ["queues", "overall", "calls", "wallboard"],
  calls: ["queues", "overall", "calls", "operators", "myCall", "wallboard"],
  operators: ["calls", "operators", "escalations", "cards", "wallboard"],
  escalations: ["escalations"], cards: ["cards"], followup: ["followup"], callbacks: ["callbacks"],
  alerts: ["alerts", "wallboard"], staffing: ["staffing", "wallboard"], surge: ["surge"],
};
const LISTS = ["calls", "operators", "escalations", "cards", "followup", "callbacks", "queues"];

const app = {
  stream: null,
  parts: {},
  session: null, // session.js: who is signed in (session.me)
  reference: { types: new Map(), services: new Map() },
  selected: {}, // list -> key of the chosen row
  lastList: "calls",
  dragging: false,
  pending: new Set(), // panels to redraw once a drag ends
  ticker: null,
};
window.supervisorConsole = app; // for the browser tests and for support staff in devtools

const $ = (id) => document.getElementById(id);
/** The rows of ``node`` that ``selector`` finds (the lists' rows: <tr data-key>). */
const rowsOf = (node, selector) => /** @type {NodeListOf<HTMLTableRowElement>} */ (node.querySelectorAll(selector));
/** The first of them, or null. */
const rowOf = (node, selector) => /** @type {?HTMLTableRowElement} */ (node.querySelector(selector));
/** The row an event inside a list happened in (its target is an element of the list), or null. */
const rowAt = (event) => /** @type {?HTMLTableRowElement} */ (event.target.closest("tr[data-key]"));

// -- sign in ----------------------------------------------------------------------------------

const session = createSession({
  load: async () => {
    const [types, services] = await Promise.all([api("GET", "/incident-types"), api("GET", "/services")]);
    app.reference = {
      types: new Map(types.map((kind) => [kind.code, kind])),
      services: new Map(services.map((service) => [service.code, service])),
    };
  },
  enter: () => {
    drawPalettes();
    showView();
    app.stream = new Stream("/ws/supervisor", token, {
      onParts: partsChanged,
      onStatus: connectionStatus,
      onRefused: (reason) => session.signOut(reason),
    });
    app.stream.start();
    clearInterval(app.ticker);
    app.ticker = setInterval(tick, 1000);
    startIncidents(app.reference.types);
  },
  relabel: () => {
    drawPalettes();
    for (const name of Object.keys(REDRAW)) redraw(name);
    connectionStatus();
    showView();
    drawIncidents();
  },
  leave: () => {
    stopIncidents();
    app.stream?.stop();
    app.stream = null;
    clearInterval(app.ticker);
    app.parts = {};
    closeDialog();
  },
});
app.session = session;

async function start() {
  installDialog();
  installShortcuts(shortcutActions(), SHORTCUTS);
  installDrag({ onDrop: dropped, onDragging: dragging });
  installLists();
  $("help-button").addEventListener("click", showHelp);
  $("wallboard-button").addEventListener("click", toggleWallboard);
  $("marks-button").addEventListener("click", () => marksDialog().catch((error) => toast(error.message, true)));
  $("roster-button").addEventListener("click", () => rosterDialog().catch((error) => toast(error.message, true)));
  $("surge-button").addEventListener("click", surgeDialog);
  window.addEventListener("hashchange", showView);
  await session.start();
}

/** The drop targets for operator states and the skills to drag (their names are texts). */
function drawPalettes() {
  $("state-drops").replaceChildren(...panels.stateDrops());
  $("skill-palette").replaceChildren(...panels.skillPalette());
}

// -- the stream and the panels ------------------------------------------------------------------

function partsChanged(parts, names) {
  app.parts = parts;
  for (const name of names) redraw(name);
}

function redraw(part) {
  for (const panel of REDRAW[part] || []) app.pending.add(panel);
  if (!app.dragging) flush();
}

function dragging(flag) {
  app.dragging = flag;
  if (!flag) flush();
}

function flush() {
  const panelsToDraw = [...app.pending];
  app.pending.clear();
  const p = app.parts;
  const draw = {
    me: () => ($("me").textContent = p.me ? p.me.full_name || p.me.username : ""),
    myCall: drawMyCall,
    queues: () => fill("queues", panels.queueRows(p)),
    overall: () => $("overall").replaceChildren(...panels.overallLine(p)),
    calls: () => fill("calls", panels.callRows(p)),
    operators: () => fill("operators", panels.operatorRows(p)),
    escalations: () => fill("escalations", panels.escalationRows(p)),
    cards: () => fill("cards", panels.cardRows(p, app.reference)),
    followup: () => fill("followup", panels.followupRows(p, app.reference)),
    callbacks: () => {
      $("callbacks-summary").textContent = panels.callbackSummary(p);
      fill("callbacks", panels.callbackRows(p));
    },
    alerts: drawAlerts,
    staffing: () => $("staffing").replaceChildren(...panels.staffingText(p.staffing)),
    surge: () => drawSurge(p.surge),
    wallboard: () => {
      if (!$("wallboard").hidden) $("wallboard").replaceChildren(...panels.wallboard(p));
    },
  };
  for (const panel of panelsToDraw) draw[panel]?.();
  tick();
}

/** Replace a list's rows, keeping the chosen row marked and the focus where it was. */
function fill(list, rows) {
  const body = $(list);
  const focused = body.contains(document.activeElement) ? document.activeElement.closest("tr")?.dataset.key : null;
  body.replaceChildren(...rows);
  for (const row of rowsOf(body, "tr[data-key]")) {
    row.classList.toggle("selected", row.dataset.key === app.selected[list]);
  }
  if (focused) rowOf(body, `tr[data-key="${CSS.escape(focused)}"]`)?.focus();
}

function drawAlerts() {
  const items = panels.alertItems(app.parts);
  $("alerts").hidden = !items.length;
  $("alerts").replaceChildren(h("strong", { text: `${t("alerts")}: ` }), h("ul", {}, ...items));
}

/** The call the supervisor took over (it is in ``calls`` with them as its operator). */
function drawMyCall() {
  const me = app.parts.me?.username;
  const call = (app.parts.calls || []).find((c) => me && c.operator === me && c.status === "connected");
  const node = $("my-call");
  node.hidden = !call;
  if (call) {
    node.dataset.callId = call.call_id;
    node.replaceChildren(`☎ ${t("my_call")}: ${call.caller || "—"} `,
      h("span", { class: "since", dataset: { since: call.connected_at || call.entered_at } }));
  }
}

function tick() {
  const now = app.stream ? app.stream.now() : Date.now();
  for (const node of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-since]"))) {
    node.textContent = clock(secondsSince(node.dataset.since, now));
  }
  const limit = app.parts.queues?.wait_alert_s;
  for (const row of rowsOf(document, "#calls tr[data-entered]")) {
    const late = row.dataset.status !== "connected" && limit && secondsSince(row.dataset.entered, now) > limit;
    row.classList.toggle("late", Boolean(late));
  }
}

// -- the wallboard ------------------------------------------------------------------------------

function showView() {
  const wall = location.hash === "#wallboard";
  document.body.classList.toggle("wallboard-on", wall);
  $("wallboard").hidden = !wall;
  $("floor").hidden = wall;
  $("wallboard-button").textContent = `${t(wall ? "floor_view" : "wallboard")} (Alt+B)`;
  if (wall) $("wallboard").replaceChildren(...panels.wallboard(app.parts));
  tick();
}

function toggleWallboard() {
  location.hash = location.hash === "#wallboard" ? "" : "#wallboard";
}

// -- rows: choosing, the keyboard, buttons ------------------------------------------------------

function installLists() {
  for (const list of LISTS) {
    const body = $(list);
    body.addEventListener("focusin", (event) => choose(list, rowAt(event)));
    body.addEventListener("click", (event) => {
      choose(list, rowAt(event));
      const action = /** @type {?HTMLButtonElement} */ (/** @type {Element} */ (event.target).closest("button[data-action]"));
      if (action) rowAction(action.dataset.action, action.dataset.key);
    });
    body.addEventListener("keydown", (event) => {
      const row = rowAt(event);
      if (!row || event.target !== row) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const next = /** @type {?HTMLElement} */ (event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling);
        next?.focus();
      } else if (event.key === "Enter") {
        event.preventDefault();
        mainAction(list, row.dataset.key);
      }
    });
  }
}

function choose(list, row) {
  if (!row) return;
  app.selected[list] = row.dataset.key;
  app.lastList = list;
  for (const other of $(list).querySelectorAll("tr.selected")) other.classList.remove("selected");
  row.classList.add("selected");
}

function focusList(list) {
  const body = $(list);
  const row = (app.selected[list] && rowOf(body, `tr[data-key="${CSS.escape(app.selected[list])}"]`)) ||
    rowOf(body, "tr[data-key]");
  if (row) row.focus();
  else app.lastList = list;
}

const find = {
  calls: (key) => (app.parts.calls || []).find((c) => c.call_id === key),
  operators: (key) => (app.parts.operators || []).find((o) => o.username === key),
  escalations: (key) => (app.parts.escalations || []).find((e) => e.id === key),
  followup: (key) => (app.parts.followup || []).find((f) => `${f.card_id}:${f.service}` === key),
  callbacks: (key) => {
    const board = app.parts.callbacks;
    return board ? [...board.dialing, ...board.pending, ...board.unreachable].find((c) => c.id === key) : undefined;
  },
};

function chosen(list) {
  const item = app.selected[list] && find[list](app.selected[list]);
  if (!item) toast(t("choose_row"), true);
  return item || null;
}

/** The call a takeover means: the chosen call, or that of the chosen escalation or operator. */
function chosenCallId() {
  if (app.lastList === "escalations") return chosen("escalations")?.call_id || null;
  if (app.lastList === "operators") return chosen("operators")?.call_id || null;
  return chosen("calls")?.call_id || null;
}

function callerOf(callId) {
  return (app.parts.calls || []).find((c) => c.call_id === callId)?.caller || "";
}

function mainAction(list, key) {
  const actions = {
    calls: () => rowAction("move", key),
    operators: () => rowAction("operator", key),
    escalations: () => rowAction(find.escalations(key)?.status === "open" ? "take" : "resolve", key),
    followup: () => rowAction("resend", key),
    callbacks: () => rowAction("cancel-callback", key),
    queues: () => {},
    cards: () => {},
  };
  actions[list]();
}

function rowAction(action, key) {
  const done = (message) => () => toast(t(message));
  const failed = (error) => toast(`${t("error")}: ${error.detail || error.message}`, true);
  const escalation = () => find.escalations(key);
  const handlers = {
    move: () => find.calls(key) && commands.moveDialog(find.calls(key), app.parts),
    takeover: () => commands.takeoverDialog(key, callerOf(key)),
    priority: () => find.calls(key) && commands.priorityDialog(find.calls(key)),
    operator: () => find.operators(key) && commands.operatorDialog(find.operators(key), app.parts),
    take: () => commands.takeEscalation(key).then(done("done"), failed),
    resolve: () => escalation() && commands.resolveDialog(escalation(), panels.personName(app.parts, escalation().raised_by)),
    "takeover-escalated": () => escalation() && commands.takeoverDialog(escalation().call_id, callerOf(escalation().call_id)),
    "recording-escalated": () => escalation() && commands.recordingDialog(escalation().call_id, callerOf(escalation().call_id)).catch(failed),
    resend: () => find.followup(key) && commands.resend(find.followup(key)).then(done("sent_again"), failed),
    reroute: () => find.followup(key) && commands.rerouteDialog(find.followup(key), app.reference.services),
    "cancel-callback": () => find.callbacks(key) && commands.cancelCallbackDialog(find.callbacks(key)),
    "monitor-listen": () => commands.monitor(key, "listen").then(done("monitor_started"), failed),
    "monitor-whisper": () => commands.monitor(key, "whisper").then(done("monitor_started"), failed),
    "monitor-barge": () => commands.monitor(key, "barge").then(done("monitor_started"), failed),
    "monitor-stop": () => commands.stopMonitor(key).then(done("monitor_stopped"), failed),
  };
  handlers[action]?.();
}

function dropped(item, place) {
  const failed = (error) => toast(`${t("error")}: ${error.detail || error.message}`, true);
  const operator = (key) => find.operators(key);
  if (item.kind === "call") {
    const where = place.kind === "queue" ? { queue: place.key } : { operator: place.key };
    commands.moveCall(item.key, where).then(() => toast(t("moved")), failed);
  } else if (item.kind === "operator" && place.kind === "queue" && operator(item.key)) {
    commands.setQueues(item.key, [place.key])
      .then(() => toast(t("assigned", { name: operator(item.key)?.full_name || item.key, queue: panels.queueName(app.parts, place.key) })), failed);
  } else if (item.kind === "operator" && place.kind === "state" && operator(item.key)) {
    commands.stateByDrop(operator(item.key), place.key).catch(failed);
  } else if (item.kind === "skill" && place.kind === "operator" && operator(place.key)) {
    commands.giveSkill(operator(place.key), item.key).catch(failed);
  }
}

// -- help, shortcuts ---------------------------------------------------------------------------

function showHelp() {
  openDialog({
    name: "help",
    title: t("shortcuts"),
    hideConfirm: true,
    fill: (body) => body.append(shortcutTable(SHORTCUTS), h("p", { class: "muted", text: t("drag_help") })),
  });
}

function shortcutActions() {
  const inConsole = (handler) => () => {
    if (!$("console").hidden && !dialogOpen()) handler();
  };
  const onChosen = (list, action) => inConsole(() => {
    const item = chosen(list);
    if (item) rowAction(action, app.selected[list]);
  });
  // A monitor acts on the chosen call, or the call of the chosen operator or escalation.
  const onCall = (action) => inConsole(() => {
    const callId = chosenCallId();
    if (callId) rowAction(action, callId);
  });
  return {
    help: inConsole(showHelp),
    escape: escapeDialog,
    focusCalls: inConsole(() => focusList("calls")),
    focusOperators: inConsole(() => focusList("operators")),
    focusEscalations: inConsole(() => focusList("escalations")),
    focusCards: inConsole(() => focusList("cards")),
    focusFollowup: inConsole(() => focusList("followup")),
    focusQueues: inConsole(() => focusList("queues")),
    focusIncidents: inConsole(focusIncidents),
    move: onChosen("calls", "move"),
    priority: onChosen("calls", "priority"),
    takeover: inConsole(() => {
      const callId = chosenCallId();
      if (callId) commands.takeoverDialog(callId, callerOf(callId));
      else if (app.selected[app.lastList]) toast(t("choose_row"), true);
    }),
    listen: onCall("monitor-listen"),
    whisper: onCall("monitor-whisper"),
    barge: onCall("monitor-barge"),
    stopMonitor: onCall("monitor-stop"),
    operator: onChosen("operators", "operator"),
    take: onChosen("escalations", "take"),
    resolve: onChosen("escalations", "resolve"),
    resend: onChosen("followup", "resend"),
    reroute: onChosen("followup", "reroute"),
    wallboard: () => !$("console").hidden && toggleWallboard(),
    nextLanguage: () => session.nextLanguage(),
    callerMarks: inConsole(() => marksDialog().catch((error) => toast(error.message, true))),
    roster: inConsole(() => rosterDialog().catch((error) => toast(error.message, true))),
    surge: inConsole(surgeDialog),
    largerText: () => session.toggleLargeText(),
  };
}

start();
