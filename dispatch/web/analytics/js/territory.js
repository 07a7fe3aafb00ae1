// @ts-check
// Calls and incidents per district over the period: the choropleth with its legend, the same
// figures as a table beside it (each district a button that opens it), calls by hour of the
// day over the area, and what could not be placed; downloads of the districts and the types.

import { api } from "/common/js/api.js";
import { plural, t } from "/common/js/i18n.js";
import { h, num } from "/common/js/dom.js";
import { barChart, hourTable } from "./charts.js";
import { choropleth, districtOutlines } from "./choropleth.js";
import { openDistrict } from "./drill.js";
import { downloadRow } from "./downloads.js";
import { districtName, regionName } from "./filters.js";

/** Draw the territorial report of the filters into ``ctx.page``. */
export async function showTerritory(ctx, current) {
  const query = ctx.filters.territory();
  const [report, collection] = await Promise.all([
    api("GET", `/analytics/territory?${query}`),
    districtOutlines(ctx.filters.region),
  ]);
  if (!current()) return;
  const open = (district, opener) => openDistrict({ district, report, filters: ctx.filters, opener });
  const area = report.region ? regionName(report.region) : t("whole_country");
  const hours = Array.from({ length: 24 }, (_, hour) => report.districts.reduce((sum, d) => sum + d.calls_by_hour[hour], 0));
  ctx.page.replaceChildren(h("div", { className: "stack" },
    h("section", { className: "panel", "aria-labelledby": "territory-title" },
      h("h2", { id: "territory-title" }, t("territory_title", { area })),
      h("p", { id: "territory-summary" }, t("territory_summary", {
        calls: plural("calls_count", report.calls), incidents: plural("incidents_count", report.incidents),
      })),
      h("p", { id: "territory-unplaced", className: "muted" }, t("territory_unplaced", {
        elsewhere_calls: num(report.elsewhere.calls, 0), elsewhere_incidents: num(report.elsewhere.incidents, 0),
        unplaced_calls: num(report.unplaced.calls, 0), unplaced_incidents: num(report.unplaced.incidents, 0),
      })),
      h("div", { className: "map-columns" },
        choropleth({ districts: report.districts, collection, name: districtName, open }),
        districtTable(report.districts, open, !report.region))),
    h("section", { className: "panel", "aria-labelledby": "territory-hours-title" },
      h("h2", { id: "territory-hours-title" }, t("calls_by_hour_title", { area })),
      barChart({
        id: "territory-hours", label: t("calls_by_hour_label", { area, calls: plural("calls_count", report.calls) }),
        categories: hours.map((_, hour) => String(hour).padStart(2, "0")),
        series: [{ label: t("kpi_entered"), className: "s-calls", values: hours }], format: (v) => num(v, 0), height: 200,
      }),
      hourTable(hours, "territory-hours-table")),
    downloadRow("territory", ["districts", "types"], query),
  ));
}

/** The districts as a table, each name a button opening it (with its region's name when the
 * whole country is shown: names repeat across regions). */
function districtTable(districts, open, withRegion) {
  const rows = districts.map((d) => h("tr", { dataset: { code: d.code } },
    h("th", { scope: "row" }, h("button", {
      type: "button", className: "link", onclick: (event) => open(d, event.currentTarget),
    }, districtName(d))),
    withRegion ? h("td", {}, regionName(d.region)) : null,
    h("td", {}, num(d.calls, 0)), h("td", {}, num(d.incidents, 0))));
  return h("div", { className: "district-table" },
    h("table", { id: "territory-districts", className: "numbers" },
      h("caption", {}, t("districts_caption")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("district")),
        withRegion ? h("th", { scope: "col" }, t("region")) : null, h("th", { scope: "col" }, t("calls")),
        h("th", { scope: "col" }, t("incidents")))),
      h("tbody", {}, rows)));
}
