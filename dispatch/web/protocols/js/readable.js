// @ts-check
// A protocol's definition as a person reads it: what it is for and the guidance it follows, each
// question with its answers and where each answer leads, each instruction with its timer, and
// the determinants with the priority and services they propose. The texts in one of the four
// languages a definition holds (uz, ru, kaa, en); codes as they are written in the JSON.

import { number, t } from "/common/js/i18n.js";
import { h } from "/common/js/dom.js";

/** The protocol's text in ``language`` (else English, else any). */
function text(texts, language) {
  if (!texts) return "";
  return texts[language] || texts.en || Object.values(texts)[0] || "";
}

function value(answer) {
  if (answer === true) return t("cond_yes");
  if (answer === false) return t("cond_no");
  return typeof answer === "number" ? number(answer, { maximumFractionDigits: 2 }) : String(answer);
}

/** A condition in words: "breathing = no", "(a and b)", "age_band is one of adult, child". */
export function condition(when) {
  if (!when) return "";
  if (when.all || when.any) {
    const parts = (when.all || when.any).map(condition);
    const joined = parts.join(` ${t(when.all ? "cond_and" : "cond_or")} `);
    return parts.length > 1 ? `(${joined})` : joined;
  }
  const node = when.node;
  const tests = [];
  if (when.equals !== undefined && when.equals !== null) tests.push(t("cond_equals", { node, value: value(when.equals) }));
  if (when.one_of) tests.push(t("cond_one_of", { node, values: when.one_of.join(", ") }));
  if (when.at_least !== undefined && when.at_least !== null) tests.push(t("cond_at_least", { node, value: value(when.at_least) }));
  if (when.at_most !== undefined && when.at_most !== null) tests.push(t("cond_at_most", { node, value: value(when.at_most) }));
  if (when.answered === true) tests.push(t("cond_answered", { node }));
  if (when.answered === false) tests.push(t("cond_not_answered", { node }));
  return tests.join(` ${t("cond_and")} `);
}

function answerOf(answer, language) {
  if (!answer) return null;
  const parts = [h("span", { className: "label" }, `${t("answer_label")}: `), t(`answer_${answer.type}`)];
  if (answer.type === "number") {
    if (answer.minimum !== undefined || answer.maximum !== undefined) {
      parts.push(" ", t("number_range", { min: answer.minimum ?? "…", max: answer.maximum ?? "…" }));
    }
    if (answer.unit) parts.push(" ", t("number_unit", { unit: answer.unit }));
  }
  const shown = h("div", { className: "answer" }, parts);
  if (answer.type === "choice") {
    shown.append(h("ul", { className: "choices" }, (answer.choices || []).map((choice) =>
      h("li", { dataset: { choice: choice.code } }, h("code", {}, choice.code), " — ", text(choice.text, language)))));
  }
  return shown;
}

function timerOf(timer, language) {
  if (!timer) return null;
  /** @type {(Node | string)[]} */
  const parts = [h("span", { className: "label" }, `${t(`timer_${timer.kind}`)}: `)];
  const said = [];
  if (timer.rate_per_min) said.push(t("rate_per_min", { rate: timer.rate_per_min }));
  if (timer.handover_every_s) said.push(t("handover_every", { seconds: timer.handover_every_s }));
  if (timer.label) said.push(text(timer.label, language));
  parts.push(said.join("; ") || "—");
  return h("div", { className: "timer", dataset: { timer: timer.kind } }, parts);
}

function branchesOf(node) {
  if (!node.next?.length) return null;
  return h("ul", { className: "branches" }, node.next.map((branch) => {
    let when = node.next.length === 1 ? t("branch_next") : t("branch_otherwise");
    if (branch.when) when = t("branch_if", { condition: condition(branch.when) });
    return h("li", { dataset: { goto: branch.goto } }, `${when} → `, h("code", {}, branch.goto));
  }));
}

function nodeOf(node, definition, language) {
  const marks = [h("span", { className: "chip kind", dataset: { kind: node.kind } }, t(`kind_${node.kind}`))];
  if (node.entry) marks.push(h("span", { className: "chip" }, t("entry_question")));
  if (node.id === definition.start) marks.push(h("span", { className: "chip start" }, t("start_node")));
  return h("li", { className: "node", id: `node-${node.id}`, dataset: { node: node.id } },
    h("h4", {}, h("code", {}, node.id), " ", marks),
    h("p", { className: "node-text", lang: language }, text(node.text, language)),
    answerOf(node.answer, language),
    timerOf(node.timer, language),
    branchesOf(node));
}

function determinantsOf(definition, language) {
  const rows = (definition.determinants || []).map((d) => h("tr", { dataset: { determinant: d.code } },
    h("th", { scope: "row" }, h("code", {}, d.code)),
    h("td", { lang: language }, text(d.title, language)),
    h("td", {}, condition(d.when)),
    h("td", {}, String(d.priority)),
    h("td", {}, (d.services || []).join(", ") || "—"),
    h("td", {}, d.risk ? t(`risk_${d.risk}`) : "—"),
    h("td", {}, d.escalation_required ? t("escalation_required") : "—")));
  if (!rows.length) return h("p", { className: "muted" }, t("no_determinants"));
  const headers = ["det_code", "det_title", "det_when", "det_priority", "det_services", "det_risk", "det_escalation"];
  return h("table", { id: "determinants" },
    h("thead", {}, h("tr", {}, headers.map((key) => h("th", { scope: "col" }, t(key))))),
    h("tbody", {}, rows));
}

function guidanceOf(definition) {
  return h("ul", { id: "guidance" }, (definition.guidance || []).map((g) => h("li", {},
    g.url ? h("a", { href: g.url, rel: "noreferrer", target: "_blank" }, g.title) : g.title,
    ` — ${g.publisher}, ${g.year}`)));
}

/** The whole definition, its texts in ``language``. */
export function readable(definition, language) {
  return h("div", { id: "readable", className: "readable" },
    h("h3", { lang: language }, text(definition.title, language)),
    h("h3", {}, t("guidance_title")),
    guidanceOf(definition),
    h("h3", {}, t("incident_types_title")),
    h("p", {}, (definition.incident_types || []).map((type) => h("code", { className: "chip" }, type))),
    h("h3", {}, t("nodes_title")),
    h("ol", { id: "nodes", className: "nodes" }, (definition.nodes || []).map((node) => nodeOf(node, definition, language))),
    h("h3", {}, t("determinants_title")),
    determinantsOf(definition, language));
}
