// @ts-check
// The trainer's page: sign in (trainers and supervisors; operators see their own training
// and everyone the regulations that concern them), the programmes, one opened with its
// sessions (plan, invite from QA's suggestions or by hand, attendance, test results), a new
// programme written in a form, the effect on QA scores (B1.03) with its XLSX export, the
// schedules that make a programme due again (schedules.js) and the competency register
// (competencies.js: supervisors record, trainers read) and wellbeing after traumatic calls
// (wellbeing.js: the report, the talks to hold; never shown to operators).
// Signing in, HTTP and the texts are the operator console's modules (session.js, api.js,
// i18n.js with these texts added); the DOM helpers are the QA pages' (dom.js).

import { helpDialog, toast } from "/common/js/pages.js";
import { api, ApiError, token } from "/common/js/api.js";
import { addTexts, language, pick, t } from "/common/js/i18n.js";
import { installShortcuts } from "/common/js/keys.js";
import { createSession } from "/common/js/session.js";
import { $, drawings, h } from "/common/js/dom.js";
import { drawCompetencies } from "./competencies.js";
import { drawEffect } from "./effect.js";
import { drawMine } from "./mine.js";
import { drawRegulations } from "./regulations.js";
import { drawProgrammeForm } from "./programme_form.js";
import { drawSchedules } from "./schedules.js";
import { drawSessions } from "./sessions.js";
import { drawWellbeing } from "./wellbeing.js";
import en from "./texts/en.js";
import ru from "./texts/ru.js";
import uz from "./texts/uz.js";

addTexts({ uz, ru, en });

// Everyone reads the regulations that concern them here; trainers and supervisors run training.
const ROLES = ["trainer", "supervisor", "operator", "qa", "analyst", "methodologist", "admin"];
const PUBLISHERS = ["trainer", "supervisor", "admin"];
const TRAINERS = ["trainer", "supervisor"];
const TRAINEES = ["operator", "supervisor"];
const app = {
  session: null, programmes: [], open: null, mine: false, view: null, person: null, standard: [], effect: null,
  wellbeing: null,
};
window.dispatchTraining = app; // for the browser tests and support staff in devtools

export const SHORTCUTS = [
  { keys: "?", label: "key_help", action: "help", typing: false },
  { keys: "F1", label: "key_help", action: "help" },
  { keys: "Alt+L", label: "key_list", action: "focusList" },
  { keys: "Alt+N", label: "key_new", action: "newProgramme" },
  { keys: "Alt+E", label: "key_effect", action: "showEffect" },
  { keys: "Alt+S", label: "key_schedules", action: "showSchedules" },
  { keys: "Alt+R", label: "key_competencies", action: "showCompetencies" },
  { keys: "Alt+W", label: "key_wellbeing", action: "showWellbeing" },
  { keys: "Alt+Z", label: "key_larger_text", action: "largerText" },
  { keys: "Alt+G", label: "key_language", action: "nextLanguage" },
];
const FOCUSED = [["Tab / Shift+Tab", "key_move"], ["Enter / Space", "key_press"], ["Escape", "key_close_help"]];

const session = createSession({
  screen: "app",
  refuse: (me) => (ROLES.includes(me.role) ? "" : t("trainers_only")),
  enter: async (me) => {
    $("me").textContent = me.full_name || me.username;
    const trainer = TRAINERS.includes(me.role);
    $("programmes").hidden = !trainer;
    $("effect").hidden = !trainer;
    $("schedules-button").hidden = !trainer;
    $("competencies-button").hidden = !trainer;
    $("wellbeing-button").hidden = !trainer;
    $("my-training").hidden = !TRAINEES.includes(me.role);
    if (!TRAINEES.includes(me.role) && !trainer) {
      await drawRegulations(mainCtx(), PUBLISHERS.includes(me.role));
      return;
    }
    if (!trainer) {
      await showMine();
      return;
    }
    app.standard = await api("GET", "/training/standard");
    await loadList();
    await loadEffect();
  },
  relabel: () => {
    if (!TRAINEES.includes(session.me.role) && !TRAINERS.includes(session.me.role)) {
      drawRegulations(mainCtx(), PUBLISHERS.includes(session.me.role));
    } else if (app.mine) showMine();
    else if (app.view) { showView(app.view); drawEffect(ctx()); }
    else { drawList(); redraw(); drawEffect(ctx()); }
  },
  leave: () => {
    app.programmes = [];
    app.open = null;
    app.view = null;
    app.person = null;
    app.wellbeing = null;
    $("programme-list").replaceChildren();
    $("main-body").replaceChildren();
    $("effect-body").replaceChildren();
    const help = /** @type {HTMLDialogElement} */ ($("help"));
    if (help.open) help.close();
  },
});
app.session = session;

function ctx() {
  return { app, api, toast, refusal, reload, openProgramme, loadEffect, current: () => true };
}

// The main panel and the effect panel each show the newest thing asked for: a programme, a view
// or the regulations chosen while another's answers are on their way is not drawn over by them.
const mainPanel = drawings();
const effectPanel = drawings();

/** The context of a new drawing of the main panel (``current()`` false once another began). */
function mainCtx() {
  return { ...ctx(), current: mainPanel() };
}

/** A refusal's sentence in the interface language (its code's text, else the server's). */
export function refusal(error) {
  return error instanceof ApiError ? error.detail : error.message;
}

async function loadList() {
  $("programmes-error").textContent = "";
  try {
    app.programmes = await api("GET", "/training/programmes");
  } catch (error) {
    $("programmes-error").textContent = refusal(error);
  }
  drawList();
}

function drawList() {
  $("programme-list").replaceChildren(...app.programmes.map((p) => h("li", {},
    h("button", {
      type: "button", dataset: { id: p.id }, "aria-current": String(app.open?.id === p.id),
      onclick: () => openProgramme(p.id, true),
    }, pick(p.title)))));
  if (!app.programmes.length) $("programme-list").append(h("li", { className: "muted" }, t("no_programmes")));
}

/** Open programme ``id`` (its sessions below it); ``focus`` moves the focus to its title. */
async function openProgramme(id, focus = false) {
  app.mine = false;
  app.view = null;
  app.open = app.programmes.find((p) => p.id === id) || null;
  drawList();
  await redraw();
  if (focus) $("main-title").focus();
}

async function redraw() {
  if (!session.me) return;
  if (!app.open) {
    mainPanel(); // whatever was on its way is not drawn now
    $("main-title").textContent = t("choose_a_programme");
    $("main-body").replaceChildren();
    return;
  }
  await drawSessions(mainCtx(), app.open);
}

/** After a change: the list, the opened programme and the effect again. */
async function reload(message) {
  await loadList();
  if (app.open) app.open = app.programmes.find((p) => p.id === app.open.id) || null;
  await redraw();
  await loadEffect();
  if (message) toast(message);
}

async function loadEffect() {
  const current = effectPanel();
  $("effect-error").textContent = "";
  try {
    const effect = await api("GET", `/training/effectiveness?days=${Number(/** @type {HTMLInputElement} */ ($("effect-days")).value) || 30}`);
    if (!current()) return;
    app.effect = effect;
  } catch (error) {
    if (!current()) return;
    $("effect-error").textContent = refusal(error);
  }
  drawEffect(ctx());
}

async function downloadXlsx() {
  const days = Number(/** @type {HTMLInputElement} */ ($("effect-days")).value) || 30;
  const lang = language();
  const response = await fetch(`/api/v1/training/effectiveness/export.xlsx?days=${days}&language=${lang}`,
    { headers: { Authorization: `Bearer ${token()}` } });
  if (!response.ok) {
    $("effect-error").textContent = response.statusText;
    return;
  }
  const link = h("a", { href: URL.createObjectURL(await response.blob()), download: `training-effect-${days}d.xlsx` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

/** The signed-in person's own sessions, tests and feedback. */
async function showMine() {
  app.mine = true;
  app.open = null;
  app.view = null;
  if (TRAINERS.includes(session.me.role)) drawList();
  await drawMine(mainCtx());
}

function newProgramme() {
  if (!session.me || !TRAINERS.includes(session.me.role)) return;
  app.mine = false;
  app.open = null;
  app.view = null;
  drawList();
  drawProgrammeForm(mainCtx());
  $("main-title").focus();
}

/** The schedules, the competency register or wellbeing in the main panel (trainers and
 * supervisors only: nothing for anyone else). */
async function showView(view, focus = false) {
  if (!session.me || !TRAINERS.includes(session.me.role)) return;
  app.mine = false;
  app.open = null;
  app.view = view;
  drawList();
  if (view === "schedules") await drawSchedules(mainCtx());
  else if (view === "wellbeing") await drawWellbeing(mainCtx());
  else await drawCompetencies(mainCtx(), session.me.role === "supervisor");
  if (focus) $("main-title").focus();
}

/** The keys, in the interface language; the focus goes back where it was on closing. */
const showHelp = helpDialog(SHORTCUTS, FOCUSED, () => Boolean(session.me));

async function start() {
  installShortcuts({
    focusList: () => /** @type {HTMLButtonElement} */ (document.querySelector("#programme-list button[aria-current=true]")
      || document.querySelector("#programme-list button"))?.focus(),
    newProgramme,
    showEffect: () => {
      if (!$("effect").hidden) { loadEffect(); $("effect-days").focus(); }
    },
    showSchedules: () => showView("schedules", true),
    showCompetencies: () => showView("register", true),
    showWellbeing: () => showView("wellbeing", true),
    largerText: () => session.toggleLargeText(),
    nextLanguage: () => session.nextLanguage(),
    help: showHelp,
  }, SHORTCUTS);
  $("new-programme").addEventListener("click", newProgramme);
  $("schedules-button").addEventListener("click", () => showView("schedules", true));
  $("competencies-button").addEventListener("click", () => showView("register", true));
  $("wellbeing-button").addEventListener("click", () => showView("wellbeing", true));
  $("regulations-button").addEventListener("click", async () => {
    app.mine = false;
    app.open = null;
    app.view = null;
    if (TRAINERS.includes(session.me.role)) drawList();
    await drawRegulations(mainCtx(), PUBLISHERS.includes(session.me.role));
    $("main-title").focus();
  });
  $("my-training").addEventListener("click", async () => {
    await showMine();
    $("main-title").focus();
  });
  $("effect-form").addEventListener("submit", (event) => { event.preventDefault(); loadEffect(); });
  $("effect-xlsx").addEventListener("click", downloadXlsx);
  $("help-button").addEventListener("click", showHelp);
  await session.start();
}

start();
