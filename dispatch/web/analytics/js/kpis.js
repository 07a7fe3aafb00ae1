// @ts-check
// The queues' KPIs over the period: the period's figures, each service-level target with both
// variants named, a chart of calls in, answered and abandoned per hour, shift, day, week or month,
// the same as a table, and the figures per queue; downloads of both tables.

import { api } from "/common/js/api.js";
import { percentage, plural, t } from "/common/js/i18n.js";
import { h, num, table } from "/common/js/dom.js";
import { barChart, legend } from "./charts.js";
import { downloadRow } from "./downloads.js";
import { queueName } from "./filters.js";
import { periodLabel, seconds } from "./format.js";

const SERIES = [
  { key: "entered", className: "s-calls" },
  { key: "answered", className: "s-answered" },
  { key: "abandoned", className: "s-abandoned" },
];

/** Draw the KPI report of the filters into ``ctx.page`` (unless ``current()`` says a newer
 * drawing has started). */
export async function showKpis(ctx, current) {
  const query = ctx.filters.kpis();
  const report = await api("GET", `/analytics/kpis?${query}`);
  if (!current()) return;
  const zone = report.timezone;
  const label = (row) => periodLabel(report.grain, row.start, zone, { from: report.date_from, to: report.date_to });
  const targets = report.total.service_level.map((level) => level.seconds);
  const queues = report.queues.map((name) => queueName(name, report.by_queue.find((q) => q.queue === name)?.title));
  const series = SERIES.map((s) => ({ ...s, label: t(`kpi_${s.key}`), values: report.rows.map((row) => row[s.key]) }));
  ctx.page.replaceChildren(h("div", { className: "stack" },
    h("section", { className: "panel", "aria-labelledby": "kpis-title" },
      h("h2", { id: "kpis-title" }, t("kpis_title")),
      h("p", { id: "kpis-scope" }, t("kpis_scope", { period: periodLabel("total", report.date_from, zone, { from: report.date_from, to: report.date_to }), queues: queues.join(", ") })),
      ctx.filters.region ? h("p", { className: "note", id: "kpis-region-note" }, t("kpis_not_by_region")) : null,
      figures(report.total),
      h("h3", {}, t("service_level")),
      h("ul", { id: "kpis-service-levels", className: "levels" }, report.total.service_level.map((level) => h("li", {},
        t("service_level_line", {
          seconds: num(level.seconds, 0),
          percent: percentage(level.percent),
          with_abandons: percentage(level.percent_with_abandons),
          target: level.target_percent == null ? "—" : percentage(level.target_percent),
        }))))),
    h("section", { className: "panel", "aria-labelledby": "kpis-chart-title" },
      h("h2", { id: "kpis-chart-title" }, t("kpis_chart_title")),
      report.rows.length
        ? [barChart({
          id: "kpis-chart", label: plural("kpis_chart_label", report.rows.length),
          categories: report.rows.map(label), series, format: (v) => num(v, 0),
        }), legend(series)]
        : h("p", { className: "muted" }, t("no_rows")),
      table(headers(t("period_column"), targets), report.rows.map((row) => cells(label(row), row)),
        { id: "kpis-rows", className: "numbers" })),
    h("section", { className: "panel", "aria-labelledby": "kpis-queues-title" },
      h("h2", { id: "kpis-queues-title" }, t("kpis_by_queue")),
      table(headers(t("queue"), targets), report.by_queue.map((q) => cells(queueName(q.queue, q.title), q.figures)),
        { id: "kpis-queues", className: "numbers" })),
    downloadRow("kpis", ["periods", "queues"], query),
  ));
}

function figures(period) {
  const items = [
    ["entered", num(period.entered, 0)], ["answered", num(period.answered, 0)],
    ["abandoned", num(period.abandoned, 0)], ["abandon_percent", percentage(period.abandon_percent)],
    ["asa", seconds(period.asa_s)], ["longest_answered_wait", seconds(period.longest_answered_wait_s)],
    ["avg_abandon_wait", seconds(period.avg_abandon_wait_s)], ["avg_talk", seconds(period.avg_talk_s)],
    ["avg_wrap_up", seconds(period.avg_wrap_up_s)], ["avg_handle", seconds(period.avg_handle_s)],
    ["completed", num(period.completed, 0)], ["transferred", num(period.transferred, 0)],
    ["ring_no_answer", num(period.ring_no_answer, 0)],
  ];
  return h("dl", { className: "figures", id: "kpis-total" }, items.map(([key, value]) => h("div", { dataset: { kpi: key } },
    h("dt", {}, t(`kpi_${key}`)), h("dd", {}, value))));
}

function headers(first, targets) {
  return [first, t("kpi_entered"), t("kpi_answered"), t("kpi_abandoned"), t("kpi_abandon_percent"), t("kpi_asa"),
    t("kpi_avg_handle"), ...targets.map((s) => t("service_level_within", { seconds: num(s, 0) }))];
}

function cells(name, period) {
  return [name, num(period.entered, 0), num(period.answered, 0), num(period.abandoned, 0),
    percentage(period.abandon_percent), seconds(period.asa_s), seconds(period.avg_handle_s),
    ...period.service_level.map((level) => percentage(level.percent))];
}
