// @ts-check
// The calls' figures over the period with every filter (region, district, queue, channel,
// language, incident type, service, operator): offered, answered, abandoned, dropped, each
// service-level variant named, ASA and talk, the cards; per service the cards routed to it and
// how soon it acknowledged and completed them; the callbacks of the dropped and abandoned
// calls. A chart and a table per period, downloads of the periods and the services.

import { api } from "/common/js/api.js";
import { percentage, plural, t } from "/common/js/i18n.js";
import { h, num, percent, table } from "/common/js/dom.js";
import { barChart, legend } from "./charts.js";
import { downloadRow } from "./downloads.js";
import { serviceName } from "./filters.js";
import { duration, periodLabel, seconds } from "./format.js";

const SERIES = [
  { key: "offered", className: "s-calls" },
  { key: "answered", className: "s-answered" },
  { key: "abandoned", className: "s-abandoned" },
];

/** Draw the call report of the filters into ``ctx.page``. */
export async function showCalls(ctx, current) {
  const query = ctx.filters.calls();
  const report = await api("GET", `/analytics/calls?${query}`);
  if (!current()) return;
  const zone = report.timezone;
  const whole = periodLabel("total", report.date_from, zone, { from: report.date_from, to: report.date_to });
  const label = (row) => periodLabel(report.grain, row.start, zone, { from: report.date_from, to: report.date_to });
  const targets = report.total.service_level.map((level) => level.seconds);
  const series = SERIES.map((s) => ({ ...s, label: t(`call_${s.key}`), values: report.rows.map((row) => row[s.key]) }));
  ctx.page.replaceChildren(h("div", { className: "stack" },
    h("section", { className: "panel", "aria-labelledby": "calls-title" },
      h("h2", { id: "calls-title" }, t("calls_title")),
      h("p", { id: "calls-scope" }, t("calls_scope", { period: whole, filters: chosen(ctx.filters.calls()) })),
      figures(report.total),
      h("h3", {}, t("service_level")),
      h("ul", { id: "calls-service-levels", className: "levels" }, report.total.service_level.map((level) => h("li", {},
        t("service_level_line", {
          seconds: num(level.seconds, 0), percent: percentage(level.percent),
          with_abandons: percentage(level.percent_with_abandons),
          target: level.target_percent == null ? "—" : percentage(level.target_percent),
        }))))),
    h("section", { className: "panel", "aria-labelledby": "calls-chart-title" },
      h("h2", { id: "calls-chart-title" }, t("kpis_chart_title")),
      report.rows.length
        ? [barChart({
          id: "calls-chart", label: plural("kpis_chart_label", report.rows.length),
          categories: report.rows.map(label), series, format: (v) => num(v, 0),
        }), legend(series)]
        : h("p", { className: "muted" }, t("no_rows")),
      table([t("period_column"), t("call_offered"), t("kpi_answered"), t("kpi_abandoned"), t("call_dropped"),
        t("kpi_abandon_percent"), t("kpi_asa"), t("call_cards"),
        ...targets.map((s) => t("service_level_within", { seconds: num(s, 0) }))],
      report.rows.map((row) => [label(row), num(row.offered, 0), num(row.answered, 0), num(row.abandoned, 0),
        num(row.dropped, 0), percentage(row.abandon_percent), seconds(row.asa_s), num(row.cards, 0),
        ...row.service_level.map((level) => percentage(level.percent))]),
      { id: "calls-rows", className: "numbers" })),
    h("section", { className: "panel", "aria-labelledby": "calls-services-title" },
      h("h2", { id: "calls-services-title" }, t("calls_services_title")),
      report.total.services.length
        ? table([t("service"), t("call_cards"), t("service_acknowledged"), t("service_avg_ack"), t("service_p90_ack"),
          t("service_completed"), t("service_avg_complete")],
        report.total.services.map((s) => [serviceName(s.service), num(s.cards, 0), num(s.acknowledged, 0),
          duration(s.avg_acknowledge_s), duration(s.p90_acknowledge_s), num(s.completed, 0), duration(s.avg_complete_s)]),
        { id: "calls-services", className: "numbers" })
        : h("p", { className: "muted", id: "calls-services" }, t("no_services"))),
    callbacks(report.callbacks),
    downloadRow("calls", ["periods", "services"], query),
  ));
}

/** The filters given, as words ("all calls" when none). */
export function chosen(query) {
  const names = [];
  for (const id of ["f-region", "f-district", "f-queue", "f-channel", "f-language", "f-type", "f-service", "f-operator"]) {
    const select = /** @type {HTMLSelectElement} */ (document.getElementById(id));
    const name = { "f-type": "incident_type" }[id] || id.slice(2);
    if (query.has(name) && select.selectedIndex > 0) names.push(select.selectedOptions[0].textContent);
  }
  return names.length ? names.join(", ") : t("all_calls");
}

function figures(period) {
  const items = [
    ["offered", num(period.offered, 0)], ["answered", num(period.answered, 0)],
    ["abandoned", num(period.abandoned, 0)], ["dropped", num(period.dropped, 0)],
    ["abandon_percent", percentage(period.abandon_percent)], ["asa", seconds(period.asa_s)],
    ["longest_answered_wait", seconds(period.longest_answered_wait_s)],
    ["avg_abandon_wait", seconds(period.avg_abandon_wait_s)], ["avg_talk", seconds(period.avg_talk_s)],
    ["cards", num(period.cards, 0)],
  ];
  return h("dl", { className: "figures", id: "calls-total" }, items.map(([key, value]) => h("div", { dataset: { kpi: key } },
    h("dt", {}, t(`call_${key}`)), h("dd", {}, value))));
}

function callbacks(counts) {
  const first = counts.first_attempt;
  const items = [
    ["tasks", num(counts.tasks, 0)], ["attempts", num(counts.attempts, 0)], ["reached", num(counts.reached, 0)],
    ["refused", num(counts.refused, 0)], ["unreachable", num(counts.unreachable, 0)], ["open", num(counts.open, 0)],
    ["success_rate", percent(counts.success_rate, 1)], ["first_mean", duration(first.mean_s)],
    ["first_p90", duration(first.p90_s)], ["within_target", percent(first.within_target, 1)],
  ];
  return h("section", { className: "panel", "aria-labelledby": "calls-callbacks-title" },
    h("h2", { id: "calls-callbacks-title" }, t("callbacks_title")),
    h("p", {}, t("callbacks_target", { target: duration(first.target_s) })),
    h("dl", { className: "figures", id: "calls-callbacks" }, items.map(([key, value]) => h("div", { dataset: { kpi: key } },
      h("dt", {}, t(`cb_${key}`)), h("dd", {}, value)))));
}
