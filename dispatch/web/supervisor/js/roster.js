// @ts-check
// The roster: who is missing or late now against the plan, tomorrow's forecast against the
// roster (calls per half-hour, operators needed, rostered, the gap; bars and a table), the
// shifts of today and tomorrow (each deletable), a shift added by its form, and a roster file
// imported (CSV or XLSX; a refused file lists each bad row's line and reason, nothing stored).
// One dialog, Alt+O or the button; every part reachable by Tab, Escape closes.

import { api, errorText, token } from "/common/js/api.js";
import { dialogTurn, field, openDialog, StayOpen } from "/common/js/dialogs.js";
import { toast } from "/common/js/dom.js";
import { hhmm, number, said, t } from "/common/js/i18n.js";
import { h } from "./dom.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const SVG = "http://www.w3.org/2000/svg";

/** A local date (YYYY-MM-DD) of the centre from an ISO time with its offset. */
const dayOf = (iso) => iso.slice(0, 10);

function presenceTable(report) {
  if (!report.rows.length) return h("p", { class: "muted", id: "presence-empty", text: t("roster_no_shift_now") });
  const head = h("tr", {}, ...["roster_operator", "roster_planned", "roster_presence", "roster_state",
    "roster_lacking", "roster_signed_in"].map((key) => h("th", { scope: "col", text: t(key) })));
  const rows = report.rows.map((row) => {
    const late = row.late_minutes !== null ? ` (${t("roster_minutes", { minutes: row.late_minutes })})` : "";
    return h("tr", { class: `presence-${row.presence}`, dataset: { username: row.entry.username, presence: row.presence } },
      h("td", { text: row.entry.full_name || row.entry.username }),
      h("td", { text: `${hhmm(row.entry.starts_at)}–${hhmm(row.entry.ends_at)}` }),
      h("td", { class: "presence", text: t(`roster_${row.presence}`) + late }),
      h("td", { text: t(`state_${row.state}`) }),
      h("td", { class: "lacking", text: row.lacking.join(", ") }),
      h("td", { text: row.signed_in_at ? hhmm(row.signed_in_at) : "—" }));
  });
  const missing = report.rows.filter((row) => row.presence === "missing" || row.presence === "late").length;
  return h("table", { class: "grid roster", id: "presence-table" },
    h("caption", { text: t("roster_missing_or_late", { count: missing, minutes: report.late_after_minutes }) }),
    h("thead", {}, head), h("tbody", {}, ...rows));
}

/** Bars of calls-needed against rostered per half-hour (drawn for the eye; the table says it). */
function bars(intervals) {
  const top = Math.max(1, ...intervals.map((row) => Math.max(row.needed, row.rostered)));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${intervals.length * 6} 60`);
  svg.setAttribute("class", "forecast-bars");
  svg.setAttribute("aria-hidden", "true");
  intervals.forEach((row, index) => {
    for (const [value, shift, kind] of [[row.needed, 0, "needed"], [row.rostered, 3, "rostered"]]) {
      const height = (value / top) * 56;
      const bar = document.createElementNS(SVG, "rect");
      bar.setAttribute("x", String(index * 6 + shift));
      bar.setAttribute("y", String(58 - height));
      bar.setAttribute("width", "2.6");
      bar.setAttribute("height", String(height));
      bar.setAttribute("class", `bar-${kind}${row.gap < 0 ? " short" : ""}`);
      svg.append(bar);
    }
  });
  return svg;
}

function forecastPart(report) {
  const error = report.error.wape === null ? t("roster_error_unknown")
    : t("roster_error", { wape: number(report.error.wape * 100, { maximumFractionDigits: 1 }), days: report.error.days.length });
  const summary = h("p", { id: "forecast-summary", text: t("roster_forecast_summary", {
    calls: number(report.total_calls, { maximumFractionDigits: 0 }), peak: report.peak_needed,
    short: report.short_intervals, seconds: report.target_seconds, percent: report.target_percent,
    handle: number(report.handle_seconds, { maximumFractionDigits: 0 }),
  }) });
  const head = h("tr", {}, ...["roster_interval", "roster_calls", "roster_needed", "roster_rostered", "roster_gap"]
    .map((key) => h("th", { scope: "col", text: t(key) })));
  const rows = report.intervals.map((row) => h("tr", { class: row.gap < 0 ? "short" : "", dataset: { start: row.start } },
    h("th", { scope: "row", text: hhmm(row.start) }),
    h("td", { text: number(row.calls, { maximumFractionDigits: 1 }) }),
    h("td", { text: String(row.needed) }),
    h("td", { text: String(row.rostered) }),
    h("td", { class: "gap", text: row.gap > 0 ? `+${row.gap}` : String(row.gap) })));
  return h("section", { class: "forecast", "aria-labelledby": "forecast-title" },
    h("h3", { id: "forecast-title", text: t("roster_forecast_title", { date: report.date_from }) }),
    summary,
    h("p", { class: "muted", id: "forecast-error", text: error + (report.history_days.length ? "" : ` ${t("roster_no_history")}`) }),
    bars(report.intervals),
    h("div", { class: "forecast-scroll", tabindex: "0", role: "region", "aria-labelledby": "forecast-title" },
      h("table", { class: "grid", id: "forecast-table" }, h("thead", {}, head), h("tbody", {}, ...rows))));
}

function shiftsTable(entries) {
  if (!entries.length) return h("p", { class: "muted", id: "shifts-empty", text: t("roster_no_shifts") });
  const rows = entries.map((entry) => h("tr", { dataset: { entryId: entry.id, username: entry.username } },
    h("td", { text: entry.full_name || entry.username }),
    h("td", { text: `${dayOf(entry.starts_at)} ${hhmm(entry.starts_at)}–${hhmm(entry.ends_at)}` }),
    h("td", { text: [...entry.queues, ...entry.skills].join(", ") }),
    h("td", {}, h("button", {
      type: "button", class: "shift-delete", text: t("roster_delete"),
      "aria-label": `${t("roster_delete")}: ${entry.full_name || entry.username} ${hhmm(entry.starts_at)}`,
      onclick: () => remove(entry),
    }))));
  return h("table", { class: "grid", id: "shifts-table" },
    h("caption", { class: "muted", text: t("roster_shifts") }),
    h("thead", {}, h("tr", {}, ...["roster_operator", "roster_planned", "roster_queues", "roster_actions"]
      .map((key) => h("th", { scope: "col", text: t(key) })))),
    h("tbody", {}, ...rows));
}

async function remove(entry) {
  try {
    await api("DELETE", `/rosters/${entry.id}`);
    toast(t("roster_deleted"));
    await rosterDialog();
  } catch (error) {
    document.getElementById("dialog-error").textContent = errorText(error);
  }
}

/** Send a roster file (or the form's one line as CSV); a refusal lists each row's problem. */
async function send(content, type) {
  const response = await fetch("/api/v1/roster-imports", {
    method: "POST",
    headers: { Authorization: `Bearer ${token()}`, "Content-Type": type, Accept: "application/json" },
    body: content,
  });
  const body = await response.json().catch(() => null);
  if (response.ok) return body;
  const list = document.getElementById("roster-errors");
  list.replaceChildren(...(body?.problems || []).map((problem) => h("li", {
    title: problem.reason,
    text: `${t("roster_line", { line: problem.line })}: ${t(`roster_problem_${problem.code}`)} — ${problem.reason}`,
  })));
  throw new Error(said(body?.detail, body?.detail_code, body?.detail_params) || response.statusText);
}

function csvCell(value) {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const fileChoice = () => /** @type {HTMLInputElement} */ (document.getElementById("roster-file"));

async function importFile() {
  const file = fileChoice().files[0];
  if (!file) throw new Error(t("roster_choose_file"));
  const type = file.name.toLowerCase().endsWith(".xlsx") ? XLSX : "text/csv";
  const stored = await send(await file.arrayBuffer(), type);
  toast(t("roster_imported", { count: stored.imported }));
}

async function addShift() {
  const value = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id)).value.trim();
  const [start, end] = [value("shift-start"), value("shift-end")];
  const line = [value("shift-username"), value("shift-date"), start, end && end <= start ? `${end}+1` : end,
    value("shift-queues"), value("shift-skills"), value("shift-note")].map(csvCell).join(",");
  await send(`username,date,start,end,queues,skills,note\r\n${line}\r\n`, "text/csv");
  toast(t("roster_added"));
}

function planForm(tomorrow) {
  const input = (id, attributes = {}) => h("input", { id, autocomplete: "off", ...attributes });
  return h("section", { class: "roster-plan", "aria-labelledby": "roster-plan-title" },
    h("h3", { id: "roster-plan-title", text: t("roster_plan") }),
    field("roster_username", input("shift-username", { maxlength: 64 })),
    field("roster_date", input("shift-date", { type: "date", value: tomorrow })),
    field("roster_start", input("shift-start", { type: "time", value: "08:00" })),
    field("roster_end", input("shift-end", { type: "time", value: "20:00" })),
    field("roster_queue_names", input("shift-queues", { maxlength: 500 })),
    field("roster_skills", input("shift-skills", { maxlength: 500 })),
    field("roster_note", input("shift-note", { maxlength: 500 })),
    h("p", { class: "muted", text: t("roster_plan_hint") }),
    h("h3", { text: t("roster_import") }),
    field("roster_file", h("input", { id: "roster-file", type: "file", accept: ".csv,.xlsx,text/csv" })),
    h("p", { class: "muted", text: t("roster_import_hint") }),
    h("ul", { id: "roster-errors", class: "roster-errors", "aria-live": "polite" }));
}

/** Open the roster dialog (Alt+O): presence now, tomorrow's forecast, the shifts, the forms. */
export async function rosterDialog() {
  const turn = dialogTurn();
  const [presence, forecast] = await Promise.all([api("GET", "/roster-presence"), api("GET", "/analytics/forecast")]);
  const today = dayOf(presence.at);
  const entries = await api("GET", `/rosters?date_from=${today}&date_to=${forecast.date_from}`);
  if (!turn()) return; // another dialog was opened meanwhile
  openDialog({
    name: "roster",
    title: t("roster_title"),
    confirmLabel: "roster_save",
    fill(body) {
      body.append(
        h("section", { "aria-labelledby": "presence-title" },
          h("h3", { id: "presence-title", text: t("roster_now") }), presenceTable(presence)),
        forecastPart(forecast),
        shiftsTable(entries),
        planForm(forecast.date_from));
    },
    async onConfirm() {
      document.getElementById("roster-errors").replaceChildren();
      if (fileChoice().files.length) await importFile();
      else await addShift();
      await rosterDialog(); // everything redrawn with what was stored
      throw new StayOpen();
    },
  });
  // The person starts at the news (who is missing or late), not in the form below it.
  const title = document.getElementById("presence-title");
  title.setAttribute("tabindex", "-1");
  title.focus();
}
