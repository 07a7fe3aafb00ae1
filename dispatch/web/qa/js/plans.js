// @ts-check
// Sampling plans: make one for a day or a week, see its calls and why each was chosen.
// People, incident types, channels and strata are shown by name (the server's, in the
// interface language); dates and numbers in its locale.

import { api, errorText } from "/common/js/api.js";
import { day, h, num, oneAtATime, percent, stamp, table, today } from "/common/js/dom.js";
import { language, plural, t } from "/common/js/i18n.js";

const inLanguage = () => `language=${language()}`;

/** The plans page; with a plan id, that plan's calls. */
export async function showPlans(ctx, planId) {
  const plans = await api("GET", `/qa/plans?${inLanguage()}`);
  if (!ctx.current()) return; // another page was asked for meanwhile
  const form = planForm(ctx);
  const list = h("ul", { className: "plan-list", id: "plan-list" }, plans.map((plan) =>
    h("li", {}, h("a", { href: `#plan/${plan.id}`, dataset: { plan: plan.id } },
      `${day(plan.date_from)} – ${day(plan.date_to)}`),
    " ", h("span", { className: "muted" }, plural("plan_size", plan.population, { chosen: num(plan.chosen) })))));
  const detail = h("section", { className: "panel plan-detail", id: "plan-detail" });
  ctx.page.replaceChildren(h("div", { className: "columns" },
    h("aside", { className: "panel" }, h("h2", {}, t("new_plan")), form, h("h2", {}, t("plans")),
      plans.length ? list : h("p", { className: "muted" }, t("no_plans"))),
    detail));
  if (planId) showPlan(detail, await api("GET", `/qa/plans/${planId}?${inLanguage()}`));
  else detail.append(h("p", { className: "muted" }, t("choose_plan")));
}

function planForm(ctx) {
  const field = (key, input) => h("label", {}, h("span", {}, t(key)), input);
  const now = today();
  const inputs = {
    date_from: h("input", { type: "date", id: "plan-from", value: now, required: true }),
    date_to: h("input", { type: "date", id: "plan-to", value: now, required: true }),
    share: h("input", { type: "number", id: "plan-share", value: "2", min: "0.1", max: "100", step: "0.1" }),
    min_per_operator: h("input", { type: "number", id: "plan-min-operator", value: "1", min: "0", max: "1000" }),
    min_per_stratum: h("input", { type: "number", id: "plan-min-stratum", value: "0", min: "0", max: "1000" }),
    seed: h("input", { type: "number", id: "plan-seed", min: "0", placeholder: t("seed_random") }),
  };
  const error = h("p", { className: "error", role: "alert" });
  return h("form", {
    className: "stack",
    id: "plan-form",
    onsubmit: oneAtATime(async () => {
      error.textContent = "";
      const body = {
        date_from: inputs.date_from.value,
        date_to: inputs.date_to.value,
        share: Number(inputs.share.value) / 100,
        min_per_operator: Number(inputs.min_per_operator.value || 0),
        min_per_stratum: Number(inputs.min_per_stratum.value || 0),
      };
      if (inputs.seed.value !== "") body.seed = Number(inputs.seed.value);
      try {
        const plan = await api("POST", `/qa/plans?${inLanguage()}`, { json: body });
        ctx.toast(plural("plan_made", plan.chosen));
        ctx.go(`#plan/${plan.id}`);
      } catch (failure) {
        error.textContent = errorText(failure);
      }
    }),
  },
  field("date_from", inputs.date_from), field("date_to", inputs.date_to),
  field("share_percent", inputs.share), field("min_per_operator", inputs.min_per_operator),
  field("min_per_stratum", inputs.min_per_stratum), field("seed", inputs.seed),
  error, h("button", { type: "submit", className: "primary" }, t("make_plan")));
}

function reasonText(reason) {
  return t(`reason_${reason.replace("flag:", "flag_")}`);
}

function showPlan(panel, plan) {
  const strata = table([t("stratum"), t("population"), t("chosen"), t("random")],
    plan.strata.map((s) => h("tr", { dataset: { stratum: s.stratum } },
      h("td", {}, s.stratum_name || s.stratum), h("td", {}, num(s.population)), h("td", {}, num(s.chosen)),
      h("td", {}, num(s.random)))),
    { id: "plan-strata" });
  const calls = table(
    [t("call_time"), t("operator"), t("channel"), t("incident_type"), t("reasons"), t("evaluated"), ""],
    plan.calls.map((call) => h("tr", { dataset: { call: call.call_id } },
      h("td", {}, stamp(call.call_at)),
      h("td", { title: call.operator || "" }, call.operator_name || call.operator || "—"),
      h("td", {}, call.channel_name || t(`channel_${call.channel}`)),
      h("td", { title: call.incident_type || "" }, call.incident_type_name || call.incident_type || t("unclassified")),
      h("td", {}, call.reasons.map((r) => h("span", { className: `chip reason ${r.startsWith("flag:") ? "flag" : ""}` }, reasonText(r)))),
      h("td", {}, call.evaluations ? `✓ ${num(call.evaluations)}` : "—"),
      h("td", {}, h("a", { href: `#call/${call.call_id}`, className: "button" }, t("score"))),
    )),
    { className: "calls", id: "plan-calls" });
  panel.replaceChildren(
    h("h2", {}, `${t("plan")} ${day(plan.date_from)} – ${day(plan.date_to)}`),
    h("p", {}, t("plan_summary", {
      size: plural("plan_size", plan.population, { chosen: num(plan.chosen) }), share: percent(plan.share, 1),
      seed: plan.seed, min: num(plan.min_per_operator),
    })),
    h("p", {}, Object.entries(plan.reasons).map(([r, n]) => h("span", { className: "chip" }, `${reasonText(r)}: ${num(n)}`))),
    h("h3", {}, t("strata")), strata,
    h("h3", {}, t("calls")), plan.calls.length ? calls : h("p", { className: "muted" }, t("no_calls")),
  );
}
