// @ts-check
// A trainee's own training (operators; supervisors too): the sessions they are invited to, the
// programme's goals and modules with their materials, and, once they attended a held session,
// the test (one choice per question, scored by the server) and their rating and comment;
// below them their own competency register, read-only.

import { pick, t } from "/common/js/i18n.js";
import { $, h, num, oneAtATime, stamp } from "/common/js/dom.js";
import { myRegister } from "./competencies.js";

function material(item) {
  if (item.url) return h("li", {}, h("a", { href: item.url, rel: "noopener", target: "_blank" }, item.title || item.url));
  return h("li", {}, `${t("file")}: ${item.title || item.attachment_id}`);
}

export async function drawMine(ctx) {
  $("main-title").textContent = t("my_training");
  const [mine, register] = await Promise.all([ctx.api("GET", "/training/me"), myRegister(ctx)]);
  if (!ctx.current()) return; // another programme or view was chosen meanwhile
  $("main-body").replaceChildren(...(mine.length ? mine.map((a) => assignment(ctx, a))
    : [h("p", { className: "muted" }, t("no_assignments"))]), register);
}

function assignment(ctx, a) {
  const error = h("p", { className: "error", role: "alert" });
  const act = async (call, message) => {
    error.textContent = "";
    try {
      await call();
      await drawMine(ctx);
      $("main-title").focus(); // the form is drawn anew: read on from the top
      ctx.toast(message);
    } catch (failure) {
      error.textContent = ctx.refusal(failure);
    }
  };
  const parts = [
    h("h3", {}, pick(a.title)),
    h("p", {}, `${stamp(a.starts_at)} · ${a.minutes} ${t("minutes").toLowerCase()} · ${t(`status_${a.status}`)}`,
      a.place ? ` · ${a.place}` : "", ` · ${a.trainer_name || a.trainer}`),
    h("p", {}, pick(a.goals)),
    a.modules.map((m) => h("section", { className: "module" }, h("h4", {}, m.title), h("p", {}, m.content),
      m.materials.length ? h("ul", {}, m.materials.map(material)) : null)),
  ];
  const open = a.status === "held" && a.attended === true;
  if (a.test_score !== null) {
    parts.push(h("p", { className: "result" }, `${t("test")}: ${num(a.test_score, 0)}% ${t(a.test_passed ? "passed" : "failed")}`));
  } else if (open) {
    const test = h("form", { className: "my-test" },
      h("p", {}, `${t("pass_mark")} ${num(a.pass_mark, 0)}`),
      a.questions.map((q, i) => h("fieldset", {}, h("legend", {}, `${i + 1}. ${q.text}`),
        q.choices.map((choice, c) => h("label", { className: "check" },
          h("input", { type: "radio", name: `q${i}`, value: String(c), required: true }), h("span", {}, choice))))),
      h("button", { type: "submit", className: "primary" }, t("send_test")));
    test.addEventListener("submit", oneAtATime(() => {
      const data = new FormData(test);
      const answers = a.questions.map((_, i) => Number(data.get(`q${i}`)));
      return act(() => ctx.api("PUT", `/training/me/sessions/${a.session_id}/test`, { json: { answers } }), t("test_recorded"));
    }));
    parts.push(test);
  }
  if (open) {
    const rating = h("select", { name: "rating", required: true },
      h("option", { value: "" }, "—"), [5, 4, 3, 2, 1].map((n) => h("option", { value: String(n), selected: a.rating === n }, String(n))));
    const comment = h("textarea", { name: "comment", maxLength: 2000, value: a.comment || "" });
    const feedback = h("form", { className: "my-feedback" },
      h("label", {}, h("span", {}, t("rating")), rating),
      h("label", {}, h("span", {}, t("comment")), comment),
      h("button", { type: "submit" }, t("send_feedback")));
    feedback.addEventListener("submit", (event) => {
      event.preventDefault();
      act(() => ctx.api("PUT", `/training/me/sessions/${a.session_id}/feedback`,
        { json: { rating: Number(rating.value), comment: comment.value || null } }), t("feedback_saved"));
    });
    parts.push(feedback);
  }
  parts.push(error);
  return h("article", { className: "session", dataset: { id: a.session_id } }, parts);
}
