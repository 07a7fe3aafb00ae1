// @ts-check
// The operators' working time over the period: a chart of each operator's time available,
// talking, in wrap-up and on break, the table per operator (with the breaks by reason and what
// they did), the table per shift; downloads of both tables.

import { api } from "/common/js/api.js";
import { named, plural, t } from "/common/js/i18n.js";
import { day, h, num, table } from "/common/js/dom.js";
import { legend, stackedBars } from "./charts.js";
import { downloadRow } from "./downloads.js";
import { rememberOperators } from "./filters.js";
import { duration } from "./format.js";

const PARTS = [
  { key: "available_s", className: "s-available" },
  { key: "talking_s", className: "s-talking" },
  { key: "wrap_up_s", className: "s-wrap" },
  { key: "on_break_s", className: "s-break" },
];

/** Draw the working-time report of the filters into ``ctx.page``. */
export async function showWorking(ctx, current) {
  const query = ctx.filters.working();
  const report = await api("GET", `/analytics/working-time?${query}`);
  if (!current()) return;
  rememberOperators(report.operators);
  const parts = PARTS.map((p) => ({ ...p, label: t(`wt_${p.key}`) }));
  const name = (row) => row.operator_name || row.operator;
  ctx.page.replaceChildren(h("div", { className: "stack" },
    h("section", { className: "panel", "aria-labelledby": "working-title" },
      h("h2", { id: "working-title" }, t("working_title")),
      ctx.filters.region ? h("p", { className: "note", id: "working-region-note" }, t("working_not_by_region")) : null,
      h("p", { id: "working-scope" }, plural("working_scope", report.operators.length, { from: day(report.date_from), to: day(report.date_to) })),
      report.operators.length
        ? [stackedBars({
          id: "working-chart", label: t("working_chart_label"), parts, format: duration,
          rows: report.operators.map((o) => ({ name: name(o), values: PARTS.map((p) => o[p.key]) })),
        }), legend(parts)]
        : h("p", { className: "muted" }, t("no_operators")),
      table([t("operator"), ...durationHeaders(), t("wt_breaks"), ...countHeaders()],
        report.operators.map((o) => [person(o), ...durations(o), breaks(o.breaks), ...counts(o)]),
        { id: "working-operators", className: "numbers" })),
    h("section", { className: "panel", "aria-labelledby": "working-shifts-title" },
      h("h2", { id: "working-shifts-title" }, t("working_shifts_title")),
      table([t("operator"), t("shift_date"), t("shift"), ...durationHeaders(), t("wt_breaks"), ...countHeaders()],
        report.shifts.map((s) => [person(s), day(s.shift_date), t(`shift_${s.shift}`), ...durations(s), breaks(s.breaks),
          ...counts(s)]),
        { id: "working-shifts", className: "numbers" })),
    downloadRow("working-time", ["operators", "shifts"], query),
  ));
}

/** A person by full name; the username stays in the cell's title. */
function person(row) {
  return h("span", { title: row.operator, dataset: { username: row.operator } }, row.operator_name || row.operator);
}

function durationHeaders() {
  return ["signed_in_s", ...PARTS.map((p) => p.key)].map((key) => t(`wt_${key}`));
}

function durations(row) {
  return ["signed_in_s", ...PARTS.map((p) => p.key)].map((key) => duration(row[key]));
}

function countHeaders() {
  return ["answered", "completed", "missed_offers", "declined"].map((key) => t(`wt_${key}`));
}

function counts(row) {
  return ["answered", "completed", "missed_offers", "declined"].map((key) => num(row[key], 0));
}

function breaks(reasons) {
  const entries = Object.entries(reasons || {});
  if (!entries.length) return "—";
  return entries.map(([reason, s]) => `${named("break_", reason, reason)} ${duration(s)}`).join("; ");
}
