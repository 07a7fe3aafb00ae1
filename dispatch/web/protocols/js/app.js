// @ts-check
// The protocol editor: sign in (methodologists edit, supervisors read), the protocols with every
// version and its status, one version opened (#<version id>, kept over a reload) with its
// definition readably and, for a draft, as JSON to edit, and the moves of a version: save,
// submit for review, approve or return with a note, a new version from an approved one.
// Signing in, HTTP and the texts are the operator console's modules (session.js, api.js,
// i18n.js with these texts added); the DOM helpers are the QA pages' (dom.js).

import { helpDialog, toast } from "/common/js/pages.js";
import { api, errorText } from "/common/js/api.js";
import { addTexts, t } from "/common/js/i18n.js";
import { installShortcuts } from "/common/js/keys.js";
import { createSession } from "/common/js/session.js";
import { $, drawings, h } from "/common/js/dom.js";
import { drawList } from "./list.js";
import { drawVersion, save } from "./version.js";
import en from "./texts/en.js";
import ru from "./texts/ru.js";
import uz from "./texts/uz.js";

addTexts({ uz, ru, en });

const ROLES = ["methodologist", "supervisor"];
const app = {
  session: null,
  protocols: [], // [{code, versions (newest first)}]
  open: null, // the opened version, with its definition
  editor: { text: "", dirty: false }, // the draft's JSON as typed
  textLanguage: null, // the language the definition's texts are shown in (uz, ru, kaa, en)
};
window.dispatchProtocols = app; // for the browser tests and support staff in devtools
const help = () => /** @type {HTMLDialogElement} */ ($("help"));
// A late answer neither opens a version nor draws a list over a newer one (a quick second click).
const opening = drawings();
const listing = drawings();

// The editor's keys (Alt+letter works while typing in a field; "?" only outside fields); no
// key does two things. Keys that act where the focus is are listed in the help after them.
export const SHORTCUTS = [
  { keys: "?", label: "key_help", action: "help", typing: false },
  { keys: "F1", label: "key_help", action: "help" },
  { keys: "Alt+L", label: "key_list", action: "focusList" },
  { keys: "Alt+J", label: "key_json", action: "focusJson" },
  { keys: "Alt+S", label: "key_save", action: "saveDraft" },
  { keys: "Alt+Z", label: "key_larger_text", action: "largerText" },
  { keys: "Alt+G", label: "key_language", action: "nextLanguage" },
];

const FOCUSED = [
  ["Tab / Shift+Tab", "key_move"],
  ["Enter", "key_open"],
  ["Escape", "key_close_help"],
];

const session = createSession({
  screen: "app",
  refuse: (me) => (ROLES.includes(me.role) ? "" : t("methodologists_only")),
  enter: async (me) => {
    $("me").textContent = me.full_name || me.username;
    $("read-only").hidden = me.role === "methodologist";
    await route();
  },
  relabel: () => {
    drawList(app.protocols, app.open?.id);
    redraw();
  },
  leave: () => {
    app.protocols = [];
    app.open = null;
    app.editor = { text: "", dirty: false };
    $("protocol-list").replaceChildren();
    if (help().open) help().close();
  },
});
app.session = session;

function context() {
  return { app, me: session.me, reopen, redraw, toast };
}

/** Draw the opened version again (the JSON as typed is kept). */
function redraw() {
  if (session.me) drawVersion(context());
}

/** The protocols, each with every version (the list answers the one the consoles walk). */
async function loadList() {
  const current = listing();
  $("protocols-error").textContent = "";
  try {
    const usable = await api("GET", "/protocols");
    const codes = usable.map((version) => version.code).sort();
    const protocols = await Promise.all(codes.map(async (code) => ({
      code, versions: await api("GET", `/protocols/${encodeURIComponent(code)}/versions`),
    })));
    if (!current()) return;
    app.protocols = protocols;
  } catch (error) {
    if (!current()) return;
    $("protocols-error").textContent = errorText(error);
  }
  drawList(app.protocols, app.open?.id);
}

/** Open the version ``id`` (none: the empty panel). */
async function openVersion(id) {
  const current = opening();
  if (!id) {
    app.open = null;
    redraw();
    return;
  }
  try {
    const version = await api("GET", `/protocol-versions/${encodeURIComponent(id)}`);
    if (!current()) return;
    app.open = version;
  } catch (error) {
    if (!current()) return;
    app.open = null;
    redraw();
    $("version").append(h("p", { className: "error", role: "alert" }, errorText(error)));
    return;
  }
  app.editor = { text: JSON.stringify(app.open.definition, null, 2), dirty: false };
  redraw();
}

function hashId() {
  return decodeURIComponent(location.hash.slice(1));
}

/** The page the address names: the list, and the version #<id> opened. */
async function route() {
  if (!session.me) return;
  const id = hashId();
  if (app.open?.id === id && app.editor.dirty) return; // a reopen of what is being edited
  if (app.open && app.editor.dirty) { // back, forward or a typed address: ask first
    if (!window.confirm(t("unsaved_leave"))) {
      history.replaceState(null, "", `#${app.open.id}`);
      return;
    }
    app.editor.dirty = false;
  }
  const fromList = Boolean(document.activeElement?.closest("#protocol-list"));
  await openVersion(id);
  await loadList();
  if (fromList && app.open) $("version-title").focus(); // read on from the version opened
}

/** After a change: the list and version ``id`` again, and ``message`` said. */
async function reopen(id, message) {
  if (hashId() !== id) history.pushState(null, "", `#${id}`);
  await openVersion(id);
  await loadList();
  if (message) toast(message);
}

/** A click on another version while the draft has unsaved changes asks first. */
function guardLeaving(event) {
  const link = event.target.closest("a.version-link");
  if (!link || !app.editor.dirty || link.getAttribute("href") === `#${app.open?.id}`) return;
  if (!window.confirm(t("unsaved_leave"))) event.preventDefault();
  else app.editor.dirty = false;
}

/** The keys, in the interface language; the focus goes back where it was on closing. */
const showHelp = helpDialog(SHORTCUTS, FOCUSED, () => Boolean(session.me));

async function start() {
  window.addEventListener("hashchange", route);
  window.addEventListener("beforeunload", (event) => {
    if (app.editor.dirty) event.preventDefault(); // the browser asks before losing the edits
  });
  $("protocol-list").addEventListener("click", guardLeaving);
  installShortcuts({
    focusList: () => /** @type {?HTMLElement} */ (document.querySelector("#protocol-list a[aria-current=true]")
      || document.querySelector("#protocol-list a"))?.focus(),
    focusJson: () => $("definition")?.focus(),
    saveDraft: () => {
      if ($("definition") && app.open) save(context(), app.open);
    },
    largerText: () => session.toggleLargeText(),
    nextLanguage: () => session.nextLanguage(),
    help: showHelp,
  }, SHORTCUTS);
  $("help-button").addEventListener("click", showHelp);
  await session.start();
}

start();
