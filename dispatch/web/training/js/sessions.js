// @ts-check
// The opened programme: what it serves and targets, a session planned (a Tashkent date and
// time), and each session with its trainees: the people QA's open topics suggest or a
// schedule makes due by the session's day (ticked to invite; each says why) or a username by
// hand, attendance ticked and saved, a test's answers recorded (the choice numbers, e.g.
// "1 2") and scored by the server.

import { pick, t } from "/common/js/i18n.js";
import { $, h, num, oneAtATime, stamp } from "/common/js/dom.js";
import { dueText } from "./schedules.js";

function field(label, input) {
  return h("label", {}, h("span", {}, t(label)), input);
}

export async function drawSessions(ctx, programme) {
  $("main-title").textContent = pick(programme.title);
  const sessions = await ctx.api("GET", `/training/sessions?programme_id=${programme.id}`);
  // Each planned session's own suggestions: a schedule's depend on the session's day.
  const suggested = Object.fromEntries(await Promise.all(sessions.filter((s) => s.status === "planned").map(
    async (s) => [s.id, await ctx.api("GET", `/training/programmes/${programme.id}/suggested-trainees?session_id=${s.id}`)])));
  if (!ctx.current()) return; // another programme or view was chosen meanwhile
  const error = h("p", { className: "error", role: "alert", id: "sessions-error" });
  const act = async (promise, message) => {
    error.textContent = "";
    try {
      await promise();
      await ctx.reload(message);
    } catch (failure) {
      error.textContent = ctx.refusal(failure);
    }
  };
  const when = h("input", { type: "datetime-local", id: "plan-when", required: true });
  const minutes = h("input", { type: "number", id: "plan-minutes", min: 15, max: 1440, value: 120 });
  const place = h("input", { id: "plan-place", maxLength: 200 });
  const plan = h("form", { id: "plan-form", className: "row" },
    field("session_start", when), field("minutes", minutes), field("place", place),
    h("button", { type: "submit", className: "primary" }, t("plan_session")));
  plan.addEventListener("submit", oneAtATime(() => act(() => ctx.api("POST", "/training/sessions", { json: {
    programme_id: programme.id, starts_at: `${when.value}:00+05:00`,
    minutes: Number(minutes.value) || 120, place: place.value || null,
  } }), t("session_planned"))));
  $("main-body").replaceChildren(
    h("p", {}, pick(programme.goals)),
    h("p", { className: "small" }, `${t("functions")}: ${programme.functions.join(", ")}`),
    h("p", { className: "small" }, `${t("targeted_items")}: ${programme.items.join(", ")}`),
    h("p", { className: "small" }, `${t("test")}: ${programme.test.questions.length} · ${t("pass_mark")} ${num(programme.test.pass_mark, 0)}%`),
    h("h3", {}, t("plan_session")), plan, error,
    h("h3", {}, t("sessions")),
    ...(sessions.length ? sessions.map((s) => drawSession(ctx, s, suggested[s.id] || [], act))
      : [h("p", { className: "muted" }, t("no_sessions"))]));
}

/** Why someone is suggested: their open QA topics, and a schedule's due date. */
function why(suggestion) {
  const reasons = [];
  if (suggestion.topics.length) reasons.push(suggestion.topics.map((x) => x.topic).join("; "));
  if (suggestion.schedule_id) reasons.push(`${t("source_schedule")}: ${dueText(suggestion.last_attended, suggestion.due_on)}`);
  return reasons.join(" · ");
}

function drawSession(ctx, session, suggested, act) {
  const url = `/training/sessions/${session.id}`;
  const invited = new Set(session.trainees.map((x) => x.username));
  /** @type {HTMLElement[]} */
  const parts = [h("h4", {}, `${stamp(session.starts_at)} · ${t(`status_${session.status}`)}`,
    session.place ? ` · ${session.place}` : "", ` · ${session.trainer_name || session.trainer}`)];
  if (session.status === "planned") {
    const choices = suggested.filter((s) => !invited.has(s.username));
    const byHand = h("input", { name: "by_hand", maxLength: 64 });
    const invite = h("form", { className: "invite" },
      h("fieldset", {}, h("legend", {}, t("suggested_trainees")),
        choices.length ? choices.map((s) => h("label", { className: "check", dataset: { source: s.source } },
          h("input", { type: "checkbox", name: "suggested", value: s.username }),
          h("span", {}, `${s.name || s.username} — ${why(s)}`)))
          : h("p", { className: "muted" }, t("no_suggestions"))),
      field("invite_by_hand", byHand),
      h("button", { type: "submit" }, t("invite")));
    invite.addEventListener("submit", oneAtATime(() => {
      const usernames = [...new FormData(invite).getAll("suggested")];
      if (byHand.value.trim()) usernames.push(byHand.value.trim());
      if (usernames.length) return act(() => ctx.api("POST", `${url}/trainees`, { json: { usernames } }), t("invited"));
    }));
    parts.push(invite);
  }
  if (session.trainees.length && session.status !== "cancelled") {
    const attendance = h("form", { className: "attendance" },
      h("fieldset", {}, h("legend", {}, t("attendance")),
        session.trainees.map((x) => h("label", { className: "check" },
          h("input", { type: "checkbox", name: "came", value: x.username, checked: x.attended === true }),
          h("span", {}, `${x.name || x.username} (${t(`source_${x.source}`)})`)))),
      h("button", { type: "submit" }, t("save_attendance")));
    attendance.addEventListener("submit", (event) => {
      event.preventDefault();
      const came = new Set(new FormData(attendance).getAll("came"));
      const attended = Object.fromEntries(session.trainees.map((x) => [x.username, came.has(x.username)]));
      act(() => ctx.api("PUT", `${url}/attendance`, { json: { attended } }), t("attendance_saved"));
    });
    parts.push(attendance);
  }
  if (session.status === "held") {
    parts.push(h("ul", { className: "plain results" }, session.trainees.filter((x) => x.attended).map((x) => {
      const answers = h("input", { name: "answers", inputMode: "numeric", "aria-label": `${t("test_answers")}: ${x.name || x.username}` });
      const result = x.test_score === null ? t("no_test_yet")
        : `${num(x.test_score, 0)}% ${t(x.test_passed ? "passed" : "failed")}`;
      const form = h("form", { className: "row" }, h("span", {}, `${x.name || x.username}: ${result}`),
        x.rating ? h("span", {}, `${t("feedback")}: ${x.rating}/5${x.comment ? ` — ${x.comment}` : ""}`) : null,
        field("test_answers", answers), h("button", { type: "submit" }, t("record_test")));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const given = answers.value.trim().split(/[\s,]+/).filter(Boolean).map((n) => Number(n) - 1);
        act(() => ctx.api("PUT", `${url}/trainees/${encodeURIComponent(x.username)}/test`,
          { json: { answers: given } }), t("test_recorded"));
      });
      return h("li", {}, form);
    })));
  }
  if (session.status === "planned") {
    parts.push(h("button", { type: "button", onclick: () => act(() => ctx.api("POST", `${url}/cancel`), t("session_cancelled")) }, t("cancel_session")));
  }
  return h("section", { className: "session", dataset: { id: session.id } }, parts);
}
