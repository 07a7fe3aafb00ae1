// @ts-check
// A new programme: titles and goals in the three languages, one module with its text and
// materials (https links, or file ids of the file store, one a line), the standard's tasks
// it serves, the scorecard's items it targets, and a test written as blocks (the question,
// then a line per choice, the right one starting with "*"; a blank line between questions).

import { pick, t } from "/common/js/i18n.js";
import { $, h, oneAtATime } from "/common/js/dom.js";

const LANGS = ["uz", "ru", "en"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function texts(name, label) {
  return h("fieldset", {}, h("legend", {}, t(label)),
    LANGS.map((code) => h("label", {}, h("span", {}, t(`lang_${code}`)),
      h("input", { name: `${name}_${code}`, required: true, maxLength: 2000 }))));
}

/** The test's blocks as questions; a block without a "*" choice is refused by the server. */
export function parseTest(source) {
  return source.split(/\n\s*\n/).map((block) => block.split("\n").map((l) => l.trim()).filter(Boolean))
    .filter((lines) => lines.length).map(([text, ...choices]) => ({
      text,
      choices: choices.map((c) => c.replace(/^\*\s*/, "")),
      answer: Math.max(0, choices.findIndex((c) => c.startsWith("*"))),
    }));
}

function materials(source) {
  return source.split("\n").map((l) => l.trim()).filter(Boolean)
    .map((line) => (UUID.test(line) ? { attachment_id: line } : { url: line }));
}

export async function drawProgrammeForm(ctx) {
  $("main-title").textContent = t("new_programme");
  const items = await ctx.api("GET", "/training/scorecard-items?scorecard=ace");
  if (!ctx.current()) return; // another programme or view was chosen meanwhile
  const error = h("p", { className: "error", role: "alert" });
  const form = h("form", { id: "programme-form" },
    texts("title", "programme_name"),
    texts("goals", "goals"),
    h("fieldset", {}, h("legend", {}, t("module")),
      h("label", {}, h("span", {}, t("module_title")), h("input", { name: "module_title", required: true })),
      h("label", {}, h("span", {}, t("module_content")), h("textarea", { name: "module_content" })),
      h("label", {}, h("span", {}, t("materials_hint")), h("textarea", { name: "materials" }))),
    h("fieldset", { id: "functions" }, h("legend", {}, t("functions")),
      ctx.app.standard.map((task) => h("label", { className: "check" },
        h("input", { type: "checkbox", name: "function", value: task.code }),
        h("span", {}, `${task.code} — ${task.en}`)))),
    h("fieldset", { id: "items" }, h("legend", {}, t("targeted_items")),
      items.map((item) => h("label", { className: "check" },
        h("input", { type: "checkbox", name: "item", value: item.key }),
        h("span", {}, pick(item.text))))),
    h("fieldset", {}, h("legend", {}, t("test")),
      h("label", {}, h("span", {}, t("pass_mark")),
        h("input", { name: "pass_mark", type: "number", min: 1, max: 100, value: 70, required: true })),
      h("label", {}, h("span", {}, t("questions_hint")), h("textarea", { name: "questions", required: true }))),
    error,
    h("button", { type: "submit", className: "primary" }, t("save_programme")));
  form.addEventListener("submit", oneAtATime(async () => {
    const data = new FormData(form);
    const byLang = (name) => Object.fromEntries(LANGS.map((code) => [code, data.get(`${name}_${code}`)]));
    const body = {
      title: byLang("title"),
      goals: byLang("goals"),
      modules: [{
        title: data.get("module_title"), content: data.get("module_content"),
        materials: materials(data.get("materials")),
      }],
      functions: data.getAll("function"),
      scorecard: "ace",
      items: data.getAll("item"),
      test: { pass_mark: Number(data.get("pass_mark")), questions: parseTest(data.get("questions")) },
    };
    error.textContent = "";
    try {
      const created = await ctx.api("POST", "/training/programmes", { json: body });
      await ctx.reload(t("programme_saved"));
      await ctx.openProgramme(created.id, true);
    } catch (failure) {
      error.textContent = ctx.refusal(failure);
      error.focus?.();
    }
  }));
  $("main-body").replaceChildren(form);
}
