// @ts-check
// Signing in and out, the same in the operator, supervisor and QA consoles: the sign-in form,
// the session token (api.js), who is signed in (/auth/me), the interface language (the
// account's own, switchable and remembered per user) and signing out. Each console passes
// hooks for what is its own: loading reference data, drawing its screen, tearing it down.
//
// The page has an empty #signin section (the one sign-in form of every console is drawn into it
// here: #signin-form, #signin-username, #signin-password, #signin-error, #signin-languages),
// the signed-in screen (id ``screen``), #language, #text-size-button and #signout-button. The larger-text setting is this browser's (the person at this desk), kept
// in localStorage like the language.

import { api, errorText, setToken, signIn, token } from "./api.js";
import { h, oneAtATime } from "./dom.js";
import { LANGUAGE_NAMES, LANGUAGES, language, setLanguage, t, translatePage } from "./i18n.js";

const LANGUAGE_KEY = "dispatch112.language";
const LARGE_TEXT_KEY = "dispatch112.largeText";
const $ = (id) => document.getElementById(id);
const input = (id) => /** @type {HTMLInputElement} */ ($(id));
const languageChoice = () => /** @type {HTMLSelectElement} */ ($("language"));

/** The language ``username`` chose last in this browser (null if none). */
function savedLanguage(username) {
  return localStorage.getItem(`${LANGUAGE_KEY}.${username}`);
}

/** The sign-in form, the same in every console (texts by data-t, set by translatePage). */
function signInForm() {
  const label = (key, field) => h("label", {}, h("span", { dataset: { t: key } }), field);
  return h("form", { id: "signin-form", class: "signin-box", autocomplete: "on" },
    h("h1", {}, h("span", { class: "brand" }, "112"), " ", h("span", { dataset: { t: "console_name" } })),
    label("username", h("input", {
      id: "signin-username", name: "username", autocomplete: "username", required: true, autofocus: true,
    })),
    label("password", h("input", {
      id: "signin-password", name: "password", type: "password", autocomplete: "current-password", required: true,
    })),
    h("p", { id: "signin-error", class: "error", role: "alert" }),
    h("button", { type: "submit", class: "primary", dataset: { t: "sign_in" } }),
    h("p", { class: "languages", id: "signin-languages" }));
}

/**
 * A console's session. Hooks (all optional):
 * - ``refuse(me)``: why this account may not use this console (a message), or "" to let it in;
 * - ``load(me)``: before the screen shows (reference data);
 * - ``enter(me)``: once the screen shows (the stream, the first drawing);
 * - ``relabel()``: after a language switch while the screen shows (redraw the texts);
 * - ``leave()``: on every sign-out, before the sign-in form shows (stop the stream, forget);
 * - ``leaving()``: when the person presses sign-out, before signing out (e.g. leave the queue);
 * - ``signingIn()``: in the sign-in's own key press or click (e.g. allow sound).
 * @param {{screen?: string, refuse?: (me: any) => string, load?: (me: any) => unknown,
 *   enter?: (me: any) => unknown, relabel?: () => void, leave?: () => void,
 *   leaving?: () => unknown, signingIn?: () => void}} [options]
 */
export function createSession({ screen = "console", ...hooks } = {}) {
  const session = {
    /** The signed-in account (/auth/me), null when signed out. */
    me: null,

    /** Texts, the language choices and the handlers; then the screen, or the sign-in form. */
    async start() {
      $("signin").replaceChildren(signInForm());
      showTextSize();
      $("text-size-button").addEventListener("click", () => session.toggleLargeText());
      setLanguage(localStorage.getItem(LANGUAGE_KEY) || navigator.language.slice(0, 2));
      translatePage();
      languageChoices();
      $("signin-form").addEventListener("submit", onSignIn);
      $("signout-button").addEventListener("click", async () => {
        await hooks.leaving?.();
        session.signOut();
      });
      $("language").addEventListener("change", () => session.switchLanguage(languageChoice().value));
      window.addEventListener("signed-out", () => session.signOut());
      if (token()) await enter();
      else showSignIn();
    },

    /** Forget the token and show the sign-in form (with ``reason`` when there is one). */
    signOut(reason = "") {
      hooks.leave?.();
      setToken(null);
      session.me = null;
      showSignIn(typeof reason === "string" ? reason : "");
    },

    /** Switch the interface language; remembered for this browser and this account. */
    switchLanguage(code, remember = true) {
      setLanguage(code);
      if (remember) {
        localStorage.setItem(LANGUAGE_KEY, language());
        if (session.me) localStorage.setItem(`${LANGUAGE_KEY}.${session.me.username}`, language());
      }
      translatePage();
      languageChoice().value = language();
      if (session.me && !$(screen).hidden) hooks.relabel?.();
    },

    /** Larger text (125 %) on or off, kept over reloads (a button and a shortcut). */
    toggleLargeText() {
      const large = localStorage.getItem(LARGE_TEXT_KEY) === "on";
      localStorage.setItem(LARGE_TEXT_KEY, large ? "off" : "on");
      showTextSize();
    },

    /** The next of the three languages (a shortcut). */
    nextLanguage() {
      session.switchLanguage(LANGUAGES[(LANGUAGES.indexOf(language()) + 1) % LANGUAGES.length]);
    },
  };

  function showTextSize() {
    const large = localStorage.getItem(LARGE_TEXT_KEY) === "on";
    document.documentElement.classList.toggle("large-text", large);
    $("text-size-button").setAttribute("aria-pressed", String(large));
  }

  function languageChoices() {
    $("language").replaceChildren(...LANGUAGES.map((code) => new Option(LANGUAGE_NAMES[code], code)));
    languageChoice().value = language();
    $("signin-languages").replaceChildren(...LANGUAGES.map((code) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = LANGUAGE_NAMES[code];
      button.addEventListener("click", () => session.switchLanguage(code));
      return button;
    }));
  }

  function showSignIn(message = "") {
    $(screen).hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = message;
    $("signin-username").focus();
  }

  // A second Enter while signing in waits for the first (twice would open the screen twice:
  // a second stream left running after signing out).
  const onSignIn = oneAtATime(async () => {
    hooks.signingIn?.();
    $("signin-error").textContent = "";
    try {
      await signIn(input("signin-username").value.trim(), input("signin-password").value);
      input("signin-password").value = "";
      await enter();
    } catch (error) {
      $("signin-error").textContent = `${t("sign_in_failed")}: ${errorText(error)}`;
    }
  });

  async function enter() {
    let me;
    try {
      me = await api("GET", "/auth/me");
    } catch {
      setToken(null);
      return showSignIn();
    }
    const refused = hooks.refuse?.(me);
    if (refused) {
      setToken(null);
      return showSignIn(refused);
    }
    session.me = me;
    session.switchLanguage(savedLanguage(me.username) || me.language, false);
    await hooks.load?.(me);
    $("signin").hidden = true;
    $(screen).hidden = false;
    await hooks.enter?.(me);
  }

  return session;
}
