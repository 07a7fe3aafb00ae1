// @ts-check
// The timers of a protocol's instructions (issue 24), kept in the browser only: nothing of them
// is written to the server. A metronome beats at the instruction's rate (a visible beat, a
// click when the console's sound is on, the compressions counted, and a prompt to swap the
// person doing compressions every so many seconds); a stopwatch runs (restarted by its button);
// a counter counts the operator's taps. Space (in the protocol panel) taps the newest counter,
// else pauses or resumes the newest timer.

import { h } from "/common/js/dom.js";
import { number, t } from "/common/js/i18n.js";

const timers = new Map(); // instruction node -> its timer, in the order started
const SWAP_SHOWN_MS = 15_000;
let audio = null;
let ticker = null;
/** @type {(text: string) => void} */
let say = () => {};

/** Sound on (inside a key press or a click, as browsers require); silent without a device. */
export function unlockSound() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  } catch {
    audio = null;
  }
}

function tone(frequency, seconds = 0.035, volume = 0.25) {
  if (!audio || audio.state !== "running") return;
  const start = audio.currentTime;
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(volume, start);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + seconds);
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start(start);
  oscillator.stop(start + seconds + 0.01);
}

const now = () => performance.now();

function elapsed(timer) {
  return (timer.pausedAt ?? now()) - timer.startedAt - timer.pausedFor;
}

function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Where the timers show (the panel is drawn anew on each step; the timers go on). */
export function attachTimers(container, announce) {
  say = announce;
  container.replaceChildren(...[...timers.values()].map((timer) => timer.el));
}

/** Run the timers of ``wanted`` ({node, kind, rate_per_min, handover_every_s, label}) and stop
 * the others (a walk finished, or an answer corrected onto another branch). */
export function syncTimers(wanted) {
  const nodes = new Set(wanted.map((w) => w.node));
  for (const [node, timer] of timers) if (!nodes.has(node)) stop(timer);
  for (const want of wanted) if (!timers.has(want.node)) timers.set(want.node, make(want));
  if (timers.size && !ticker) ticker = setInterval(() => timers.forEach(draw), 250);
}

export function stopTimers() {
  for (const timer of timers.values()) stop(timer);
}

function stop(timer) {
  clearTimeout(timer.handle);
  clearTimeout(timer.swapHandle);
  timer.el.remove();
  timers.delete(timer.node);
  if (!timers.size) {
    clearInterval(ticker);
    ticker = null;
  }
}

function make(want) {
  const timer = {
    node: want.node, kind: want.kind, rate: want.rate_per_min, handover: want.handover_every_s,
    startedAt: now(), pausedAt: null, pausedFor: 0, beats: 0, swaps: 0, count: 0, lastTap: null,
  };
  const label = h("p", { class: "timer-label", text: want.label || t(`timer_${want.kind}`) });
  timer.shown = h("span", { class: "timer-value" });
  timer.time = h("span", { class: "timer-time" });
  timer.toggle = h("button", { type: "button", class: "timer-toggle", onclick: () => primary(timer) });
  const parts = [label, h("p", { class: "timer-line" }, timer.shown, " ", timer.time), timer.toggle];
  if (want.kind === "metronome") {
    timer.dot = h("span", { class: "beat-dot", "aria-hidden": "true" });
    timer.swap = h("p", { class: "timer-swap", role: "alert", hidden: true, text: t("protocol_swap") });
    parts.splice(1, 0, h("p", { class: "timer-rate" }, timer.dot, ` ${t("timer_rate", { rate: timer.rate })}`));
    parts.push(timer.swap);
    schedule(timer);
  } else if (want.kind === "stopwatch") {
    parts.push(h("button", { type: "button", class: "timer-restart", onclick: () => restart(timer), text: t("timer_restart") }));
  }
  timer.el = h("div", { class: "timer", dataset: { kind: want.kind, node: want.node, running: "true" } }, ...parts);
  draw(timer);
  return timer;
}

function schedule(timer) {
  const period = 60_000 / timer.rate;
  timer.handle = setTimeout(() => {
    if (timer.pausedAt !== null) return;
    // a late timeout (a busy or hidden tab) catches up instead of drifting
    timer.beats = Math.max(timer.beats + 1, Math.floor(elapsed(timer) / period));
    beat(timer);
    schedule(timer);
  }, Math.max(0, (timer.beats + 1) * period - elapsed(timer)));
}

function beat(timer) {
  timer.dot.classList.add("on");
  setTimeout(() => timer.dot.classList.remove("on"), 120);
  tone(timer.beats % 10 === 0 ? 1320 : 990);
  if (timer.handover && Math.floor(elapsed(timer) / 1000 / timer.handover) > timer.swaps) {
    timer.swaps += 1;
    timer.swap.hidden = false;
    say(t("protocol_swap"));
    tone(520, 0.4, 0.35);
    clearTimeout(timer.swapHandle);
    timer.swapHandle = setTimeout(() => (timer.swap.hidden = true), SWAP_SHOWN_MS);
  }
  draw(timer);
}

function draw(timer) {
  const running = timer.pausedAt === null;
  timer.el.dataset.running = String(running);
  timer.time.textContent = clock(elapsed(timer));
  if (timer.kind === "metronome") {
    timer.el.dataset.beats = String(timer.beats);
    timer.shown.textContent = t("timer_compressions", { count: number(timer.beats) });
  } else if (timer.kind === "counter") {
    timer.el.dataset.count = String(timer.count);
    timer.shown.textContent = number(timer.count);
    timer.time.textContent = timer.lastTap === null ? "" : t("timer_since_tap", { time: clock(now() - timer.lastTap) });
  } else {
    timer.shown.textContent = "";
  }
  const key = timer.kind === "counter" ? "timer_tap" : running ? "timer_pause" : "timer_resume";
  timer.toggle.textContent = `${t(key)} (Space)`;
}

function primary(timer) {
  unlockSound();
  if (timer.kind === "counter") {
    timer.count += 1;
    timer.lastTap = now();
    tone(880);
  } else if (timer.pausedAt === null) {
    timer.pausedAt = now();
    clearTimeout(timer.handle);
  } else {
    timer.pausedFor += now() - timer.pausedAt;
    timer.pausedAt = null;
    if (timer.kind === "metronome") schedule(timer);
  }
  draw(timer);
}

function restart(timer) {
  Object.assign(timer, { startedAt: now(), pausedAt: null, pausedFor: 0 });
  draw(timer);
}

/** Space: tap the newest counter, else pause or resume the newest timer; false when none. */
export function tapTimer() {
  const all = [...timers.values()];
  const chosen = all.filter((timer) => timer.kind === "counter").at(-1) || all.at(-1);
  if (!chosen) return false;
  primary(chosen);
  return true;
}
