// @ts-check
// Calibration: several specialists score the same calls; the report shows how far their scores
// spread and their agreement per item (Cohen's kappa), disagreements flagged. Specialists by
// full name, items and sections by title in the interface language, numbers in its locale.

import { api, errorText } from "/common/js/api.js";
import { h, num, oneAtATime, percent, table } from "/common/js/dom.js";
import { language, plural, t } from "/common/js/i18n.js";

export async function showCalibration(ctx, sessionId) {
  const sessions = await api("GET", `/qa/calibrations?language=${language()}`);
  if (!ctx.current()) return; // another page was asked for meanwhile
  const detail = h("section", { className: "panel", id: "calibration-detail" });
  ctx.page.replaceChildren(h("div", { className: "columns" },
    h("aside", { className: "panel" }, h("h2", {}, t("new_calibration")), sessionForm(ctx),
      h("h2", {}, t("calibrations")),
      sessions.length
        ? h("ul", { className: "plan-list" }, sessions.map((s) => h("li", {},
          h("a", { href: `#calibration/${s.id}` }, s.title), " ",
          h("span", { className: "muted" }, `${plural("calibration_size", s.call_ids.length)}, ${plural("calibration_people", s.participants.length)}`))))
        : h("p", { className: "muted" }, t("no_calibrations"))),
    detail));
  const chosen = sessions.find((s) => s.id === sessionId);
  if (chosen) showSession(detail, chosen);
  else detail.append(h("p", { className: "muted" }, t("choose_calibration")));
}

function sessionForm(ctx) {
  const title = h("input", { id: "calibration-title", required: true, maxLength: 200 });
  const calls = h("textarea", { id: "calibration-calls", rows: 4, required: true, placeholder: t("call_ids_hint") });
  const people = h("input", { id: "calibration-evaluators", placeholder: t("evaluators_hint") });
  const error = h("p", { className: "error", role: "alert" });
  return h("form", {
    className: "stack",
    onsubmit: oneAtATime(async () => {
      error.textContent = "";
      const split = (text) => text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
      try {
        const session = await api("POST", `/qa/calibrations?language=${language()}`, { json: {
          title: title.value.trim(), call_ids: split(calls.value), scorecard: "ace", evaluators: split(people.value),
        } });
        ctx.go(`#calibration/${session.id}`);
      } catch (failure) {
        error.textContent = errorText(failure);
      }
    }),
  },
  h("label", {}, h("span", {}, t("title")), title),
  h("label", {}, h("span", {}, t("calls")), calls),
  h("label", {}, h("span", {}, t("evaluators")), people),
  error, h("button", { type: "submit", className: "primary" }, t("make_calibration")));
}

function showSession(panel, s) {
  const people = s.participants;
  const named = (username) => (s.participant_names || {})[username] || username;
  const spread = table([t("call"), ...people.map(named), t("mean"), t("range"), t("stdev"), ""],
    s.calls.map((c) => [
      c.call_id.slice(0, 8), ...people.map((p) => num(c.scores[p])), num(c.mean), num(c.range), num(c.stdev),
      h("a", { href: `#call/${c.call_id}?calibration=${s.id}`, className: "button" }, t("score")),
    ]), { id: "calibration-calls-table" });
  const items = table([t("item"), t("section"), t("mean_kappa"), t("agreement"), t("pairs")],
    s.items.map((i) => h("tr", { className: i.flagged ? "flagged" : "", dataset: { item: i.item } },
      h("td", { title: i.item }, i.flagged ? `⚠ ${i.item_title || i.item}` : i.item_title || i.item),
      h("td", { title: i.section }, i.section_title || i.section),
      h("td", {}, num(i.mean_kappa, 3)),
      h("td", {}, percent(i.agreement)),
      h("td", {}, i.pairs.map((p) => `${(p.evaluator_names || p.evaluators).join(" · ")}: ${num(p.kappa, 3)}`).join("; ")))),
    { id: "calibration-items" });
  panel.replaceChildren(
    h("h2", {}, s.title),
    h("p", {}, t("calibration_summary", { version: s.scorecard_version, people: people.map(named).join(", ") || "—", threshold: num(s.kappa_threshold) })),
    h("p", {}, s.flagged_items.length
      ? h("span", { className: "error" }, t("flagged", { items: s.items.filter((i) => i.flagged).map((i) => i.item_title || i.item).join(", ") }))
      : t("no_flags")),
    h("h3", {}, t("score_spread")), spread,
    h("p", { className: "muted" }, t("mean_range", { range: num(s.mean_range) })),
    h("h3", {}, t("agreement_per_item")), items,
  );
}
