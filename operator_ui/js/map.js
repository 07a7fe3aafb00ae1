// The district map: the card's region drawn as SVG from the real boundaries (GeoJSON from
// /geo/districts), the card's district highlighted, the confirmed point and the AML proposal
// marked. No tiles, no network beyond our own server.

import { api } from "./api.js";
import { pick, t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 420;
const regions = new Map(); // region code -> GeoJSON FeatureCollection (promise)

function regionDistricts(code) {
  if (!regions.has(code)) {
    const loading = api("GET", `/geo/districts?region=${encodeURIComponent(code)}`);
    loading.catch(() => regions.delete(code));
    regions.set(code, loading);
  }
  return regions.get(code);
}

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}

function projection(features, points) {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const feature of features) {
    const [x0, y0, x1, y1] = feature.bbox;
    minX = Math.min(minX, x0);
    minY = Math.min(minY, y0);
    maxX = Math.max(maxX, x1);
    maxY = Math.max(maxY, y1);
  }
  for (const [lon, lat] of points) {
    minX = Math.min(minX, lon);
    maxX = Math.max(maxX, lon);
    minY = Math.min(minY, lat);
    maxY = Math.max(maxY, lat);
  }
  // Equirectangular with the mid-latitude's scale: right enough for one region.
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const scale = Math.min((WIDTH - 20) / ((maxX - minX) * k || 1), (HEIGHT - 20) / (maxY - minY || 1));
  const offsetX = (WIDTH - (maxX - minX) * k * scale) / 2;
  const offsetY = (HEIGHT - (maxY - minY) * scale) / 2;
  const project = ([lon, lat]) => [
    offsetX + (lon - minX) * k * scale,
    offsetY + (maxY - lat) * scale,
  ];
  project.metresToPixels = (metres) => (metres / 111320) * scale;
  return project;
}

function pathOf(geometry, project) {
  return rings(geometry)
    .map((ring) => "M" + ring.map((xy) => project(xy).map((v) => v.toFixed(1)).join(",")).join("L") + "Z")
    .join("");
}

function element(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

function marker(svg, project, point, className, label) {
  const [x, y] = project([point.lon, point.lat]);
  if (point.radius_m) {
    const r = Math.max(project.metresToPixels(point.radius_m), 4);
    svg.append(element("circle", { cx: x, cy: y, r, class: `${className}-area` }));
  }
  svg.append(element("circle", { cx: x, cy: y, r: 7, class: className }));
  const title = element("title", {});
  title.textContent = label;
  svg.lastChild.append(title);
}

/** Draw the card's region into ``container`` (replacing what was there). */
export async function drawMap(container, card) {
  const location = card ? card.location : null;
  const region = location && location.region ? location.region.code : null;
  const key = JSON.stringify([region, location?.district?.code, location?.lat, location?.lon,
    card?.proposed_location?.lat, card?.proposed_location?.lon]);
  if (container.dataset.key === key) return;
  container.dataset.key = key;
  if (!region) {
    container.replaceChildren(Object.assign(document.createElement("p"), {
      className: "muted", textContent: t("map_no_place"),
    }));
    return;
  }
  let collection;
  try {
    collection = await regionDistricts(region);
  } catch {
    container.dataset.key = "";
    return;
  }
  if (container.dataset.key !== key) return; // a newer card arrived while loading
  const points = [];
  if (location.lat != null) points.push([location.lon, location.lat]);
  const proposal = card.proposed_location;
  if (proposal && proposal.lat != null) points.push([proposal.lon, proposal.lat]);
  const project = projection(collection.features, points);
  const svg = element("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": t("map"),
    class: "district-map",
  });
  const chosen = location.district ? location.district.code : null;
  for (const feature of collection.features) {
    const path = element("path", {
      d: pathOf(feature.geometry, project),
      class: feature.id === chosen ? "district chosen" : "district",
      "data-code": feature.id,
    });
    const title = element("title", {});
    title.textContent = pick(feature.properties.names) || feature.properties.name;
    path.append(title);
    svg.append(path);
  }
  if (proposal && proposal.lat != null) marker(svg, project, proposal, "point-proposed", t("proposed_location"));
  if (location.lat != null) marker(svg, project, location, "point", t("point"));
  const caption = document.createElement("p");
  caption.className = "map-caption";
  const districtName = location.district ? location.district.name : "—";
  caption.textContent = `${location.region.name} · ${districtName}`;
  container.replaceChildren(svg, caption);
}
