// Calibration: several specialists score the same calls; the report shows how far their scores
// spread and their agreement per item (Cohen's kappa), disagreements flagged.

import { api } from "/operator/js/api.js";
import { h, table } from "./dom.js";
import { t } from "/operator/js/i18n.js";

const fixed = (value, digits = 2) => (value === null || value === undefined ? "—" : Number(value).toFixed(digits));

export async function showCalibration(ctx, sessionId) {
  const sessions = await api("GET", "/qa/calibrations");
  const detail = h("section", { className: "panel", id: "calibration-detail" });
  ctx.page.replaceChildren(h("div", { className: "columns" },
    h("aside", { className: "panel" }, h("h2", {}, t("new_calibration")), sessionForm(ctx),
      h("h2", {}, t("calibrations")),
      sessions.length
        ? h("ul", { className: "plan-list" }, sessions.map((s) => h("li", {},
          h("a", { href: `#calibration/${s.id}` }, s.title), " ",
          h("span", { className: "muted" }, t("calibration_size", { calls: s.call_ids.length, people: s.participants.length })))))
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
    onsubmit: async (event) => {
      event.preventDefault();
      error.textContent = "";
      const split = (text) => text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
      try {
        const session = await api("POST", "/qa/calibrations", { json: {
          title: title.value.trim(), call_ids: split(calls.value), scorecard: "ace", evaluators: split(people.value),
        } });
        ctx.go(`#calibration/${session.id}`);
      } catch (failure) {
        error.textContent = failure.detail || failure.message;
      }
    },
  },
  h("label", {}, h("span", {}, t("title")), title),
  h("label", {}, h("span", {}, t("calls")), calls),
  h("label", {}, h("span", {}, t("evaluators")), people),
  error, h("button", { type: "submit", className: "primary" }, t("make_calibration")));
}

function showSession(panel, s) {
  const people = s.participants;
  const spread = table([t("call"), ...people, t("mean"), t("range"), t("stdev"), ""],
    s.calls.map((c) => [
      c.call_id.slice(0, 8), ...people.map((p) => fixed(c.scores[p])), fixed(c.mean), fixed(c.range), fixed(c.stdev),
      h("a", { href: `#call/${c.call_id}?calibration=${s.id}`, className: "button" }, t("score")),
    ]), { id: "calibration-calls-table" });
  const items = table([t("item"), t("section"), t("mean_kappa"), t("agreement"), t("pairs")],
    s.items.map((i) => h("tr", { className: i.flagged ? "flagged" : "", dataset: { item: i.item } },
      h("td", {}, i.flagged ? `⚠ ${i.item}` : i.item),
      h("td", {}, i.section),
      h("td", {}, fixed(i.mean_kappa, 3)),
      h("td", {}, i.agreement === null ? "—" : `${Math.round(i.agreement * 100)} %`),
      h("td", {}, i.pairs.map((p) => `${p.evaluators.join("·")}: ${fixed(p.kappa, 3)}`).join("; ")))),
    { id: "calibration-items" });
  panel.replaceChildren(
    h("h2", {}, s.title),
    h("p", {}, t("calibration_summary", { version: s.scorecard_version, people: people.join(", ") || "—", threshold: s.kappa_threshold })),
    h("p", {}, s.flagged_items.length ? h("span", { className: "error" }, t("flagged", { items: s.flagged_items.join(", ") })) : t("no_flags")),
    h("h3", {}, t("score_spread")), spread,
    h("p", { className: "muted" }, t("mean_range", { range: fixed(s.mean_range) })),
    h("h3", {}, t("agreement_per_item")), items,
  );
}
