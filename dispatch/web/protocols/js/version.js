// @ts-check
// One protocol version: who made it and when, where it stands, what a methodologist may do with
// it now, its definition as JSON (a textarea for a draft) and readably.
//
// A draft: Save (PUT; a refusal shows the server's detail naming where, the textarea keeps
// what was typed) and Submit for review. In review: Approve (the server refuses the one who
// submitted it: four eyes) or Return with a note. Approved and retired versions are read-only;
// New version from this starts the next draft from one (refused while one is open).
// Supervisors read everything and change nothing.

import { api, errorText } from "/common/js/api.js";
import { dateTime, language as uiLanguage, t } from "/common/js/i18n.js";
import { $, h, oneAtATime } from "/common/js/dom.js";
import { readable } from "./readable.js";

export const TEXT_LANGUAGES = ["uz", "ru", "kaa", "en"];

/** The status of a version as a chip: the word, and the state for the styles and tests. */
export function statusChip(status) {
  return h("span", { className: "chip status", dataset: { status } }, t(`vstatus_${status}`));
}

function fact(label, ...value) {
  return [h("dt", {}, t(label)), h("dd", {}, value.length ? value : "—")];
}

function byAt(who, when) {
  if (!who) return [];
  return [when ? t("by_at", { who, when: dateTime(when) }) : who];
}

function facts(row) {
  return h("dl", { className: "facts", id: "version-facts" },
    fact("fact_code", h("code", {}, row.code)),
    fact("fact_status", statusChip(row.status)),
    fact("fact_created", ...byAt(row.created_by, row.created_at)),
    fact("fact_updated", dateTime(row.updated_at)),
    fact("fact_submitted", ...byAt(row.submitted_by, null)),
    fact("fact_approved", ...byAt(row.approved_by, row.approved_at)),
    row.review_note ? fact("fact_review_note", h("span", { id: "review-note-shown" }, row.review_note)) : null);
}

/** The message under the actions (a refusal stays until the next action). */
function say(id, message) {
  const el = $(id);
  if (el) el.textContent = message;
}

/**
 * Draw ``app.open`` into #version. ``ctx``: ``{app, me, reopen(id, message), toast}``;
 * ``reopen`` reloads the list and the version after a change, saying ``message``.
 */
export function drawVersion(ctx) {
  const { app } = ctx;
  const row = app.open;
  const main = $("version");
  if (!row) {
    main.replaceChildren(
      h("h2", { id: "version-title", tabIndex: -1 }, t("no_version_open")),
      h("p", { className: "muted" }, t("choose_a_version")));
    return;
  }
  const writer = ctx.me.role === "methodologist";
  const language = TEXT_LANGUAGES.includes(app.textLanguage) ? app.textLanguage : uiLanguage();
  const title = row.definition?.title?.[uiLanguage()] || row.title?.en || row.code;
  main.dataset.status = row.status;
  main.dataset.version = row.id;
  main.replaceChildren(
    h("h2", { id: "version-title", tabIndex: -1 }, t("version_title", { title, version: row.version })),
    facts(row),
    actions(ctx, row, writer),
    row.status === "draft" && writer ? editor(ctx, row) : readOnlyJson(row),
    textLanguage(ctx, language),
    readable(row.definition, language));
}

function actions(ctx, row, writer) {
  const box = h("section", { className: "actions", id: "actions", "aria-labelledby": "actions-title" },
    h("h3", { id: "actions-title" }, t("actions_title")));
  if (!writer) {
    box.append(h("p", { className: "muted" }, t("supervisor_read_only")));
    return box;
  }
  const buttons = h("div", { className: "buttons" });
  if (row.status === "draft") {
    if (row.review_note) box.append(h("p", { className: "note" }, t("returned_with_note", { note: row.review_note })));
    buttons.append(h("button", { type: "button", id: "submit", className: "primary", onclick: oneAtATime(() => submit(ctx, row)) }, t("submit")));
  } else if (row.status === "in_review") {
    if (row.submitted_by === ctx.me.username) box.append(h("p", { className: "note", id: "four-eyes-hint" }, t("four_eyes_hint")));
    buttons.append(h("button", { type: "button", id: "approve", className: "primary", onclick: oneAtATime(() => approve(ctx, row)) }, t("approve")));
  } else {
    const immutable = row.status === "approved" ? t("approved_immutable") : t("retired_immutable");
    box.append(h("p", { className: "note", id: "immutable" }, immutable));
    buttons.append(h("button", { type: "button", id: "new-version", onclick: oneAtATime(() => newVersion(ctx, row)) }, t("new_version")));
  }
  box.append(buttons, h("p", { id: "action-message", className: "error", role: "alert" }));
  if (row.status === "in_review") box.append(returnForm(ctx, row));
  return box;
}

function returnForm(ctx, row) {
  const form = h("form", { id: "return-form", className: "stack", noValidate: true },
    h("label", { htmlFor: "review-note" }, t("review_note_label")),
    h("textarea", { id: "review-note", rows: 3, maxLength: 2000, "aria-describedby": "note-error" }),
    h("p", { id: "note-error", className: "error", role: "alert" }),
    h("div", {}, h("button", { type: "submit", id: "return" }, t("return_with_note"))));
  form.addEventListener("submit", oneAtATime(() => returnWithNote(ctx, row)));
  return form;
}

function editor(ctx, row) {
  const { app } = ctx;
  const area = h("textarea", {
    id: "definition", className: "json", rows: 28, autocomplete: "off",
    "aria-describedby": "json-hint definition-error",
  });
  area.spellcheck = false; // h() leaves false properties out
  area.value = app.editor.text;
  const unsaved = h("span", { id: "unsaved", className: "chip warn", hidden: !app.editor.dirty }, t("unsaved"));
  area.addEventListener("input", () => {
    app.editor.text = area.value;
    app.editor.dirty = true;
    unsaved.hidden = false;
  });
  return h("section", { className: "editor-box", "aria-labelledby": "json-title" },
    h("h3", { id: "json-title" }, t("json_title")),
    h("label", { htmlFor: "definition" }, t("json_label")),
    h("p", { id: "json-hint", className: "muted" }, t("json_hint")),
    area,
    h("p", { id: "definition-error", className: "error", role: "alert" }),
    h("div", { className: "buttons" },
      h("button", { type: "button", id: "save", className: "primary", title: "Alt+S", onclick: () => save(ctx, row) }, t("save")),
      unsaved));
}

function readOnlyJson(row) {
  const area = h("textarea", { id: "definition-json", className: "json", rows: 16, readOnly: true });
  area.spellcheck = false;
  area.value = JSON.stringify(row.definition, null, 2);
  return h("details", { className: "json-box" },
    h("summary", {}, t("json_read_only")),
    h("label", { htmlFor: "definition-json", className: "visually-hidden" }, t("json_label")),
    area);
}

function textLanguage(ctx, language) {
  const select = h("select", { id: "text-language" },
    TEXT_LANGUAGES.map((code) => h("option", { value: code, selected: code === language }, t(`lang_${code}`))));
  select.addEventListener("change", () => {
    ctx.app.textLanguage = select.value;
    ctx.redraw();
    $("text-language")?.focus();
  });
  return h("p", { className: "text-language" }, h("label", { htmlFor: "text-language" }, `${t("texts_in")} `), select);
}

/** Save the draft's JSON: nothing is sent unless it parses; a refusal keeps what was typed. */
export async function save(ctx, row) {
  const area = /** @type {?HTMLTextAreaElement} */ ($("definition"));
  if (!area) return;
  let definition;
  try {
    definition = JSON.parse(area.value);
  } catch (error) {
    return refuseDefinition(t("json_invalid", { error: errorText(error) }));
  }
  try {
    await api("PUT", `/protocol-versions/${row.id}`, { json: definition });
  } catch (error) {
    return refuseDefinition(t("refused_definition", { detail: errorText(error) }));
  }
  ctx.app.editor.dirty = false;
  await ctx.reopen(row.id, t("saved"));
  $("save")?.focus();
}

function refuseDefinition(message) {
  const area = $("definition");
  say("definition-error", message);
  area.setAttribute("aria-invalid", "true");
  area.focus();
}

async function act(ctx, row, call, done) {
  say("action-message", "");
  try {
    await call();
  } catch (error) {
    say("action-message", errorText(error));
    return;
  }
  await ctx.reopen(row.id, done);
  $("version-title")?.focus();
}

function submit(ctx, row) {
  if (ctx.app.editor.dirty) {
    say("action-message", t("unsaved_submit"));
    return;
  }
  return act(ctx, row, () => api("POST", `/protocol-versions/${row.id}/submit`), t("submitted"));
}

function approve(ctx, row) {
  return act(ctx, row, () => api("POST", `/protocol-versions/${row.id}/review`, { json: { approve: true } }), t("approved_done"));
}

function returnWithNote(ctx, row) {
  const note = /** @type {HTMLTextAreaElement} */ ($("review-note")).value.trim();
  if (!note) {
    say("note-error", t("note_required"));
    $("review-note").setAttribute("aria-invalid", "true");
    $("review-note").focus();
    return;
  }
  say("note-error", "");
  return act(ctx, row, () => api("POST", `/protocol-versions/${row.id}/review`, { json: { approve: false, note } }),
    t("returned_done"));
}

async function newVersion(ctx, row) {
  say("action-message", "");
  let made;
  try {
    made = await api("POST", "/protocols", { json: row.definition });
  } catch (error) {
    say("action-message", errorText(error));
    return;
  }
  await ctx.reopen(made.id, t("new_version_made", { version: made.version }));
  $("version-title")?.focus();
}
