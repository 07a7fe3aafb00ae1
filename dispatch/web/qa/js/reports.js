// @ts-check
// Reports: per operator and shift, weekly trend, most frequent errors, exports (XLSX, CSV),
// and the training topics assigned to operators. People by full name, items by their title in
// the interface language (the server's), dates and numbers in its locale.

import { ApiError, api, errorText, token } from "/common/js/api.js";
import { day, h, num, percent, table, today } from "/common/js/dom.js";
import { language, plural, t } from "/common/js/i18n.js";

const TABLES = ["operators", "shifts", "weeks", "errors", "evaluations"];

export async function showReports(ctx) {
  const end = today();
  const start = new Date(Date.parse(end) - 27 * 86400000).toISOString().slice(0, 10);
  const from = h("input", { type: "date", id: "report-from", value: start });
  const to = h("input", { type: "date", id: "report-to", value: end });
  const operator = h("input", { id: "report-operator", placeholder: t("all_operators") });
  const output = h("div", { id: "report" });
  const exportsRow = h("p", { className: "exports", id: "exports" });
  const error = h("p", { className: "error", role: "alert" });
  const query = () => {
    const params = new URLSearchParams({ date_from: from.value, date_to: to.value, language: language() });
    if (operator.value.trim()) params.set("operator", operator.value.trim());
    return params;
  };
  const load = async () => {
    error.textContent = "";
    try {
      showReport(output, await api("GET", `/qa/reports?${query()}`));
    } catch (failure) {
      error.textContent = errorText(failure);
    }
  };
  exportsRow.append(
    h("button", { type: "button", id: "export-xlsx", onclick: () => download(`/qa/reports/export.xlsx?${query()}`, error) }, "XLSX"),
    ...TABLES.map((name) => h("button", {
      type: "button", dataset: { table: name },
      onclick: () => download(`/qa/reports/export.csv?${query()}&table=${name}`, error),
    }, `CSV: ${t(`table_${name}`)}`)));
  const topics = h("section", { className: "panel", id: "topics" });
  ctx.page.replaceChildren(h("div", { className: "stack" },
    h("form", { className: "panel filters", onsubmit: (e) => { e.preventDefault(); load(); } },
      h("label", {}, h("span", {}, t("date_from")), from), h("label", {}, h("span", {}, t("date_to")), to),
      h("label", {}, h("span", {}, t("operator")), operator),
      h("button", { type: "submit", className: "primary" }, t("show")), exportsRow, error),
    output, topics));
  await load();
  showTopics(topics, await api("GET", `/qa/training-topics?limit=100&language=${language()}`));
}

/** Fetch with the token and save the answer as the file the server names. */
async function download(path, error) {
  error.textContent = "";
  const response = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${token()}` } });
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    error.textContent = new ApiError(response.status, data.detail || response.statusText).detail;
    return;
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "")?.[1] || "qa-report";
  const link = h("a", { href: URL.createObjectURL(await response.blob()), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

/** A person by full name; the username stays in the cell's title. */
function person(username, name) {
  return h("span", { title: username || "", dataset: { username: username || "" } }, name || username || "—");
}

function showReport(output, report) {
  const levels = [...new Set(report.operators.flatMap((o) => Object.keys(o.levels)))].sort();
  output.replaceChildren(
    h("section", { className: "panel" }, h("h2", {}, t("table_operators")),
      h("p", {}, plural("report_summary", report.evaluations, { mean: num(report.mean_score) })),
      table([t("operator"), t("evaluations"), t("mean_score"), t("min_score"), t("max_score"), t("critical_failures"),
        ...levels.map((l) => t(`level_${l}`))],
      report.operators.map((o) => [person(o.operator, o.operator_name), num(o.evaluations), num(o.mean_score),
        num(o.min_score), num(o.max_score), num(o.critical_failures), ...levels.map((l) => num(o.levels[l] || 0))]),
      { id: "report-operators" })),
    h("section", { className: "panel" }, h("h2", {}, t("table_shifts")),
      table([t("operator"), t("shift_date"), t("shift"), t("evaluations"), t("mean_score"), t("critical_failures")],
        report.shifts.map((s) => [person(s.operator, s.operator_name), day(s.shift_date), t(`shift_${s.shift}`),
          num(s.evaluations), num(s.mean_score), num(s.critical_failures)]), { id: "report-shifts" })),
    h("section", { className: "panel" }, h("h2", {}, t("table_weeks")),
      table([t("week_of"), t("evaluations"), t("mean_score"), t("critical_failures")],
        report.weeks.map((w) => [h("span", { title: w.week }, day(w.week_start), " ", h("span", { className: "bar", style: `--w:${w.mean_score}` })),
          num(w.evaluations), num(w.mean_score), num(w.critical_failures)]))),
    h("section", { className: "panel" }, h("h2", {}, t("table_errors")),
      table([t("item"), t("deviation"), t("count"), t("share"), t("operators_n")],
        report.errors.map((e) => [h("span", { title: e.section_title || e.section }, e.text), t(`deviation_${e.deviation}`),
          num(e.count), percent(e.share), num(e.operators)]),
        { id: "report-errors" })),
    h("section", { className: "panel" }, h("h2", {}, t("table_protocols")),
      protocolTable(report.protocols, false, "report-protocols"),
      h("h3", {}, t("table_protocol_operators")),
      protocolTable(report.protocol_operators, true, "report-protocol-operators")),
  );
}

/** Protocol compliance (issue 25): the walks started in the period, per protocol (and operator). */
function protocolTable(rows, withOperator, id) {
  if (!rows || !rows.length) return h("p", { className: "muted" }, t("no_protocol_walks"));
  return table([t("protocol"), ...(withOperator ? [t("operator")] : []), t("protocol_walks"), t("protocol_complete"),
    t("key_questions_asked"), t("instructions_given"), t("first_instruction_s")],
  rows.map((r) => [r.protocol, ...(withOperator ? [person(r.operator, null)] : []), num(r.walks), num(r.complete),
    percent(r.key_questions_asked), percent(r.instructions_given), num(r.median_first_instruction_s, 0)]),
  { id });
}

function showTopics(panel, topics) {
  panel.replaceChildren(h("h2", {}, t("training_topics")),
    topics.length
      ? table([t("operator"), t("topic"), t("status"), t("assigned_by")],
        topics.map((topic) => [person(topic.operator, topic.operator_name), topic.item_title || topic.topic,
          t(`topic_${topic.status}`), person(topic.created_by, topic.created_by_name)]), { id: "topics-table" })
      : h("p", { className: "muted" }, t("no_topics")));
}
