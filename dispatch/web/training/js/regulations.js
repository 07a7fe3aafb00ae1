// @ts-check
// Regulations (D2.02): what concerns me, unread and overdue first, each acknowledged with a
// button; for trainers and supervisors also a version published from a form (a known code is
// its next version) and every version with who has read it, who has not, and the protocols,
// scripts and routing it affects.

import { pick, t } from "/common/js/i18n.js";
import { $, h, oneAtATime, stamp } from "/common/js/dom.js";

const LANGS = ["uz", "ru", "en"];
const ROLES = ["operator", "supervisor", "qa", "analyst", "methodologist", "trainer", "admin"];

function field(label, input) {
  return h("label", {}, h("span", {}, t(label)), input);
}

function names(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

export async function drawRegulations(ctx, publisher) {
  $("main-title").textContent = t("regulations");
  const error = h("p", { className: "error", role: "alert" });
  const act = async (call, message) => {
    error.textContent = "";
    try {
      await call();
      await drawRegulations(ctx, publisher);
      $("main-title").focus();
      ctx.toast(message);
    } catch (failure) {
      error.textContent = ctx.refusal(failure);
    }
  };
  const mine = await ctx.api("GET", "/regulations/mine");
  /** @type {HTMLElement[]} */
  const parts = [h("h3", {}, t("to_read")), error,
    mine.length ? h("ul", { className: "plain", id: "my-regulations" }, mine.map((m) => h("li", { dataset: { id: m.regulation.id } },
      h("strong", {}, `${pick(m.regulation.title)} (v${m.regulation.version})`), " ",
      m.acknowledged_at ? `${t("read_at")} ${stamp(m.acknowledged_at)}`
        : h("span", {}, m.overdue ? h("strong", {}, `${t("overdue")} `) : null, `${t("read_by")} ${stamp(m.regulation.acknowledge_by)} `,
          h("button", { type: "button", onclick: () => act(() => ctx.api("POST", `/regulations/${m.regulation.id}/acknowledge`), t("acknowledged")) }, t("acknowledge"))),
      h("p", { className: "small" }, pick(m.regulation.summary)))))
      : h("p", { className: "muted" }, t("nothing_to_read"))];
  if (publisher) {
    const all = await ctx.api("GET", "/regulations");
    const form = publishForm(ctx, act);
    parts.push(h("h3", {}, t("publish_regulation")), form, h("h3", {}, t("library")),
      h("ul", { className: "plain", id: "regulation-list" }, all.map((r) => h("li", { dataset: { id: r.id } },
        h("strong", {}, `${pick(r.title)} (${r.code} v${r.version})`),
        ` ${t("read_count", { read: r.acknowledged, of: r.concerned })}`, r.superseded ? ` · ${t("superseded")}` : "",
        h("p", { className: "small" }, `${t("affects")}: ${[...r.affects.protocols, ...r.affects.scripts.map((s) => `${t("script")} ${s}`),
          ...r.affects.routing.map((s) => `${t("routing")} ${s}`)].join(", ") || "—"}`),
        h("button", { type: "button", onclick: (event) => showPending(ctx, r.id, event.target) }, t("who_has_not_read"))))));
  }
  if (!ctx.current()) return; // another programme or view was chosen meanwhile
  $("main-body").replaceChildren(...parts);
}

async function showPending(ctx, id, button) {
  const full = await ctx.api("GET", `/regulations/${id}`);
  button.replaceWith(h("p", { className: "small pending" },
    full.pending.length ? `${t("not_read")}: ${full.pending.map((p) => p.name).join(", ")}` : t("everyone_read")));
}

function publishForm(ctx, act) {
  const texts = (name, label) => h("fieldset", {}, h("legend", {}, t(label)),
    LANGS.map((code) => field(`lang_${code}`, h("input", { name: `${name}_${code}`, required: true }))));
  const form = h("form", { id: "regulation-form" },
    h("div", { className: "row" },
      field("code", h("input", { name: "code", required: true, pattern: "[a-z0-9][a-z0-9_.\\-]*" })),
      field("kind", h("select", { name: "kind" }, ["law", "order", "instruction"].map((k) => h("option", { value: k }, t(`kind_${k}`))))),
      field("number", h("input", { name: "number" })),
      field("issued_on", h("input", { name: "issued_on", type: "date", required: true })),
      field("in_force_from", h("input", { name: "in_force_from", type: "date", required: true })),
      field("days_to_read", h("input", { name: "days", type: "number", min: 1, max: 90, value: 7 }))),
    texts("title", "programme_name"), texts("summary", "summary"),
    field("link", h("input", { name: "url", type: "url" })),
    h("fieldset", {}, h("legend", {}, t("concerns")), ROLES.map((role) => h("label", { className: "check" },
      h("input", { type: "checkbox", name: "role", value: role }), h("span", {}, t(`role_${role}`))))),
    field("affects_protocols", h("input", { name: "protocols" })),
    field("affects_scripts", h("input", { name: "scripts" })),
    field("affects_routing", h("input", { name: "routing" })),
    h("button", { type: "submit", className: "primary" }, t("publish_regulation")));
  form.addEventListener("submit", oneAtATime(() => {
    const data = new FormData(form);
    const byLang = (name) => Object.fromEntries(LANGS.map((code) => [code, data.get(`${name}_${code}`)]));
    const body = {
      code: data.get("code"), kind: data.get("kind"), number: data.get("number") || null,
      title: byLang("title"), summary: byLang("summary"),
      issued_on: data.get("issued_on"), in_force_from: data.get("in_force_from"),
      url: data.get("url") || null, roles: data.getAll("role"),
      affects: { protocols: names(data.get("protocols")), scripts: names(data.get("scripts")), routing: names(data.get("routing")) },
      acknowledge_within_days: Number(data.get("days")) || 7,
    };
    return act(() => ctx.api("POST", "/regulations", { json: body }), t("regulation_published"));
  }));
  return form;
}
