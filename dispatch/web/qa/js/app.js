// @ts-check
// The QA pages: sign in (role qa), then plans, scoring a call, calibration and reports.
// Signing in, HTTP and the texts are the operator console's modules (session.js, api.js,
// i18n.js with the QA texts added).

import { toast } from "/common/js/pages.js";
import { errorText } from "/common/js/api.js";
import { addTexts, t } from "/common/js/i18n.js";
import { installShortcuts } from "/common/js/keys.js";
import { createSession } from "/common/js/session.js";
import { showCalibration } from "./calibration.js";
import { $, drawings, h } from "/common/js/dom.js";
import { showPlans } from "./plans.js";
import { showReports } from "./reports.js";
import { showCall } from "./review.js";
import en from "./texts/en.js";
import ru from "./texts/ru.js";
import uz from "./texts/uz.js";

addTexts({ uz, ru, en });

const app = { session: null }; // session.me: who is signed in
window.dispatchQa = app; // for the browser tests and support staff in devtools

// The QA pages' keys; tests/consoles/test_caller_panel_browser.py checks that no two actions
// share one (the same check as the other consoles' tables).
const SHORTCUTS = [
  { keys: "Alt+Z", label: "key_larger_text", action: "largerText" },
];

// Each draws into #page from (context, the address's argument, its query).
const PAGES = { plans: showPlans, plan: showPlans, call: showCall, calibration: showCalibration, reports: showReports };
const draw = drawings(); // the page shows the newest route only

/** What a page draws with; ``current()`` is false once a newer route began (a page checks it
 * after each answer it waits for and then leaves #page alone). */
function context(current) {
  return { me: session.me, page: $("page"), toast, go, current };
}

const session = createSession({
  screen: "app",
  refuse: (me) => (me.role === "qa" ? "" : t("qa_only")),
  enter: (me) => {
    $("me").textContent = me.full_name || me.username;
    route();
  },
  relabel: () => route(),
  leave: () => $("page").replaceChildren(),
});
app.session = session;

async function start() {
  window.addEventListener("hashchange", route);
  installShortcuts({ largerText: () => session.toggleLargeText() }, SHORTCUTS);
  await session.start();
}

/** Show the page the address names: #plans, #plan/ID, #call/ID?calibration=ID, ... */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  if (!session.me) return;
  const [path, search] = (location.hash.slice(1) || "plans").split("?");
  const [name, arg] = path.split("/");
  const show = PAGES[name] || PAGES.plans;
  for (const link of document.querySelectorAll(".tabs a")) {
    if (!(link instanceof HTMLElement)) continue;
    const here = link.dataset.page === name || (name === "plan" && link.dataset.page === "plans");
    link.setAttribute("aria-current", here ? "page" : "false");
  }
  const current = draw();
  $("page").replaceChildren(h("p", { className: "muted" }, t("loading")));
  try {
    await show(context(current), arg, new URLSearchParams(search || ""));
  } catch (error) {
    if (current()) $("page").replaceChildren(h("p", { className: "error", role: "alert" }, errorText(error)));
  }
}

start();
