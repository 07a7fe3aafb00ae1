// @ts-check
// The operator console: sign in, the live stream, and the screen built from its parts.

import * as actions from "./actions.js";
import { api, ApiError, errorText, token } from "/common/js/api.js";
import { renderCallbacks as drawCallbacks } from "./callbacks.js";
import { configureCaller, renderCaller, showCallerHistory, tickCaller } from "./caller.js";
import { conferenceDialog, controlBar, holdOrResume, leave, transferDialog } from "./control.js";
import { acceptProposal, configureCard, confirmLocation, currentCard, dismissProposal, relabelCard, showCard } from "./card.js";
import { closeDialog, escapeDialog, installDialog, openDialog } from "/common/js/dialogs.js";
import { configureIncidents, focusIncidents, showIncidents } from "./incidents.js";
import { connectionStatus, oneAtATime, toast } from "/common/js/dom.js";
import { languageName, number, percentage, pick, queueTitle, said, t } from "/common/js/i18n.js";
import { installShortcuts, shortcutTable } from "/common/js/keys.js";
import { cancelMapMove, drawMap, installMapKeys } from "./map.js";
import { startRinging, stopRinging, unlockAudio } from "./ring.js";
import { chooseProtocol, installProtocol, protocolEscape, protocolKey, showProtocol } from "./protocol.js";
import { referralDialog } from "./referrals.js";
import { createSession } from "/common/js/session.js";
import { Stream } from "/common/js/stream.js";
import { drawSurgeBanner } from "/common/js/surge.js";
import { notNow, renderNotices, renderWellbeing, takeBreak } from "./wellbeing.js";

const app = {
  stream: null,
  parts: {},
  session: null, // session.js: who is signed in (session.me)
  activeCardId: null,
  latest: new Map(), // card id -> newest copy seen (stream or our own saves)
  reference: null,
  acd: true,
  ticker: null,
  openingCall: null,
  seenCall: null,
};
window.dispatchConsole = app; // for the browser tests and for support staff in devtools

const $ = (id) => document.getElementById(id);

// -- sign in ----------------------------------------------------------------------------------

const session = createSession({
  signingIn: unlockAudio,
  load: async () => {
    app.reference = await loadReference();
    configureCard({ onSaved: cardSaved, toast, reference: app.reference });
    configureCaller(app.reference);
    configureIncidents({ onSaved: cardSaved, toast, types: app.reference.types });
  },
  enter: () => {
    showCard(null);
    app.stream = new Stream("/ws/operator", token, {
      onParts: partsChanged,
      onStatus: connectionStatus,
      onRefused: () => session.signOut(),
    });
    app.stream.start();
    clearInterval(app.ticker);
    app.ticker = setInterval(tick, 500);
  },
  relabel: () => {
    for (const name of Object.keys(app.parts)) render(name);
    connectionStatus();
    relabelCard();
    showIncidents(null).then(() => showIncidents(currentCard()));
    drawCaller();
    actions.showScript(currentCard());
    showProtocol(currentCard());
    $("map").dataset.key = "";
    drawMap($("map"), currentCard());
  },
  leaving: leaveQueue,
  leave: () => {
    app.stream?.stop();
    app.stream = null;
    stopRinging();
    clearInterval(app.ticker);
    app.parts = {};
    app.activeCardId = null;
    app.latest.clear();
    renderCaller(null);
    showProtocol(null);
    closeDialog();
  },
});
app.session = session;

async function start() {
  installDialog();
  installShortcuts(shortcutActions());
  installMapKeys($("map"));
  installProtocol();
  $("help-button").addEventListener("click", showHelp);
  const reply = oneAtATime(() => actions.sendReply(toast)); // a second Ctrl+Enter waits for the first
  $("reply-form").addEventListener("submit", reply);
  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.ctrlKey) reply(event);
  });
  await session.start();
}

async function loadReference() {
  const [types, hazards, regions, services] = await Promise.all([
    api("GET", "/incident-types"),
    api("GET", "/hazards"),
    api("GET", "/geo/regions?geometry=false"),
    api("GET", "/services"),
  ]);
  return {
    types: new Map(types.map((kind) => [kind.code, kind])),
    hazards,
    regions: regions.features,
    services: new Map(services.map((service) => [service.code, service])),
    onSaved: cardSaved,
  };
}

/** Before signing out: leave the queue (when not on a call). */
async function leaveQueue() {
  const state = app.parts.state?.state;
  if (state && !["signed_out", "on_call", "reserved"].includes(state)) {
    await actions.requestState("signed_out").catch(() => {});
  }
}

// -- the stream -------------------------------------------------------------------------------

function partsChanged(parts, names) {
  app.parts = parts;
  for (const name of names) render(name);
}

function render(name) {
  const renderers = { me: renderMe, state: renderState, offer: renderOffer, call: renderCall,
    cards: renderCards, queue: renderQueue, escalations: actions.renderEscalations, callbacks: renderCallbacks,
    wellbeing: renderWellbeing, notices: renderNotices,
    surge: (surge) => drawSurgeBanner($("surge"), surge, { meaning: "surge_operator_meaning" }) };
  renderers[name]?.(app.parts[name]);
}

function renderMe(me) {
  if (!me) return;
  $("me").textContent = me.full_name || me.username;
  $("me").title = me.username;
}

function renderState(state) {
  const badge = $("state");
  const buttons = $("state-actions");
  if (!state) {
    app.acd = false;
    badge.textContent = t("state_unavailable");
    badge.dataset.state = "unavailable";
    buttons.replaceChildren();
    return;
  }
  badge.dataset.state = state.state;
  badge.textContent = t(`state_${state.state}`) +
    (state.reason ? `: ${said(state.reason, state.reason_code, state.reason_params)}` : "");
  const button = (labelKey, keys, handler, primary = false) => {
    const node = document.createElement("button");
    node.type = "button";
    node.id = `state-${labelKey}`;
    node.className = primary ? "primary" : "";
    node.textContent = `${t(labelKey)} (${keys})`;
    node.addEventListener("click", handler);
    return node;
  };
  const list = [];
  if (state.state === "wrap_up") list.push(button("end_wrap_up", "Alt+1", goAvailable, true));
  else if (["signed_out", "on_break"].includes(state.state)) list.push(button("go_available", "Alt+1", goAvailable, true));
  if (["available", "wrap_up", "signed_out"].includes(state.state)) list.push(button("go_break", "Alt+2", actions.breakDialog));
  buttons.replaceChildren(...list);
  if (!currentCard()) showActive();
  drawCaller();
  tick();
}

function renderOffer(offer) {
  const box = $("offer");
  if (!offer) {
    box.hidden = true;
    box.replaceChildren();
    stopRinging();
    return;
  }
  box.hidden = false;
  box.dataset.offerId = offer.id;
  const call = offer.call || {};
  box.innerHTML = "";
  const title = document.createElement("strong");
  title.textContent = `☎ ${t("offer_title")}`;
  const facts = document.createElement("span");
  facts.className = "offer-facts";
  facts.textContent = [call.caller_number || call.caller_address || "—",
    t(`channel_${call.channel || "voice"}`), languageName(call.language), queueName(offer.queue)]
    .join(" · ");
  const countdown = document.createElement("span");
  countdown.id = "offer-countdown";
  countdown.className = "countdown";
  const acceptButton = Object.assign(document.createElement("button"), {
    type: "button", id: "offer-accept", className: "primary", textContent: `${t("accept")} (Alt+A)`,
  });
  acceptButton.addEventListener("click", acceptOffer);
  const declineButton = Object.assign(document.createElement("button"), {
    type: "button", id: "offer-decline", textContent: `${t("decline")} (Alt+X)`,
  });
  declineButton.addEventListener("click", declineOffer);
  box.append(title, facts, countdown, acceptButton, declineButton);
  startRinging();
  tick();
}

/** A queue by the name a person reads (i18n.queueTitle). */
function queueName(name) {
  return queueTitle(name, (app.parts.queue?.queues || []).find((queue) => queue.name === name));
}

function renderCall(call) {
  // A new call, or its card just opened: show that card (the operator's own choice otherwise).
  const seen = app.seenCall;
  if (call && call.card_id && (!seen || seen.id !== call.id || seen.card_id !== call.card_id)) {
    if (app.openingCall !== call.id && call.card_id !== app.activeCardId) selectCard(call.card_id);
  }
  app.seenCall = call ? { id: call.id, card_id: call.card_id } : null;
  drawCaller();
  const card = currentCard();
  if (call && (!card || card.call_id === call.id)) actions.showConversation(call);
  else if (!card || !["sms", "email"].includes(card.channel)) actions.showConversation(null);
}

function drawCaller() {
  renderCaller(app.parts.call || null, app.parts.state || null, () => (app.stream ? app.stream.now() : Date.now()));
  const bar = controlBar(app.parts.call || null, app.parts.me?.username);
  if (bar) $("caller-panel").append(bar);
}

async function callerHistory() {
  if (!app.parts.call) return toast(t("caller_history_no_call"), true);
  await showCallerHistory().catch((error) => toast(`${t("error")}: ${error.detail || error.message}`, true));
}

function renderCards(cards) {
  const list = $("card-list");
  for (const card of cards || []) remember(card);
  if (!cards || !cards.length) {
    list.replaceChildren(Object.assign(document.createElement("li"), { className: "muted", textContent: t("no_cards") }));
  } else {
    list.replaceChildren(...cards.map((card) => {
      const item = document.createElement("li");
      item.dataset.cardId = card.id;
      item.className = card.id === app.activeCardId ? "active" : "";
      const kind = app.reference.types.get(card.incident.type);
      item.innerHTML = "";
      const button = document.createElement("button");
      button.type = "button";
      button.addEventListener("click", () => selectCard(card.id));
      const shortNumber = document.createElement("strong");
      shortNumber.textContent = card.number.slice(-6);
      const type = document.createElement("span");
      type.textContent = kind ? pick(kind.names) : "—";
      const percent = document.createElement("span");
      percent.className = "percent";
      percent.textContent = percentage(card.completeness.percent, 0);
      button.append(shortNumber, type, percent);
      item.append(button);
      return item;
    }));
  }
  const active = app.activeCardId && app.latest.get(app.activeCardId);
  if (active && active.status === "closed") {
    // the work on it is over: on to the next open card, if any
    selectCard(cards && cards.length ? cards[0].id : null);
  } else if (active) {
    showActive();
  } else if (!app.activeCardId && cards && cards.length) {
    selectCard(cards[0].id);
  }
  // Only the cards listed and the one shown are kept: a 12-hour shift sees hundreds.
  const listed = new Set((cards || []).map((card) => card.id));
  for (const id of app.latest.keys()) if (id !== app.activeCardId && !listed.has(id)) app.latest.delete(id);
}

function renderQueue(queue) {
  const node = $("queue-summary");
  if (!queue) {
    node.textContent = "";
    return;
  }
  const all = queue.overall;
  const longest = all.longest_wait_s != null ? ` · ${t("queue_longest")} ${clock(all.longest_wait_s)}` : "";
  const level = all.service_level_today?.percent;
  node.textContent = `${t("queue_waiting")}: ${number(all.waiting)}${longest} · ${t("queue_free")}: ${number(all.available)}` +
    (level != null ? ` · ${t("queue_sl")}: ${percentage(level, 0)}` : "");
  node.dataset.waiting = String(all.waiting);
}

function renderCallbacks(board) {
  drawCallbacks($("callbacks"), board, session.me?.username, {
    toast,
    onReached: async (task) => {
      const card = await api("GET", `/cards/${task.card_id}`);
      remember(card);
      selectCard(card.id);
    },
  });
}

// -- cards ------------------------------------------------------------------------------------

function remember(card) {
  const known = app.latest.get(card.id);
  if (!known || known.version <= card.version) app.latest.set(card.id, card);
}

function cardSaved(card) {
  remember(card);
  if (card.id === app.activeCardId) showActive();
}

function selectCard(id) {
  app.activeCardId = id;
  for (const item of /** @type {NodeListOf<HTMLLIElement>} */ (document.querySelectorAll("#card-list li"))) {
    item.classList.toggle("active", item.dataset.cardId === id);
  }
  if (id && !app.latest.has(id)) {
    api("GET", `/cards/${id}`).then((card) => {
      remember(card);
      if (app.activeCardId === id) showActive();
    }).catch(() => {});
  }
  showActive();
}

function showActive() {
  const card = app.activeCardId ? app.latest.get(app.activeCardId) || null : null;
  const ready = ["available", "reserved", "on_call", "wrap_up"].includes(app.parts.state?.state);
  showCard(card, ready ? "waiting_for_call" : "press_available");
  showIncidents(card);
  actions.showScript(card);
  showProtocol(card);
  drawMap($("map"), card);
  const call = app.parts.call;
  if (card && call && card.call_id === call.id) actions.showConversation(call);
  else if (card && card.call_id && ["sms", "email"].includes(card.channel)) actions.loadConversation(card.call_id);
  else actions.showConversation(null);
}

function stepCard(step) {
  const cards = app.parts.cards || [];
  if (!cards.length) return;
  const index = cards.findIndex((c) => c.id === app.activeCardId);
  selectCard(cards[(index + step + cards.length) % cards.length].id);
}

// -- offers and state -------------------------------------------------------------------------

async function acceptOffer() {
  const offer = app.parts.offer;
  if (!offer) return;
  stopRinging();
  const focusAtAccept = document.activeElement;
  try {
    await api("POST", `/offers/${offer.id}/accept`);
    app.openingCall = offer.call_id;
    const card = await api("POST", "/cards", { json: { call_id: offer.call_id } }).catch(async (error) => {
      if (error.status !== 409) throw error;
      const call = app.parts.call;
      return call && call.card_id ? api("GET", `/cards/${call.card_id}`) : null;
    });
    if (card) {
      remember(card);
      const typing = isTyping(document.activeElement) && document.activeElement !== focusAtAccept;
      selectCard(card.id);
      // Start on the incident type, unless the operator already went on typing elsewhere
      // (a reply to an SMS while the card was being made): never take the cursor away.
      if (!typing) document.getElementById("type-search")?.focus();
    }
  } catch (error) {
    toast(`${t("error")}: ${errorText(error)}`, true);
  } finally {
    app.openingCall = null;
  }
}

function isTyping(element) {
  return Boolean(element && (element.tagName === "TEXTAREA" || element.tagName === "INPUT" || element.isContentEditable));
}

async function declineOffer() {
  const offer = app.parts.offer;
  if (!offer) return;
  stopRinging();
  await api("POST", `/offers/${offer.id}/decline`).catch((error) => toast(`${t("error")}: ${error.detail}`, true));
}

async function goAvailable() {
  const state = app.parts.state;
  try {
    if (state && state.state === "wrap_up") await actions.endWrapUp();
    else await actions.requestState("available");
  } catch (error) {
    const unavailable = error instanceof ApiError && error.status === 404;
    toast(unavailable ? t("state_unavailable") : `${t("error")}: ${errorText(error)}`, true);
  }
}

function tick() {
  const now = app.stream ? app.stream.now() : Date.now();
  const state = app.parts.state;
  if (state && state.state === "wrap_up" && state.wrap_up_until) {
    const left = Math.max(0, (Date.parse(state.wrap_up_until) - now) / 1000);
    $("state").textContent = `${t("state_wrap_up")} ${clock(left)}`;
  }
  const offer = app.parts.offer;
  const countdown = $("offer-countdown");
  if (offer && countdown) {
    const left = Math.max(0, (Date.parse(offer.expires_at) - now) / 1000);
    countdown.textContent = `${clock(left)} ${t("offer_expires")}`;
  }
  tickCaller();
}

function clock(seconds) {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function showHelp() {
  openDialog({
    name: "help",
    title: t("shortcuts"),
    hideConfirm: true,
    fill: (body) => body.append(shortcutTable()),
  });
}

function shortcutActions() {
  const focus = (id) => () => document.getElementById(id)?.focus();
  const inConsole = (handler) => () => {
    if (!$("console").hidden) handler();
  };
  return {
    help: inConsole(showHelp),
    escape: () => escapeDialog() || cancelMapMove() || protocolEscape(),
    available: inConsole(goAvailable),
    break: inConsole(actions.breakDialog),
    signOutQueue: inConsole(() => actions.requestState("signed_out").catch((e) => toast(e.detail, true))),
    accept: inConsole(acceptOffer),
    decline: inConsole(declineOffer),
    focusType: focus("type-search"),
    focusAddress: focus("f-location.address"),
    focusVictims: focus("f-incident.victims"),
    focusHazards: () => /** @type {HTMLInputElement} */ (document.querySelector("#hazards input"))?.focus(),
    focusDescription: focus("f-incident.description"),
    focusNote: focus("note"),
    nextScriptStep: actions.nextScriptStep,
    route: inConsole(() => actions.routeDialog(app.reference)),
    escalate: inConsole(() => {
      // The call in progress first; else the call of the card on screen.
      const card = currentCard();
      const call = app.parts.call;
      const callId = call?.id || card?.call_id;
      const cardId = call ? call.card_id : card?.id;
      const caller = call ? call.caller_number || call.caller_address : card?.caller?.number;
      actions.escalateDialog(callId, cardId || null, caller || "");
    }),
    closeCard: inConsole(() => actions.closeDialog(cardSaved)),
    acceptLocation: acceptProposal,
    dismissLocation: dismissProposal,
    confirmLocation,
    focusReply: focus("reply"),
    focusMap: focus("map"),
    nextCard: () => stepCard(1),
    previousCard: () => stepCard(-1),
    nextLanguage: () => session.nextLanguage(),
    largerText: () => session.toggleLargeText(),
    callerHistory: inConsole(callerHistory),
    focusIncidents,
    protocol: inConsole(protocolKey), chooseProtocol: inConsole(chooseProtocol),
    referrals: inConsole(() => referralDialog(currentCard(), app.parts.call, cardSaved)),
    takeBreak: inConsole(takeBreak), notNow: inConsole(notNow),
    hold: inConsole(() => holdOrResume(app.parts.call)),
    transfer: inConsole(() => transferDialog(app.parts.call)),
    conference: inConsole(() => conferenceDialog(app.parts.call)),
    leaveCall: inConsole(() => leave(app.parts.call)),
  };
}

start();
