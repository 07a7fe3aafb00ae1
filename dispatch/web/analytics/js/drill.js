// @ts-check
// One district opened from the map or the table: its calls and incidents, its calls by hour
// of the day, its incidents by type, and its cards of the period (GET /cards, 50 at a time).
// A modal dialog: the focus lands on its first control (Close), Enter on it or Escape closes
// it, and the focus goes back to the district that opened it.

import { api, errorText } from "/common/js/api.js";
import { named, plural, t } from "/common/js/i18n.js";
import { $, fill, h, num, oneAtATime, stamp, table } from "/common/js/dom.js";
import { barChart, hourTable } from "./charts.js";
import { districtName, regionName, typeName } from "./filters.js";

const PAGE = 50;
let opener = null;
let wired = false;
const dialog = () => /** @type {HTMLDialogElement} */ ($("drill"));

function wire() {
  if (wired) return;
  wired = true;
  $("drill-close").addEventListener("click", () => dialog().close());
  $("drill").addEventListener("close", () => {
    $("drill-body").replaceChildren();
    if (opener?.isConnected) opener.focus();
    opener = null;
  });
}

/** Open ``district`` of ``report`` (the territorial report on screen). */
export function openDistrict({ district, report, filters, opener: from }) {
  wire();
  opener = from || null;
  const name = districtName(district);
  $("drill-title").textContent = t("drill_title", { district: name, region: regionName(district.region) });
  const types = Object.entries(district.incidents_by_type).sort((a, b) => b[1] - a[1]);
  const cards = h("section", { id: "drill-cards", "aria-labelledby": "drill-cards-title", "aria-busy": "true" },
    h("h3", { id: "drill-cards-title" }, t("drill_cards")), h("p", { className: "muted" }, t("loading")));
  $("drill-body").replaceChildren(
    h("p", { id: "drill-summary" }, t("territory_summary", {
      calls: plural("calls_count", district.calls), incidents: plural("incidents_count", district.incidents),
    })),
    h("div", { className: "drill-columns" },
      h("section", { "aria-labelledby": "drill-hours-title" },
        h("h3", { id: "drill-hours-title" }, t("calls_by_hour_title", { area: name })),
        barChart({
          id: "drill-hours", label: t("calls_by_hour_label", { area: name, calls: plural("calls_count", district.calls) }),
          categories: district.calls_by_hour.map((_, hour) => String(hour).padStart(2, "0")),
          series: [{ label: t("kpi_entered"), className: "s-calls", values: district.calls_by_hour }],
          format: (v) => num(v, 0), width: 600, height: 180,
        }),
        hourTable(district.calls_by_hour, "drill-hours-table")),
      h("section", { "aria-labelledby": "drill-types-title" },
        h("h3", { id: "drill-types-title" }, t("incidents_by_type")),
        types.length
          ? table([t("incident_type"), t("incidents")], types.map(([code, count]) => [typeName(code), num(count, 0)]),
            { id: "drill-types", className: "numbers" })
          : h("p", { className: "muted", id: "drill-types" }, t("no_incidents")))),
    cards);
  dialog().showModal();
  $("drill-close").focus();
  listCards(cards, district, report, filters, 0);
}

async function listCards(section, district, report, filters, offset) {
  const [from, to] = filters.bounds(report.timezone);
  const query = new URLSearchParams({
    district: district.code, created_from: from, created_to: to, limit: String(PAGE), offset: String(offset),
  });
  if (report.incident_type) query.set("incident_type", report.incident_type);
  let page;
  try {
    page = await api("GET", `/cards?${query}`);
  } catch (error) {
    section.setAttribute("aria-busy", "false");
    fill(section, section.firstChild, h("p", { className: "error", role: "alert" }, errorText(error)));
    return;
  }
  if (!dialog().open) return;
  const rows = page.items.map((card) => h("tr", { dataset: { card: card.id } },
    h("td", {}, card.number), h("td", {}, stamp(card.created_at)), h("td", {}, typeName(card.incident?.type) || "—"),
    h("td", {}, named("card_status_", card.status)), h("td", {}, card.location?.address || "—")));
  let body = section.querySelector("tbody");
  if (!body || offset === 0) {
    body = h("tbody", {});
    fill(section, section.firstChild,
      h("p", { id: "drill-cards-count" }),
      report.service ? h("p", { className: "note" }, t("drill_service_note")) : null,
      h("table", { id: "drill-cards-table", className: "numbers" },
        h("thead", {}, h("tr", {}, [t("card_number"), t("created"), t("incident_type"), t("status"), t("address")]
          .map((text) => h("th", { scope: "col" }, text)))),
        body),
      h("button", { type: "button", id: "drill-more", hidden: true }, t("more_cards")));
  }
  body.append(...rows);
  const shown = body.rows.length;
  section.querySelector("#drill-cards-count").textContent = t("drill_cards_count", { shown: num(shown, 0), total: num(page.total, 0) });
  const more = section.querySelector("#drill-more");
  more.onclick = oneAtATime(() => listCards(section, district, report, filters, shown)); // a double click lists the next page once
  if (shown >= page.total && document.activeElement === more) $("drill-close").focus(); // nothing more to list
  more.hidden = shown >= page.total;
  if (!page.total) body.append(h("tr", {}, h("td", { colSpan: 5, className: "muted" }, t("no_cards"))));
  section.setAttribute("aria-busy", "false");
}
