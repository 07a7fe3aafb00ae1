// @ts-check
// The effect on QA scores (B1.03): per programme and per trainee, the share of yes on the
// targeted items before and after the session (with the counts), the test and the feedback.

import { pick, t } from "/common/js/i18n.js";
import { $, h, num, percent, stamp, table } from "/common/js/dom.js";

function score(window) {
  return window.score === null ? "—" : `${percent(window.score, 1)} (${window.yes}/${window.yes + window.no})`;
}

function effect(value) {
  return value === null ? "—" : `${value > 0 ? "+" : ""}${num(value * 100, 1)}`;
}

export function drawEffect(ctx) {
  const report = ctx.app.effect;
  if (!report) {
    $("effect-body").replaceChildren();
    return;
  }
  const programmes = table(
    [t("programme"), t("trainees"), t("before"), t("after"), t("effect_points"), t("pass_rate"), t("mean_rating")],
    report.programmes.map((p) => [pick(p.title), String(p.trainees), score(p.before), score(p.after),
      effect(p.effect), p.pass_rate === null ? "—" : percent(p.pass_rate, 0),
      p.mean_rating === null ? "—" : num(p.mean_rating, 1)]),
    { id: "effect-programmes" });
  const trainees = table(
    [t("trainee"), t("session_start"), t("before"), t("after"), t("effect_points"), t("test_result")],
    report.trainees.map((r) => [r.name || r.username, stamp(r.starts_at), score(r.before),
      score(r.after) + (r.after_complete ? "" : ` ${t("window_open")}`), effect(r.effect),
      r.test_score === null ? "—" : `${num(r.test_score, 0)}% ${t(r.test_passed ? "passed" : "failed")}`]),
    { id: "effect-trainees" });
  $("effect-body").replaceChildren(
    h("h3", {}, t("per_programme")), programmes, h("h3", {}, t("per_trainee")), trainees);
}
