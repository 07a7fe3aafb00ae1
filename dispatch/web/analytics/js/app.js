// @ts-check
// The analyst console: sign in (roles analyst, supervisor, admin), then the queues' KPIs over a
// period, calls and incidents per district on the map, the operators' working time and the
// calls' figures and QA scores with every filter (region, district, ...), each downloadable as XLSX and CSV. Signing in, HTTP and the texts are the operator console's
// modules (session.js, api.js, i18n.js with these texts added); the DOM helpers are the QA
// pages' (dom.js).

import { helpDialog, toast } from "/common/js/pages.js";
import { errorText } from "/common/js/api.js";
import { addTexts, t } from "/common/js/i18n.js";
import { installShortcuts } from "/common/js/keys.js";
import { createSession } from "/common/js/session.js";
import { $, drawings, h } from "/common/js/dom.js";
import { filters, relabelFilters, setUpFilters, showFiltersFor } from "./filters.js";
import { showCalls } from "./calls.js";
import { showKpis } from "./kpis.js";
import { showQa } from "./qa.js";
import { showTerritory } from "./territory.js";
import { showWorking } from "./working.js";
import en from "./texts/en.js";
import ru from "./texts/ru.js";
import uz from "./texts/uz.js";

addTexts({ uz, ru, en });

const ROLES = ["analyst", "supervisor", "admin"];
const app = { session: null };
const draw = drawings(); // the page shows the newest route only
const dialog = (id) => /** @type {HTMLDialogElement} */ ($(id));
window.dispatchAnalytics = app; // for the browser tests and support staff in devtools

// The console's keys (Alt+letter works while typing in a field; "?" only outside fields); no
// key does two things. Keys that act where the focus is are listed in the help after them.
export const SHORTCUTS = [
  { keys: "?", label: "key_help", action: "help", typing: false },
  { keys: "F1", label: "key_help", action: "help" },
  { keys: "Alt+1", label: "key_kpis", action: "kpis" },
  { keys: "Alt+2", label: "key_territory", action: "territory" },
  { keys: "Alt+3", label: "key_working", action: "working" },
  { keys: "Alt+4", label: "key_calls", action: "calls" },
  { keys: "Alt+5", label: "key_qa", action: "qa" },
  { keys: "Alt+Z", label: "key_larger_text", action: "largerText" },
  { keys: "Alt+G", label: "key_language", action: "nextLanguage" },
];

const FOCUSED = [
  ["Enter", "key_show"],
  ["← ↑ → ↓ Home End", "key_map_move"],
  ["Enter / Space", "key_map_open"],
  ["Escape", "key_close"],
];

const PAGES = { kpis: showKpis, territory: showTerritory, working: showWorking, calls: showCalls, qa: showQa };

function context() {
  return { me: session.me, page: $("page"), toast, filters: filters() };
}

const session = createSession({
  screen: "app",
  refuse: (me) => (ROLES.includes(me.role) ? "" : t("analysts_only")),
  load: () => setUpFilters({ submit: () => route() }),
  enter: (me) => {
    $("me").textContent = me.full_name || me.username;
    route();
  },
  relabel: () => {
    relabelFilters();
    route();
  },
  leave: () => {
    $("page").replaceChildren();
    for (const box of [dialog("drill"), dialog("help")]) if (box.open) box.close();
  },
});
app.session = session;

/** The keys, in the interface language; the focus goes back where it was on closing. */
const showHelp = helpDialog(SHORTCUTS, FOCUSED, () => Boolean(session.me) && !dialog("drill").open);

async function start() {
  window.addEventListener("hashchange", route);
  const go = (name) => () => { location.hash = `#${name}`; };
  installShortcuts({
    kpis: go("kpis"),
    territory: go("territory"),
    working: go("working"),
    calls: go("calls"),
    qa: go("qa"),
    largerText: () => session.toggleLargeText(),
    nextLanguage: () => session.nextLanguage(),
    help: showHelp,
  }, SHORTCUTS);
  $("help-button").addEventListener("click", showHelp);
  await session.start();
}

function pageName() {
  const name = location.hash.slice(1).split("/")[0];
  return PAGES[name] ? name : "kpis";
}

/** Draw the page the address names (#kpis, #territory, #working, #calls, #qa) with the
 * filters' values. */
async function route() {
  if (!session.me) return;
  const name = pageName();
  for (const link of /** @type {NodeListOf<HTMLAnchorElement>} */ (document.querySelectorAll(".tabs a"))) {
    link.setAttribute("aria-current", link.dataset.page === name ? "page" : "false");
  }
  showFiltersFor(name);
  const problem = filters().problem();
  $("f-error").textContent = problem;
  if (problem) return;
  const current = draw();
  $("page").dataset.state = "loading";
  $("page").replaceChildren(h("p", { className: "muted" }, t("loading")));
  try {
    await PAGES[name](context(), current);
    if (current()) $("page").dataset.state = name;
  } catch (error) {
    if (!current()) return;
    $("page").dataset.state = "error";
    $("page").replaceChildren(h("p", { className: "error", role: "alert" }, errorText(error)));
  }
}

start();
