// @ts-check
// The choropleth: the region's districts (the country's without a region) drawn as SVG from
// the real boundaries (GeoJSON from /geo/districts, as the operator console's map; no tiles,
// no network beyond our own server), each shaded by its calls in five steps with a legend of
// the ranges. The districts are buttons: a click, or Enter or Space on the focused one, opens
// it; the arrows move between them in the table's order (busiest first), Home and End to the
// first and last. The table beside the map says the same in words.

import { api } from "/common/js/api.js";
import { plural, t } from "/common/js/i18n.js";
import { h, num } from "/common/js/dom.js";
import { svg } from "./charts.js";

const WIDTH = 640;
const HEIGHT = 460;
const STEPS = 4; // shades above zero
const outlines = new Map(); // region code ("" for the country) -> FeatureCollection (promise)

/** The districts' outlines of ``region`` (every district for ""), loaded once. */
export function districtOutlines(region) {
  if (!outlines.has(region)) {
    const loading = api("GET", region ? `/geo/districts?region=${encodeURIComponent(region)}` : "/geo/districts");
    loading.catch(() => outlines.delete(region));
    outlines.set(region, loading);
  }
  return outlines.get(region);
}

function rings(geometry) {
  if (geometry?.type === "Polygon") return geometry.coordinates;
  if (geometry?.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}

function projection(features) {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of features.flatMap((f) => rings(f.geometry))) {
    for (const [x, y] of ring) {
      minX = Math.min(minX, x); maxX = Math.max(maxX, x);
      minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
  }
  // Equirectangular with the mid-latitude's scale: right enough for a region or the country.
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const scale = Math.min((WIDTH - 20) / ((maxX - minX) * k || 1), (HEIGHT - 20) / (maxY - minY || 1));
  const offsetX = (WIDTH - (maxX - minX) * k * scale) / 2;
  const offsetY = (HEIGHT - (maxY - minY) * scale) / 2;
  return ([lon, lat]) => [offsetX + (lon - minX) * k * scale, offsetY + (maxY - lat) * scale];
}

function pathOf(geometry, project) {
  return rings(geometry)
    .map((ring) => "M" + ring.map((xy) => project(xy).map((v) => v.toFixed(1)).join(",")).join("L") + "Z")
    .join("");
}

/** The shade of a district with ``calls`` when the busiest has ``most``: 0 for none, else 1..4
 * by its share of the busiest (the busiest always the darkest). */
export function shade(calls, most) {
  return calls > 0 && most > 0 ? Math.min(Math.ceil((calls / most) * STEPS), STEPS) : 0;
}

/** The legend: each shade with its range of calls, in words (a shade no whole count falls
 * in is left out). */
function shadeLegend(most) {
  const items = [{ shade: 0, text: t("legend_none") }];
  for (let step = 1; step <= STEPS && most > 0; step += 1) {
    const low = Math.floor((most * (step - 1)) / STEPS) + 1;
    const high = Math.floor((most * step) / STEPS);
    if (low > high) continue;
    items.push({ shade: step, text: low === high ? num(high, 0) : `${num(low, 0)}–${num(high, 0)}` });
  }
  return h("figure", { className: "map-legend" },
    h("figcaption", {}, t("legend_calls")),
    h("ul", { className: "legend", id: "map-legend" }, items.map((item) => h("li", { dataset: { shade: item.shade } },
      h("span", { className: `swatch q${item.shade}`, "aria-hidden": "true" }), item.text))));
}

/**
 * The map of ``districts`` (the report's, busiest first) on ``collection``'s outlines;
 * ``name(district)`` names one, ``open(district, path)`` drills down into it.
 */
export function choropleth({ districts, collection, name, open }) {
  const byCode = new Map(districts.map((d) => [d.code, d]));
  const features = collection.features.filter((f) => byCode.has(f.id));
  const project = projection(features);
  const most = Math.max(0, ...districts.map((d) => d.calls));
  const map = svg("svg", {
    id: "territory-map", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "group", "aria-label": t("map_label"),
    class: "choropleth",
  });
  const paths = new Map();
  for (const feature of features) {
    const district = byCode.get(feature.id);
    const label = `${name(district)}: ${plural("calls_count", district.calls)}, ${plural("incidents_count", district.incidents)}`;
    const path = svg("path", {
      d: pathOf(feature.geometry, project), class: `district q${shade(district.calls, most)}`,
      id: `district-${district.code}`, "data-code": district.code, "data-calls": district.calls, role: "button",
      tabindex: "-1", "aria-label": label,
    }, svg("title", {}, label));
    paths.set(district.code, path);
  }
  // Drawn in the table's order, so the focus order and the arrows follow it.
  const order = districts.map((d) => paths.get(d.code)).filter(Boolean);
  map.append(...order);
  if (order.length) order[0].setAttribute("tabindex", "0");
  const focusOn = (path) => {
    for (const other of order) other.setAttribute("tabindex", other === path ? "0" : "-1");
    path.focus();
  };
  // The focused district's outline drawn again on top, so its neighbours do not hide it.
  const ring = svg("use", { class: "focus-ring", "aria-hidden": "true" });
  map.addEventListener("focusin", (event) => {
    const path = event.target.closest?.("path.district");
    if (!path) return;
    ring.setAttribute("href", `#${path.id}`);
    map.append(ring);
  });
  map.addEventListener("focusout", () => ring.remove());
  map.addEventListener("click", (event) => {
    const path = event.target.closest?.("path.district");
    if (path) open(byCode.get(path.dataset.code), path);
  });
  map.addEventListener("keydown", (event) => {
    const path = event.target.closest?.("path.district");
    if (!path || event.altKey || event.ctrlKey || event.metaKey) return;
    const at = order.indexOf(path);
    const next = {
      ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: order.length - 1,
    }[event.key];
    if (next !== undefined) {
      event.preventDefault();
      focusOn(order[Math.min(Math.max(next, 0), order.length - 1)]);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      open(byCode.get(path.dataset.code), path);
    }
  });
  return h("div", { className: "map-box" }, map,
    h("p", { className: "muted map-hint", id: "map-hint" }, t("map_keys_hint_analyst")), shadeLegend(most));
}
