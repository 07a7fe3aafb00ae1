// @ts-check
// A protocol walked beside the card (issue 24), by keyboard. The protocol that fits the card's
// incident type is offered (Alt+Y starts it; Alt+Shift+Y chooses among all of them), then the
// walk goes one step at a time: a question with its answer keys (yes/no: Y N or 1 2; a choice:
// 1…9; a number or a text: its field, then Enter), an instruction given with Enter, its timer
// running (timers.js, in the browser only). Above the step, a banner while the answers require
// an escalation not yet made (Alt+S); below it, the determinant with the priority it proposes
// (overridden only with a reason: P) and the path so far with the answers (an earlier answer is
// corrected by choosing it: ↓ ↑ Enter). A draft version says so, with the guidance it names.
// The walk is the server's (after a reload, GET /cards/{id}/protocols); its texts come in the
// walk's language.

import { api } from "/common/js/api.js";
import { dialogTurn, field, openDialog, select } from "/common/js/dialogs.js";
import { drawings, h, toast } from "/common/js/dom.js";
import { hhmm, language, pick, t } from "/common/js/i18n.js";
import { cueLine, cuesOf, fittingFor, offers } from "./cues.js";
import { attachTimers, stopTimers, syncTimers, tapTimer, unlockSound } from "./timers.js";

const state = {
  card: null,
  cardId: null,
  reads: drawings(), // each read of the card's walks, and each walk answered, makes older reads old
  signature: "", // what the panel was drawn for
  walk: null, // the walk shown (WalkOut)
  definition: null, // its version's definition, for earlier steps (null: another version)
  correcting: null, // the earlier question being answered again
  busy: false,
  focusNext: false,
};
let catalogue = null; // GET /protocols: the version of each protocol the consoles walk
const definitions = new Map(); // code -> GET /protocols/{code} (promise)
const $ = (id) => document.getElementById(id);

function cached(map, key, load) {
  if (!map.has(key)) {
    const loading = load();
    loading.catch(() => map.delete(key));
    map.set(key, loading);
  }
  return map.get(key);
}

function protocols() {
  if (!catalogue) {
    catalogue = api("GET", "/protocols");
    catalogue.catch(() => (catalogue = null));
  }
  return catalogue;
}

function failed(error) {
  toast(`${t("error")}: ${error.detail || error.message}`, true);
}

// -- the card shown ---------------------------------------------------------------------------

/** Show the protocol panel for ``card`` (null: none; the timers stop). */
export async function showProtocol(card) {
  const panel = $("protocol-panel");
  if (!panel) return;
  if (!card || card.status === "closed") {
    forget();
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  if (card.id !== state.cardId) {
    forget();
    Object.assign(state, { card, cardId: card.id });
    const current = state.reads();
    const runs = await api("GET", `/cards/${card.id}/protocols`).catch(() => []);
    if (!current()) return;
    await setWalk(runs.filter((run) => !run.finished).at(-1) || runs.at(-1) || null);
    if (current()) draw();
    return;
  }
  state.card = card;
  const onCard = (card.protocols || []).find((record) => record.code === state.walk?.code);
  if (onCard?.escalated_at && !state.walk.escalated_at) {
    // escalated (Alt+S): the walk says when, the banner goes
    const current = state.reads();
    const runs = await api("GET", `/cards/${card.id}/protocols`).catch(() => []);
    const fresh = runs.find((run) => run.run_id === state.walk?.run_id);
    if (current() && fresh) await setWalk(fresh);
    if (current()) draw();
    return;
  }
  if (signature() !== state.signature) draw();
}

function forget() {
  stopTimers();
  state.reads();
  Object.assign(state, { card: null, cardId: null, signature: "", walk: null, definition: null, correcting: null });
}

function signature() {
  const card = state.card;
  return [card?.id, card?.incident?.type, language(), state.walk ? "walk" : "offer"].join("|");
}

async function setWalk(walk) {
  state.walk = walk;
  state.definition = null;
  if (walk) {
    const found = await cached(definitions, walk.code, () => api("GET", `/protocols/${walk.code}`)).catch(() => null);
    if (state.walk === walk && found && found.version === walk.version) state.definition = found.definition;
  }
  if (state.walk !== walk) return;
  syncTimers(walk && !walk.finished ? walk.path.map(nodeOf).filter((node) => node?.timer)
    .map((node) => ({ node: node.id, ...node.timer })) : []);
}

/** A node of the walk in the walk's language: the current one as the server gave it, an
 * earlier one from the version's definition (null without it). */
function nodeOf(id) {
  const walk = state.walk;
  if (walk.current?.id === id) return walk.current;
  const node = state.definition?.nodes.find((n) => n.id === id);
  if (!node) return null;
  const say = (texts) => (texts ? texts[walk.language] ?? texts.en : null);
  const answer = node.answer && { ...node.answer, choices: (node.answer.choices || []).map((c) => ({ code: c.code, text: say(c.text) })) };
  const timer = node.timer && { ...node.timer, label: say(node.timer.label) };
  return { id: node.id, kind: node.kind, text: say(node.text), answer, timer };
}

// -- drawing ----------------------------------------------------------------------------------

function draw() {
  const box = $("protocol");
  const hadFocus = box.contains(document.activeElement);
  state.signature = signature();
  if (!state.walk) {
    drawOffer(box);
    return;
  }
  const walk = state.walk;
  const timers = h("div", { class: "protocol-timers", id: "protocol-timers" });
  box.replaceChildren(...[
    h("p", { class: "protocol-title" }, h("strong", { text: walk.title }), " ", walk.approved ? null : draftBadge()),
    banner(walk),
    step(walk),
    timers,
    determinant(walk),
    path(walk),
    guidance(walk.guidance),
  ].filter(Boolean));
  attachTimers(timers, announce);
  if (hadFocus || state.focusNext) focusStep();
  state.focusNext = false;
}

function draftBadge() {
  return h("span", { class: "badge-draft", id: "protocol-draft", text: t("protocol_draft") });
}

function guidance(list) {
  return h("details", { class: "protocol-guidance" },
    h("summary", { text: t("protocol_guidance") }),
    h("ul", {}, ...list.map((g) => h("li", { text: `${g.title} — ${g.publisher}, ${g.year}` }))));
}

async function drawOffer(box) {
  const cardId = state.cardId;
  const [all, cues] = await Promise.all([protocols().catch(() => []), cuesOf(state.card)]);
  if (state.cardId !== cardId || !state.card || state.walk) return;
  const type = state.card.incident?.type; // the card as it is now (the stream may have moved on)
  const fitting = offers(all, type, cues);
  const lines = fitting.map(({ protocol: p, ...offer }, index) => h("p", { class: "protocol-offer", dataset: { code: p.code } },
    cueLine({ protocol: p, ...offer }), " ",
    h("button", { type: "button", onclick: () => start(p.code) },
      t(index ? "protocol_offer_other" : "protocol_offer", { title: pick(p.title) })),
    " ", p.approved ? null : draftBadge()));
  box.replaceChildren(...lines,
    h("p", { class: "muted", text: t(fitting.length ? "protocol_choose_hint" : "protocol_none_fits") }));
}

function banner(walk) {
  if (!walk.determinant?.escalation_required) return null;
  if (walk.escalated_at) {
    return h("p", { class: "protocol-escalated", text: t("protocol_escalated", { time: hhmm(walk.escalated_at) }) });
  }
  return h("p", { class: "protocol-escalate", id: "protocol-escalation", role: "alert", text: t("protocol_escalation_required") });
}

function determinant(walk) {
  const found = walk.determinant;
  if (!found) return null;
  const overridden = walk.priority_override !== null && walk.priority_override !== undefined;
  return h("div", {
    class: "protocol-determinant", id: "protocol-determinant",
    dataset: { code: found.code, priority: String(overridden ? walk.priority_override : found.priority) },
  },
  h("p", {}, h("strong", { text: found.code }), ` ${found.title}`),
  h("p", { text: t("protocol_proposes", { priority: found.priority, services: found.services.join(", ") || "—" }) }),
  found.risk ? h("p", { text: t("protocol_risk", { risk: t(`protocol_risk_${found.risk}`) }) }) : null,
  overridden ? h("p", { class: "protocol-overridden", text: t("protocol_overridden", { priority: walk.priority_override, reason: walk.override_reason || "" }) }) : null,
  h("button", { type: "button", id: "protocol-override", onclick: overrideDialog }, `${t("protocol_override")} (P)`));
}

function path(walk) {
  const answered = new Map(walk.answers.map((a) => [a.node, a]));
  const given = new Map(walk.given.map((g) => [g.node, g]));
  const items = [];
  for (const id of walk.path) {
    if (id === walk.current?.id) break;
    const answer = answered.get(id);
    if (answer) {
      items.push(h("li", { dataset: { node: id } }, h("button", {
        type: "button", class: "protocol-answered", disabled: !state.definition, onclick: () => correct(id),
        "aria-current": state.correcting === id ? "step" : null,
      }, h("span", { text: answer.question }), " — ", h("strong", { text: shown(answer.value) }))));
    } else if (given.has(id)) {
      items.push(h("li", { class: "given", dataset: { node: id } }, `✓ ${given.get(id).text}`));
    }
  }
  if (!items.length) return null;
  return h("ol", { class: "protocol-path", id: "protocol-path", "aria-label": t("protocol_path") }, ...items);
}

/** An answer as the card keeps it ("yes", "adult: Adult or teenager", "32 weeks"), for the
 * operator: yes and no in the interface language, a choice by its text. */
function shown(value) {
  if (value === "yes" || value === "no") return t(`protocol_${value}`);
  return value.replace(/^[a-z][a-z0-9_]*: /, "");
}

function step(walk) {
  const node = state.correcting ? nodeOf(state.correcting) : walk.current;
  const box = h("div", {
    class: "protocol-step", id: "protocol-step", tabindex: "-1",
    dataset: { node: node?.id || "", kind: node?.kind || "finished" },
  });
  if (!node) {
    const end = nodeOf(walk.path.at(-1));
    box.append(h("p", { class: "protocol-finished", text: t("protocol_finished") }), end ? h("p", { text: end.text }) : "");
    return box;
  }
  if (state.correcting) box.append(h("p", { class: "protocol-correcting", text: t("protocol_correcting") }));
  box.append(h("p", { class: "protocol-text", id: "protocol-text", text: node.text }));
  if (node.kind === "instruction") {
    box.append(h("button", { type: "button", class: "primary", id: "protocol-given", onclick: () => send(node.id, { given: true }) },
      `${t("protocol_given")} (Enter)`));
  } else if (node.kind === "question") {
    box.append(answers(node));
  }
  return box;
}

function answers(node) {
  const answer = node.answer;
  if (answer.type === "yes_no" || answer.type === "choice") {
    const choices = answer.type === "yes_no"
      ? [[true, `1 · ${t("protocol_yes")} (Y)`], [false, `2 · ${t("protocol_no")} (N)`]]
      : answer.choices.map((c, i) => [c.code, `${i + 1} · ${c.text}`]);
    return h("div", { class: "protocol-answers", role: "group", "aria-labelledby": "protocol-text" },
      ...choices.map(([value, text]) => h("button", {
        type: "button", dataset: { value: String(value) }, onclick: () => send(node.id, { value }),
      }, text)));
  }
  const range = [answer.minimum, answer.maximum].filter((v) => v !== null && v !== undefined).join("–");
  const hint = answer.type === "number"
    ? t("protocol_number_hint", { range: range || "—", unit: answer.unit || "" })
    : t("protocol_text_hint");
  const input = h("input", {
    type: "text", id: "protocol-input", autocomplete: "off", maxlength: 2000,
    inputmode: answer.type === "number" ? "decimal" : null, dataset: { type: answer.type },
  });
  return h("label", { class: "field protocol-field" }, h("span", { text: t("protocol_answer") }), input,
    h("span", { class: "muted", text: hint }));
}

function focusStep() {
  ($("protocol-input") || $("protocol-step"))?.focus();
}

function announce(text) {
  const live = $("protocol-live");
  if (live) live.textContent = text;
}

// -- acting -----------------------------------------------------------------------------------

/** Start protocol ``code`` on ``card`` (the one shown; a choice made for another is dropped). */
async function start(code, card = state.card) {
  unlockSound();
  if (!card || card.id !== state.cardId || state.busy) return;
  state.busy = true;
  try {
    const walk = await api("POST", `/cards/${card.id}/protocols`, { json: { code } });
    if (state.cardId !== card.id) return;
    state.reads(); // a read of the card's walks asked before this answer is now old
    state.correcting = null;
    await setWalk(walk);
    state.focusNext = true;
    draw();
    announce(`${walk.title}. ${walk.current?.text || ""}`);
  } catch (error) {
    failed(error);
  } finally {
    state.busy = false;
  }
}

async function send(node, body) {
  const walk = state.walk;
  if (!walk || state.busy) return;
  unlockSound();
  state.busy = true;
  try {
    const fresh = await api("POST", `/protocol-runs/${walk.run_id}/steps`, { json: { node, ...body } });
    if (state.walk?.run_id !== walk.run_id) return;
    state.reads(); // a read of the card's walks asked before this answer is now old
    state.correcting = null;
    await setWalk(fresh);
    state.focusNext = true;
    draw();
    announce(fresh.current?.text || t("protocol_finished"));
  } catch (error) {
    failed(error);
  } finally {
    state.busy = false;
  }
}

function correct(id) {
  if (!state.definition) return;
  state.correcting = id;
  state.focusNext = true;
  draw();
  announce(`${t("protocol_correcting")} ${nodeOf(id)?.text || ""}`);
}

function submitInput(input) {
  const node = state.correcting || state.walk?.current?.id;
  const raw = input.value.trim();
  if (!node || !raw) return;
  if (input.dataset.type !== "number") return send(node, { value: raw });
  const value = Number(raw.replace(",", "."));
  if (!Number.isFinite(value)) return toast(t("protocol_number_needed"), true);
  return send(node, { value });
}

function digit(event) {
  const found = /^(?:Digit|Numpad)([1-9])$/.exec(event.code);
  if (found) return Number(found[1]);
  return /^[1-9]$/.test(event.key) ? Number(event.key) : null;
}

/** The keys of the walk, where its focus is (not shortcuts: they work only in the panel). */
function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || !state.walk) return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) {
    if (event.key === "Enter" && target.id === "protocol-input") {
      event.preventDefault();
      submitInput(target);
    }
    return;
  }
  if (event.key === "ArrowUp" || event.key === "ArrowDown") return movePath(event);
  if (event.code === "KeyP" && state.walk.determinant) {
    event.preventDefault();
    return overrideDialog();
  }
  if (event.key === " " && target.tagName !== "BUTTON") {
    event.preventDefault();
    unlockSound();
    tapTimer();
    return;
  }
  const stepBox = $("protocol-step");
  const node = state.correcting ? nodeOf(state.correcting) : state.walk.current;
  if (!node || !stepBox?.contains(target)) return;
  if (node.kind === "instruction") {
    if (event.key === "Enter" && target.tagName !== "BUTTON") {
      event.preventDefault();
      send(node.id, { given: true });
    }
    return;
  }
  const type = node.answer?.type;
  const n = digit(event);
  let value;
  if (type === "yes_no") value = event.code === "KeyY" || n === 1 ? true : event.code === "KeyN" || n === 2 ? false : undefined;
  else if (type === "choice" && n !== null && n <= node.answer.choices.length) value = node.answer.choices[n - 1].code;
  if (value === undefined) return;
  event.preventDefault();
  send(node.id, { value });
}

/** ↑ ↓: from the step down through the path's answers (Enter corrects one), and back up. */
function movePath(event) {
  const stops = [$("protocol-step"), .../** @type {NodeListOf<HTMLButtonElement>} */ (document.querySelectorAll("#protocol-path button:not(:disabled)"))].filter(Boolean);
  const at = stops.indexOf(event.target);
  if (at < 0) return;
  event.preventDefault();
  stops[Math.max(0, Math.min(stops.length - 1, at + (event.key === "ArrowUp" ? -1 : 1)))].focus();
}

export function installProtocol() {
  $("protocol-panel")?.addEventListener("keydown", onKey);
}

// -- shortcuts --------------------------------------------------------------------------------

/** Alt+Y: to the walk on the card, else start the protocol that fits its type, else choose. */
export async function protocolKey() {
  unlockSound();
  const card = state.card;
  if (!card) return;
  if (state.walk) return focusStep();
  const [all, cues] = await Promise.all([protocols().catch(() => []), cuesOf(card)]);
  if (state.cardId !== card.id) return; // another card is shown by now
  const [first] = offers(all, card.incident?.type, cues);
  return first ? start(first.protocol.code, card) : chooseProtocol();
}

/** Alt+Shift+Y: every protocol, those that fit the card's type first; a digit or ↑ ↓, Enter. */
export async function chooseProtocol() {
  unlockSound();
  const card = state.card;
  if (!card) return;
  const turn = dialogTurn();
  const all = await protocols().catch((error) => { failed(error); return []; });
  if (state.cardId !== card.id || !turn()) return; // another card or dialog by now
  const type = card.incident?.type;
  const best = fittingFor(all, type);
  const fits = (p) => best.includes(p);
  const sorted = [...best, ...all.filter((p) => !fits(p))];
  openDialog({
    name: "protocol-choose",
    title: t("protocol_choose"),
    fill(body) {
      const list = h("div", { class: "choices" }, ...sorted.map((p, index) => h("label", { class: "check", dataset: { code: p.code } },
        h("input", { type: "radio", name: "protocol", value: p.code, checked: index === 0 }),
        `${index + 1}. ${pick(p.title)} `, fits(p) ? h("span", { class: "chip", text: t("protocol_fits") }) : "",
        p.approved ? "" : draftBadge())));
      list.addEventListener("keydown", (event) => {
        const n = digit(event);
        if (n !== null && n <= sorted.length) list.querySelectorAll("input")[n - 1].checked = true;
      });
      body.append(list);
    },
    async onConfirm() {
      const chosen = /** @type {HTMLInputElement} */ (document.querySelector("#dialog-body input[name=protocol]:checked"));
      if (chosen) await start(chosen.value, card);
      setTimeout(focusStep, 0); // after the dialog gives the focus back where it was
    },
  });
}

/** Escape in the walk: leave correcting an earlier answer; false when not correcting. */
export function protocolEscape() {
  if (!state.correcting) return false;
  state.correcting = null;
  state.focusNext = true;
  draw();
  return true;
}

/** P: the priority instead of the determinant's, with a reason (both asked; neither empty). */
export function overrideDialog() {
  const walk = state.walk;
  if (!walk?.determinant) return;
  const proposed = walk.determinant.priority;
  const options = [1, 2, 3, 4, 5].map((p) => [String(p), p === proposed ? t("protocol_priority_proposed", { priority: p }) : String(p)]);
  if (walk.priority_override !== null) options.unshift(["", t("protocol_override_back", { priority: proposed })]);
  openDialog({
    name: "protocol-override",
    title: `${t("protocol_override")} — ${walk.determinant.code}`,
    fill(body) {
      const priority = select(options, String(walk.priority_override ?? proposed));
      priority.id = "protocol-override-priority";
      const reason = h("input", { type: "text", id: "protocol-override-reason", maxlength: 500, "aria-required": "true" });
      body.append(field("protocol_override_priority", priority), field("protocol_override_reason", reason));
    },
    async onConfirm() {
      const chosen = /** @type {HTMLSelectElement} */ ($("protocol-override-priority")).value;
      const priority = chosen === "" ? null : Number(chosen);
      const reason = /** @type {HTMLInputElement} */ ($("protocol-override-reason")).value.trim();
      if (priority !== null && !reason) {
        $("protocol-override-reason").focus();
        throw new Error(t("said_protocol_override_reason"));
      }
      const fresh = await api("POST", `/protocol-runs/${walk.run_id}/override`, {
        json: { priority, ...(reason ? { reason } : {}) },
      });
      if (state.walk?.run_id !== walk.run_id) return;
      state.reads(); // a read of the card's walks asked before this answer is now old
      await setWalk(fresh);
      draw();
      setTimeout(focusStep, 0);
    },
  });
}
