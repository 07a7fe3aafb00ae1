// @ts-check
// Wellbeing after traumatic calls (trainers and supervisors only; operators never see it, and
// the API refuses them): the report of a period (the last 30 days unless chosen) per local
// day with its totals, the talks with the psychologist still to hold (who, when flagged, why:
// the rules' reasons by name) each marked held with a note, and the cases one by one with
// the operators' names (the server records every read of them).

import { ApiError } from "/common/js/api.js";
import { named, t } from "/common/js/i18n.js";
import { $, day, h, num, oneAtATime, stamp, table, today } from "/common/js/dom.js";

const DAY_MS = 86400000;
const MAX_DAYS = 366; // the server's limit (dispatch/wellbeing/report.py)
const DEFAULT_DAYS = 30;
// The report's figures in the order of its columns, with their headers.
const FIGURES = [
  ["traumatic_calls", "wb_traumatic_calls"], ["self_requests", "wb_self_requests"],
  ["breaks_offered", "wb_breaks_offered"], ["breaks_accepted", "wb_breaks_accepted"],
  ["breaks_declined", "wb_breaks_declined"], ["debriefs_flagged", "wb_debriefs_flagged"],
  ["debriefs_held", "wb_debriefs_held"], ["debriefs_cancelled", "wb_debriefs_cancelled"],
];

/** ``ymd`` moved by ``days`` (YYYY-MM-DD, calendar days). */
function shifted(ymd, days) {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The period shown: the one chosen, else the last 30 days up to today (Tashkent). */
function period(app) {
  if (!app.wellbeing) {
    const last = today();
    app.wellbeing = { from: shifted(last, 1 - DEFAULT_DAYS), to: last };
  }
  return app.wellbeing;
}

/** What went wrong, in the page's language: the server's sentence when it has a text of its
 * own (a talk already closed, one's own talk), else by what kind of refusal it is. */
export function problem(error, what) {
  if (!(error instanceof ApiError)) return t("wb_failed");
  const code = error.body?.detail_code;
  if (code && error.detail !== error.english) return error.detail;
  if (error.status === 403) return t("wb_refused");
  if (error.status === 404) return t("wb_debrief_gone");
  if (error.status === 422) return t(what === "hold" ? "wb_note_needed" : "wb_bad_period");
  return error.detail;
}

/** Why a case was opened: the rules' reasons by the names the consoles give them. */
function reasons(list) {
  return list.map((code) => named("wellbeing_reason_", code, code)).join(", ");
}

function minutes(value) {
  return value === null || value === undefined ? "—" : num(value, 1);
}

function figureCells(figures) {
  return [...FIGURES.map(([name]) => h("td", {}, String(figures[name]))),
    h("td", {}, minutes(figures.mean_minutes_to_debrief))];
}

function daysTable(report) {
  const busy = report.days.filter((d) => d.traumatic_calls + d.self_requests > 0);
  const headers = [t("wb_day"), ...FIGURES.map(([, label]) => t(label)), t("wb_mean_minutes")];
  const made = table(headers, busy.map((d) => h("tr", { dataset: { day: d.day } },
    h("th", { scope: "row" }, day(d.day)), figureCells(d))), { id: "wellbeing-days" });
  made.prepend(h("caption", {}, t("wb_per_day", { from: day(report.date_from), to: day(report.date_to) })));
  made.append(h("tfoot", {}, h("tr", { className: "total" },
    h("th", { scope: "row" }, t("wb_total")), figureCells(report.total))));
  return made;
}

function casesTable(cases) {
  if (!cases.length) return h("p", { className: "muted" }, t("wb_no_cases"));
  return table(
    [t("wb_opened_at"), t("wb_who"), t("wb_why"), t("wb_card"), t("wb_break"), t("wb_debrief"), t("wb_minutes_to_debrief")],
    cases.map((c) => [stamp(c.created_at), `${c.name} (${c.username})`, reasons(c.reasons), c.card_number || "—",
      c.offer ? t(`offer_${c.offer}`) : "—", c.debrief ? t(`debrief_${c.debrief}`) : "—", minutes(c.minutes_to_debrief)]),
    { id: "wellbeing-cases" });
}

/** The Wellbeing section in the main panel: the period's form, the report, the talks to hold
 * and the cases. ``focus``: where the focus goes once drawn (an element's id). */
export async function drawWellbeing(ctx, focus = null) {
  const chosen = period(ctx.app);
  $("main-title").textContent = t("wellbeing");
  const error = h("p", { className: "error", role: "alert", id: "wellbeing-error" });
  const from = h("input", { id: "wellbeing-from", name: "date_from", type: "date", value: chosen.from });
  const to = h("input", { id: "wellbeing-to", name: "date_to", type: "date", value: chosen.to });
  const form = h("form", { id: "wellbeing-form", className: "row", noValidate: true },
    h("label", {}, h("span", {}, t("wb_from")), from), h("label", {}, h("span", {}, t("wb_to")), to),
    h("button", { type: "submit" }, t("show")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wrong = periodProblem(from.value, to.value);
    if (wrong) {
      error.textContent = wrong;
      (from.value ? to : from).focus();
      return;
    }
    ctx.app.wellbeing = { from: from.value, to: to.value };
    drawWellbeing(ctx, "wellbeing-report-title");
  });
  const report = h("section", { id: "wellbeing-report", "aria-labelledby": "wellbeing-report-title" },
    h("h3", { id: "wellbeing-report-title", tabindex: "-1" }, t("wb_report")));
  const debriefs = h("section", { id: "wellbeing-debriefs", "aria-labelledby": "wellbeing-debriefs-title" },
    h("h3", { id: "wellbeing-debriefs-title", tabindex: "-1" }, t("wellbeing_debriefs")));
  $("main-body").replaceChildren(h("p", { className: "small muted" }, t("wb_explained")), form, error, report, debriefs);
  const [found, open] = await Promise.allSettled([
    ctx.api("GET", `/wellbeing/report?date_from=${chosen.from}&date_to=${chosen.to}`),
    ctx.api("GET", "/wellbeing/debriefs?status=open"),
  ]);
  if (found.status === "fulfilled") drawReport(report, found.value);
  else error.textContent = problem(found.reason, "report");
  if (open.status === "fulfilled") drawDebriefs(ctx, debriefs, open.value);
  else error.textContent = problem(open.reason, "debriefs");
  if (focus) $(focus)?.focus();
}

/** Why the period cannot be asked for, in words; "" when it can. */
function periodProblem(from, to) {
  if (!from || !to) return t("wb_pick_dates");
  if (to < from) return t("wb_bad_period");
  if ((Date.parse(to) - Date.parse(from)) / DAY_MS + 1 > MAX_DAYS) return t("wb_bad_period");
  return "";
}

function drawReport(holder, report) {
  const quiet = report.days.filter((d) => d.traumatic_calls + d.self_requests === 0).length;
  holder.append(daysTable(report));
  if (quiet) holder.append(h("p", { className: "small muted" }, t("wb_quiet_days", { n: quiet })));
  if (report.cases) {
    holder.append(h("h4", {}, t("wb_cases")), h("p", { className: "small muted" }, t("wb_cases_recorded")),
      casesTable(report.cases));
  }
}

function drawDebriefs(ctx, holder, list) {
  if (!list.length) {
    holder.append(h("p", { className: "muted", id: "wellbeing-no-debriefs" }, t("wellbeing_no_debriefs")));
    return;
  }
  holder.append(h("ul", { className: "debriefs", id: "wellbeing-debrief-list" },
    list.map((d) => debrief(ctx, d))));
}

function debrief(ctx, d) {
  const item = h("li", { className: "debrief", dataset: { id: d.id, username: d.username } });
  const opener = h("button", {
    type: "button", className: "hold-debrief", "aria-expanded": "false",
    "aria-label": t("wb_mark_held_of", { name: d.name }),
  }, t("wb_mark_held"));
  const form = holdForm(ctx, d, () => {
    form.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    opener.focus();
  });
  form.hidden = true;
  opener.addEventListener("click", () => {
    form.hidden = false;
    opener.setAttribute("aria-expanded", "true");
    form.querySelector("textarea").focus();
  });
  item.append(h("p", { className: "row" }, h("strong", {}, `${d.name} (${d.username})`),
    h("span", {}, `${t("wb_flagged")} ${stamp(d.flagged_at)}`),
    h("span", { className: "reasons" }, reasons(d.reasons)), opener));
  if (d.request_note) item.append(h("p", { className: "small" }, `${t("wb_their_words")}: ${d.request_note}`));
  item.append(form);
  return item;
}

/** The form that marks talk ``d`` held: a note is required (said at the field, the focus
 * kept on it); ``close`` hides it again. */
function holdForm(ctx, d, close) {
  const hint = `hold-error-${d.id}`;
  const error = h("p", { className: "error", role: "alert", id: hint });
  const note = h("textarea", { name: "note", maxLength: 2000, "aria-describedby": hint });
  const form = h("form", { className: "hold-form" },
    h("label", {}, h("span", {}, t("wellbeing_hold_note")), note), error,
    h("div", { className: "row" },
      h("button", { type: "submit", className: "primary" }, t("wellbeing_hold")),
      h("button", { type: "button", className: "hold-cancel", onclick: close }, t("close"))));
  const refuse = (text) => {
    error.textContent = text;
    note.setAttribute("aria-invalid", "true");
    note.focus();
  };
  note.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", oneAtATime(async () => {
    error.textContent = "";
    note.removeAttribute("aria-invalid");
    if (!note.value.trim()) {
      refuse(t("wb_note_needed"));
      return;
    }
    try {
      await ctx.api("POST", `/wellbeing/debriefs/${d.id}/hold`, { json: { note: note.value.trim() } });
    } catch (failure) {
      refuse(problem(failure, "hold"));
      return;
    }
    await drawWellbeing(ctx, "wellbeing-debriefs-title");
    ctx.toast(t("wb_held", { name: d.name }));
  }));
  return form;
}
