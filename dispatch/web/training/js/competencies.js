// @ts-check
// The competency register (beyond the anchors): supervisors and trainers pick a staff member
// and see every task of the professional standard with its evidence (the held sessions they
// attended of programmes serving it, with the tests, and QA answers on those programmes'
// items) and the rules' suggestion; a supervisor records a task at its level, a note required
// when the rules do not suggest it (the server's refusal is shown at the form and the focus
// goes to the note). Everyone reads their own register under "My training" (myRegister).

import { language, pick, t } from "/common/js/i18n.js";
import { $, h, num, oneAtATime, percent, stamp, table } from "/common/js/dom.js";

const ROLE_ORDER = ["operator", "supervisor", "qa", "trainer", "analyst", "methodologist", "admin"];

function field(label, input) {
  return h("label", {}, h("span", {}, t(label)), input);
}

/** The task's name in the interface language (the standard has Uzbek and English). */
function taskName(task) {
  return language() === "uz" ? task.uz : task.en;
}

function training(item) {
  const test = item.test_score === null ? t("no_test_yet")
    : `${num(item.test_score, 0)}% ${t(item.test_passed ? "passed" : "failed")}`;
  return h("li", {}, `${pick(item.title)}, ${stamp(item.starts_at)} — ${t("test")}: ${test}`);
}

function evidence(found) {
  const answers = found.qa_yes + found.qa_no;
  return h("div", {},
    found.trainings.length ? h("ul", { className: "small" }, found.trainings.map(training))
      : h("p", { className: "small muted" }, t("no_trainings")),
    h("p", { className: "small" }, answers
      ? t("qa_evidence", { yes: found.qa_yes, of: answers, share: percent(found.qa_share, 0), days: found.window_days })
      : t("no_qa_answers", { days: found.window_days })));
}

function recorded(entries) {
  if (!entries.length) return t("not_recorded");
  return h("ul", { className: "plain small" }, entries.map((r) => h("li", {},
    t("recorded_entry", { at: stamp(r.recorded_at), by: r.recorded_by, level: r.level }),
    r.suggested ? "" : ` (${t("not_suggested")})`, r.note ? ` — ${r.note}` : "")));
}

function rules(register) {
  const r = register.rules;
  return h("p", { className: "small muted" },
    t("rules_explained", { share: percent(r.min_share, 0), answers: r.min_answers, days: r.window_days }));
}

/** The register as a table; ``onRecord(code)`` adds a button per task to record it. */
function registerTable(register, onRecord) {
  const headers = [t("task"), t("level"), t("evidence"), t("rules_suggestion"), t("recorded")];
  if (onRecord) headers.push(t("record_competency"));
  return table(headers, register.tasks.map((task) => h("tr", { dataset: { code: task.code } },
    h("th", { scope: "row" }, h("strong", {}, task.code), ` ${taskName(task)}`),
    h("td", {}, String(task.level)),
    h("td", {}, evidence(task.evidence)),
    h("td", {}, t(task.suggested ? "suggested" : "not_suggested")),
    h("td", {}, recorded(task.recorded)),
    onRecord ? h("td", {}, h("button", {
      type: "button", className: "record-task", "aria-label": t("record_task", { code: task.code }),
      onclick: () => onRecord(task.code),
    }, t("record_this"))) : null)), { id: "register-table" });
}

/** The signed-in person's own register, read-only (under "My training"). */
export async function myRegister(ctx) {
  const register = await ctx.api("GET", "/competencies/me");
  return h("section", { id: "my-register", "aria-labelledby": "my-register-title" },
    h("h3", { id: "my-register-title" }, t("my_competencies")), rules(register), registerTable(register, null));
}

/** The register page: the staff picker, then the chosen person's register. */
export async function drawCompetencies(ctx, canRecord) {
  $("main-title").textContent = t("competencies");
  const staff = await ctx.api("GET", "/competencies");
  if (!ctx.current()) return; // another programme or view was chosen meanwhile
  const picker = h("select", { id: "staff-picker", required: true },
    h("option", { value: "" }, "—"),
    ROLE_ORDER.filter((role) => staff.some((p) => p.role === role)).map((role) =>
      h("optgroup", { label: t(`role_${role}`) }, staff.filter((p) => p.role === role).map((p) =>
        h("option", { value: p.username, selected: p.username === ctx.app.person },
          `${p.name} (${p.username})${p.recorded ? ` · ${t("tasks_recorded", { n: p.recorded })}` : ""}`)))));
  const holder = h("div", { id: "register" }, h("p", { className: "muted" }, t("choose_staff")));
  const form = h("form", { id: "staff-form", className: "row" },
    field("staff_member", picker), h("button", { type: "submit" }, t("open")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!picker.value) return;
    ctx.app.person = picker.value;
    await drawPerson(ctx, holder, canRecord);
    $("register-title").focus();
  });
  $("main-body").replaceChildren(form, holder);
  if (ctx.app.person && staff.some((p) => p.username === ctx.app.person)) await drawPerson(ctx, holder, canRecord);
}

async function drawPerson(ctx, holder, canRecord, given = null) {
  const username = ctx.app.person;
  const register = given || await ctx.api("GET", `/competencies/${encodeURIComponent(username)}`);
  const title = h("h3", { id: "register-title", tabindex: "-1" },
    `${register.name} (${register.username}) · ${t(`role_${register.role}`)}`);
  const form = canRecord ? recordForm(ctx, holder, register) : null;
  const choose = form ? (code) => {
    const select = /** @type {HTMLSelectElement} */ (form.elements.namedItem("code"));
    select.value = code;
    select.dispatchEvent(new Event("change"));
    /** @type {HTMLTextAreaElement} */ (form.elements.namedItem("note")).focus();
  } : null;
  holder.replaceChildren(title, rules(register), form, registerTable(register, choose));
}

function recordForm(ctx, holder, register) {
  const byCode = Object.fromEntries(register.tasks.map((task) => [task.code, task]));
  const code = h("select", { name: "code", required: true }, register.tasks.map((task) =>
    h("option", { value: task.code }, `${task.code} — ${taskName(task)}${task.suggested ? ` (${t("suggested")})` : ""}`)));
  const hint = h("p", { id: "note-hint", className: "small", "aria-live": "polite" });
  const error = h("p", { id: "competency-error", className: "error", role: "alert" });
  const note = h("textarea", { name: "note", maxLength: 2000, "aria-describedby": "note-hint competency-error" });
  const explain = () => {
    hint.textContent = t(byCode[code.value]?.suggested ? "note_optional" : "note_required_hint");
  };
  code.addEventListener("change", explain);
  explain();
  const form = h("form", { id: "competency-form" },
    h("h4", {}, t("record_competency")),
    field("task", code), field("note", note), hint, error,
    h("button", { type: "submit", className: "primary" }, t("record_competency")));
  form.addEventListener("submit", oneAtATime(async () => {
    error.textContent = "";
    note.removeAttribute("aria-invalid");
    try {
      const after = await ctx.api("POST", `/competencies/${encodeURIComponent(register.username)}`,
        { json: { code: code.value, note: note.value.trim() || null } });
      await drawPerson(ctx, holder, true, after);
      $("register-title").focus();
      ctx.toast(t("competency_recorded"));
    } catch (failure) {
      error.textContent = ctx.refusal(failure);
      note.setAttribute("aria-invalid", "true");
      note.focus();
    }
  }));
  return form;
}
