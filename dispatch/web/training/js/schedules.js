// @ts-check
// Schedules (trainers and supervisors): a programme due again every so many months for the
// operators and supervisors of the roles and ACD skills named (an annual course, a refresher
// for the sign-language operators), counted from the last held session of it (or of an
// earlier edition ticked) each one attended. Listed with how many people it covers, how many
// are due by today plus its lead days and the programme's next planned session; who is due
// shown on demand; added from a form and ended with a button. The sessions' suggestions show
// whom a schedule makes due (sessions.js).

import { pick, t } from "/common/js/i18n.js";
import { $, day, h, oneAtATime, stamp } from "/common/js/dom.js";

const ROLES = ["operator", "supervisor"];

function field(label, input) {
  return h("label", {}, h("span", {}, t(label)), input);
}

/** When someone last trained and falls due, in words. */
export function dueText(lastAttended, dueOn) {
  if (!lastAttended) return t("never_trained");
  return `${t("last_trained", { day: day(lastAttended) })}, ${t("due_on", { day: day(dueOn) })}`;
}

export async function drawSchedules(ctx) {
  $("main-title").textContent = t("schedules");
  const error = h("p", { className: "error", role: "alert", id: "schedules-error" });
  const act = async (call, message) => {
    error.textContent = "";
    try {
      await call();
      await drawSchedules(ctx);
      $("main-title").focus(); // the list is drawn anew: read on from the top
      ctx.toast(message);
    } catch (failure) {
      error.textContent = ctx.refusal(failure);
    }
  };
  // The programmes are read afresh with the schedules: the list the page loads at sign-in may
  // not have arrived yet (a trainer quick on Alt+S), or may miss one made since.
  const [schedules, programmes] = await Promise.all([
    ctx.api("GET", "/training/schedules"), ctx.api("GET", "/training/programmes")]);
  if (!ctx.current()) return; // another programme or view was chosen meanwhile
  ctx.app.programmes = programmes;
  $("main-body").replaceChildren(
    h("p", { className: "small muted" }, t("schedules_explained")),
    schedules.length ? h("ul", { className: "schedules", id: "schedule-list" }, schedules.map((s) => schedule(ctx, s, act)))
      : h("p", { className: "muted" }, t("no_schedules")),
    error, h("h3", {}, t("new_schedule")), scheduleForm(ctx, act, programmes));
}

function scope(s) {
  const parts = [s.roles.length ? s.roles.map((role) => t(`role_${role}`)).join(", ") : t("any_role")];
  if (s.skills.length) parts.push(`${t("with_skills")} ${s.skills.join(", ")}`);
  return parts.join(" ");
}

function schedule(ctx, s, act) {
  const dueList = h("div", { className: "due" });
  return h("li", { className: "schedule", dataset: { id: s.id } },
    h("strong", {}, pick(s.programme_title)),
    h("p", { className: "small" }, `${t("applies_to")}: ${scope(s)} · `,
      t("schedule_line", { months: s.interval_months, days: s.lead_days })),
    s.note ? h("p", { className: "small" }, s.note) : null,
    h("p", { className: "small counts" }, t("in_scope_due", { scope: s.in_scope, due: s.due }), " · ",
      s.next_session ? `${t("next_session")}: ${stamp(s.next_session)}` : h("strong", {}, t("no_session_planned"))),
    h("div", { className: "row" },
      h("button", { type: "button", className: "show-due", onclick: () => showDue(ctx, s, dueList) }, t("who_is_due")),
      h("button", { type: "button", className: "end-schedule",
        onclick: () => act(() => ctx.api("POST", `/training/schedules/${s.id}/end`), t("schedule_ended")) }, t("end_schedule"))),
    dueList);
}

async function showDue(ctx, s, holder) {
  const due = await ctx.api("GET", `/training/schedules/${s.id}/due`);
  holder.replaceChildren(due.length
    ? h("ul", { className: "small" }, due.map((d) => h("li", {},
      `${d.name || d.username}: ${dueText(d.last_attended, d.due_on)}`,
      d.overdue ? h("strong", {}, ` ${t("overdue")}`) : "",
      d.invited_to ? ` · ${t("invited_already")}` : "")))
    : h("p", { className: "small muted" }, t("nobody_due")));
}

function scheduleForm(ctx, act, programmes) {
  const form = h("form", { id: "schedule-form" },
    field("programme", h("select", { name: "programme_id", required: true },
      h("option", { value: "" }, "—"), programmes.map((p) => h("option", { value: p.id }, pick(p.title))))),
    h("fieldset", {}, h("legend", {}, t("applies_to_roles")), ROLES.map((role) => h("label", { className: "check" },
      h("input", { type: "checkbox", name: "role", value: role }), h("span", {}, t(`role_${role}`))))),
    field("applies_to_skills", h("input", { name: "skills", maxLength: 300 })),
    h("div", { className: "row" },
      field("interval_months", h("input", { name: "interval_months", type: "number", min: 1, max: 120, value: 12, required: true })),
      field("lead_days", h("input", { name: "lead_days", type: "number", min: 0, max: 365, value: 30, required: true }))),
    programmes.length > 1 ? h("fieldset", {}, h("legend", {}, t("counts_also")), programmes.map((p) =>
      h("label", { className: "check" }, h("input", { type: "checkbox", name: "counts_also", value: p.id }),
        h("span", {}, pick(p.title))))) : null,
    field("note", h("input", { name: "note", maxLength: 2000 })),
    h("button", { type: "submit", className: "primary" }, t("add_schedule")));
  form.addEventListener("submit", oneAtATime(() => {
    const data = new FormData(form);
    const body = {
      programme_id: data.get("programme_id"), roles: data.getAll("role"),
      skills: String(data.get("skills") || "").split(/[\s,]+/).filter(Boolean),
      interval_months: Number(data.get("interval_months")), lead_days: Number(data.get("lead_days")),
      counts_also: data.getAll("counts_also"), note: String(data.get("note") || "").trim() || null,
    };
    return act(() => ctx.api("POST", "/training/schedules", { json: body }), t("schedule_added"));
  }));
  return form;
}
