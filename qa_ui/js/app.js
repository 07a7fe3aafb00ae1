// The QA pages: sign in (role qa), then plans, scoring a call, calibration and reports.
// HTTP and the session token are the operator console's own module.

import { api, setToken, signIn, token } from "/operator/js/api.js";
import { showCalibration } from "./calibration.js";
import { $, h } from "./dom.js";
import { LANGUAGE_NAMES, LANGUAGES, language, setLanguage, t, translatePage } from "./i18n.js";
import { showPlans } from "./plans.js";
import { showReports } from "./reports.js";
import { showCall } from "./review.js";

const app = { me: null, toastTimer: null };
window.dispatchQa = app; // for the browser tests and support staff in devtools

const PAGES = {
  plans: (arg) => showPlans(context(), arg),
  plan: (arg) => showPlans(context(), arg),
  call: (arg, query) => showCall(context(), arg, query),
  calibration: (arg) => showCalibration(context(), arg),
  reports: () => showReports(context()),
};

function context() {
  return { me: app.me, page: $("page"), toast, go };
}

async function start() {
  setLanguage(localStorage.getItem("dispatch112.language") || navigator.language.slice(0, 2));
  translatePage();
  languageChoices();
  $("signin-form").addEventListener("submit", onSignIn);
  $("signout-button").addEventListener("click", signOut);
  $("language").addEventListener("change", () => switchLanguage($("language").value));
  window.addEventListener("signed-out", signOut);
  window.addEventListener("hashchange", route);
  if (token()) await enter();
  else showSignIn();
}

function languageChoices() {
  $("language").replaceChildren(...LANGUAGES.map((code) => new Option(LANGUAGE_NAMES[code], code)));
  $("language").value = language();
  $("signin-languages").replaceChildren(...LANGUAGES.map((code) =>
    h("button", { type: "button", onclick: () => switchLanguage(code) }, LANGUAGE_NAMES[code])));
}

function switchLanguage(code, remember = true, redraw = true) {
  setLanguage(code);
  if (remember && app.me) localStorage.setItem(`dispatch112.language.${app.me.username}`, language());
  localStorage.setItem("dispatch112.language", language());
  $("language").value = language();
  translatePage();
  if (app.me && redraw) route();
}

function showSignIn() {
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signin-username").focus();
}

async function onSignIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    await signIn($("signin-username").value.trim(), $("signin-password").value);
    $("signin-password").value = "";
    await enter();
  } catch (error) {
    $("signin-error").textContent = `${t("sign_in_failed")}: ${error.detail || error.message}`;
  }
}

async function enter() {
  try {
    app.me = await api("GET", "/auth/me");
  } catch {
    setToken(null);
    return showSignIn();
  }
  if (app.me.role !== "qa") {
    setToken(null);
    app.me = null;
    $("signin-error").textContent = t("qa_only");
    return showSignIn();
  }
  const saved = localStorage.getItem(`dispatch112.language.${app.me.username}`);
  switchLanguage(saved || app.me.language, false, false);
  $("me").textContent = app.me.full_name || app.me.username;
  $("signin").hidden = true;
  $("app").hidden = false;
  route();
}

function signOut() {
  setToken(null);
  app.me = null;
  $("page").replaceChildren();
  showSignIn();
}

/** Show the page the address names: #plans, #plan/ID, #call/ID?calibration=ID, ... */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  if (!app.me) return;
  const [path, search] = (location.hash.slice(1) || "plans").split("?");
  const [name, arg] = path.split("/");
  const show = PAGES[name] || PAGES.plans;
  for (const link of document.querySelectorAll(".tabs a")) {
    const current = link.dataset.page === name || (name === "plan" && link.dataset.page === "plans");
    link.setAttribute("aria-current", current ? "page" : "false");
  }
  $("page").replaceChildren(h("p", { className: "muted" }, t("loading")));
  try {
    await show(arg, new URLSearchParams(search || ""));
  } catch (error) {
    $("page").replaceChildren(h("p", { className: "error", role: "alert" }, error.detail || error.message));
  }
}

/** A short message at the top (errors stay until the next one). */
function toast(message, kind = "ok") {
  const el = $("toast");
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(app.toastTimer);
  app.toastTimer = setTimeout(() => { el.hidden = true; }, kind === "error" ? 12000 : 4000);
}

start();
