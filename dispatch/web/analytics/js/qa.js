// @ts-check
// QA scores of the calls over the period with the calls' filters (region, district, queue,
// channel, language, incident type, service, operator): official evaluations, their mean,
// lowest and highest score, critical failures and compliance levels, as QA's own report counts
// them; a chart and a table of the mean score per period, the figures per operator and per
// queue, downloads of the three tables.

import { api } from "/common/js/api.js";
import { named, plural, t } from "/common/js/i18n.js";
import { h, num, table } from "/common/js/dom.js";
import { barChart, legend } from "./charts.js";
import { chosen } from "./calls.js";
import { downloadRow } from "./downloads.js";
import { queueName } from "./filters.js";
import { periodLabel } from "./format.js";

const FIGURES = ["evaluations", "mean_score", "min_score", "max_score", "critical_failures"];

/** Draw the QA scores of the filters into ``ctx.page``. */
export async function showQa(ctx, current) {
  const query = ctx.filters.calls();
  const report = await api("GET", `/analytics/qa-scores?${query}`);
  if (!current()) return;
  const zone = report.timezone;
  const range = { from: report.date_from, to: report.date_to };
  const label = (row) => periodLabel(report.grain, row.start, zone, range);
  const levels = Object.keys(report.total.levels);
  const heads = [...FIGURES.map((key) => t(`qa_${key}`)), ...levels.map((level) => named("level_", level))];
  const series = [{
    key: "mean_score", className: "s-answered", label: t("qa_mean_score"), values: report.rows.map((row) => row.mean_score),
  }];
  ctx.page.replaceChildren(h("div", { className: "stack" },
    h("section", { className: "panel", "aria-labelledby": "qa-title" },
      h("h2", { id: "qa-title" }, t("qa_title")),
      h("p", { id: "qa-scope" }, t("qa_scope", { period: periodLabel("total", report.date_from, zone, range), filters: chosen(query) })),
      h("dl", { className: "figures", id: "qa-total" }, FIGURES.map((key) => h("div", { dataset: { kpi: key } },
        h("dt", {}, t(`qa_${key}`)), h("dd", {}, cells(report.total, [key])[0])))),
      levels.length
        ? h("ul", { id: "qa-levels", className: "levels" }, levels.map((level) => h("li", {},
          t("qa_level_line", { level: named("level_", level), count: num(report.total.levels[level], 0) }))))
        : h("p", { className: "muted", id: "qa-levels" }, t("qa_none")),
      h("p", { className: "note" }, t("qa_note"))),
    h("section", { className: "panel", "aria-labelledby": "qa-chart-title" },
      h("h2", { id: "qa-chart-title" }, t("qa_chart_title")),
      report.rows.length
        ? [barChart({
          id: "qa-chart", label: plural("qa_chart_label", report.rows.length),
          categories: report.rows.map(label), series, format: (v) => num(v, 1),
        }), legend(series)]
        : h("p", { className: "muted" }, t("no_rows")),
      table([t("period_column"), ...heads], report.rows.map((row) => [label(row), ...cells(row, FIGURES, levels)]),
        { id: "qa-rows", className: "numbers" })),
    h("section", { className: "panel", "aria-labelledby": "qa-operators-title" },
      h("h2", { id: "qa-operators-title" }, t("qa_operators_title")),
      table([t("operator"), ...heads], report.operators.map((row) => [
        row.operator_name || row.operator || "—", ...cells(row, FIGURES, levels)]),
      { id: "qa-operators", className: "numbers" })),
    h("section", { className: "panel", "aria-labelledby": "qa-queues-title" },
      h("h2", { id: "qa-queues-title" }, t("qa_queues_title")),
      table([t("queue"), ...heads], report.queues.map((row) => [
        row.queue ? queueName(row.queue) : "—", ...cells(row, FIGURES, levels)]),
      { id: "qa-queues", className: "numbers" })),
    downloadRow("qa-scores", ["periods", "operators", "queues"], query),
  ));
}

/** A row's figures as the tables write them, then its count per level. */
function cells(row, keys, levels = []) {
  const written = keys.map((key) => {
    const value = row[key];
    if (value === null || value === undefined) return "—";
    return key.endsWith("_score") ? num(value, 2) : num(value, 0);
  });
  return [...written, ...levels.map((level) => num(row.levels[level] || 0, 0))];
}
