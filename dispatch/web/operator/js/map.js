// @ts-check
// The district map: the card's region drawn as SVG from the real boundaries (GeoJSON from
// /geo/districts; the whole country from /geo/regions while the card has no region), the
// card's district highlighted, the card's point and the AML proposal marked. No tiles, no
// network beyond our own server.
//
// The operator places the point with a click and moves it by dragging it: one save when the
// button is let go, as the operator's own point (the server marks it source "operator" and
// confirmed, and resolves its region and district). An automatic position keeps its
// uncertainty in sight, as a circle of its radius and in metres under the map, until the
// operator confirms it (Alt+K) or puts a point of their own.
//
// By keyboard the same (installMapKeys): the focused map (Alt+J) moves the point with the
// arrows (Shift: a small step), nothing saved yet; Enter saves the moved point as the operator's,
// or confirms an untouched one as it is; Escape puts it back. Each step is announced (a live
// region): the coordinates and the district under the point.

import { api } from "/common/js/api.js";
import { confirmLocation, currentCard, saveLocation } from "./card.js";
import { language, number, pick, t } from "/common/js/i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 420;
const DRAG_PX = 4; // a press that moves less than this (on screen) is a click, not a drag
const STEP = 12; // an arrow key moves the point this far on the map (of WIDTH)...
const FINE_STEP = 2; // ... and this far with Shift
const outlines = new Map(); // region code ("" for the country) -> FeatureCollection (promise)

function areas(region) {
  if (!outlines.has(region)) {
    const path = region ? `/geo/districts?region=${encodeURIComponent(region)}` : "/geo/regions";
    const loading = api("GET", path);
    loading.catch(() => outlines.delete(region));
    outlines.set(region, loading);
  }
  return outlines.get(region);
}

let regionList = null; // /geo/regions without outlines (promise): every region's names

function regionNames() {
  if (!regionList) {
    regionList = api("GET", "/geo/regions?geometry=false");
    regionList.catch(() => (regionList = null));
  }
  return regionList;
}

/** "Region · district" in the interface language, from the boundaries' names (the card keeps
 * one name of each); "—" for a district not known yet. */
function placeCaption(location, districts, regions) {
  const named = (place, features) => {
    const feature = features?.find((f) => f.id === place.code);
    return (feature && pick(feature.properties.names)) || place.name || place.code;
  };
  const district = location.district ? named(location.district, districts.features) : "—";
  return `${named(location.region, regions?.features)} · ${district}`;
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
  project.invert = ([x, y]) => [minX + (x - offsetX) / (k * scale), maxY - (y - offsetY) / scale];
  project.metresToPixels = (distance) => (distance / 111320) * scale;
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

/** The uncertainty of an automatic position nobody confirmed yet (its radius), else null. */
function uncertainty(point, confirmed) {
  if (!point || point.lat == null || confirmed || point.source === "operator") return null;
  return point.radius_m || null;
}

function marker(svg, project, point, { className, id, label, radius }) {
  const [x, y] = project([point.lon, point.lat]);
  if (radius) {
    const r = Math.max(project.metresToPixels(radius), 4);
    svg.append(element("circle", { cx: x, cy: y, r, class: `${className}-area`, id: `${id}-area` }));
  }
  const dot = element("circle", { cx: x, cy: y, r: 7, class: className, id });
  const title = element("title", {});
  title.textContent = label;
  dot.append(title);
  svg.append(dot);
  return dot;
}

function metres(value) {
  const locale = { uz: "ru-RU", ru: "ru-RU", en: "en-GB" }[language()];
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

function uncertaintyText(radius, source) {
  return t("map_uncertainty", { radius: metres(radius), source: t(`source_${source || "network"}`) });
}

/** Place the card's point where the press ended: the operator's own, so confirmed. */
function placePoint(project, svg, event, cardId) {
  if (currentCard()?.id !== cardId) return null; // another card is shown by now
  const where = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
  const [lon, lat] = project.invert([where.x, where.y]);
  // radius_m null: the operator's point carries no automatic uncertainty.
  const location = { lat: Number(lat.toFixed(6)), lon: Number(lon.toFixed(6)), radius_m: null };
  return saveLocation(location).catch(() => {
    svg.closest(".map").dataset.key = ""; // redraw the saved point on the next update
  });
}

function interactive(svg, project, cardId) {
  let press = null; // {x, y, dragging}
  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const dragging = event.target.id === "map-point";
    press = { x: event.clientX, y: event.clientY, dragging };
    if (dragging) {
      svg.setPointerCapture(event.pointerId);
      svg.getElementById("map-point-area")?.remove(); // the operator's point has no uncertainty
      event.preventDefault();
    }
  });
  svg.addEventListener("pointermove", (event) => {
    if (!press?.dragging) return;
    const where = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
    const dot = svg.getElementById("map-point");
    dot.setAttribute("cx", where.x);
    dot.setAttribute("cy", where.y);
  });
  const release = (event) => {
    if (!press) return;
    const moved = Math.hypot(event.clientX - press.x, event.clientY - press.y) >= DRAG_PX;
    const { dragging } = press;
    press = null;
    if (dragging ? moved : !moved) placePoint(project, svg, event, cardId);
  };
  svg.addEventListener("pointerup", release);
  svg.addEventListener("pointercancel", () => (press = null));
}

/** Draw the card's region into ``container`` (replacing what was there). */
export async function drawMap(container, card) {
  if (!card) {
    container.dataset.key = "";
    container.replaceChildren(Object.assign(document.createElement("p"), {
      className: "muted", textContent: t("map_no_place"),
    }));
    return;
  }
  const location = card.location;
  const proposal = card.proposed_location;
  const region = location.region ? location.region.code : "";
  const key = JSON.stringify([card.id, region, location.district?.code, location.lat,
    location.lon, location.radius_m, location.source, location.confirmed, proposal?.lat,
    proposal?.lon, proposal?.radius_m]);
  if (container.dataset.key === key) return;
  container.dataset.key = key;
  let collection, regions;
  try {
    [collection, regions] = await Promise.all([areas(region), regionNames().catch(() => null)]);
  } catch {
    if (container.dataset.key === key) container.dataset.key = ""; // tried again at the next update (a newer draw's key stays)
    return;
  }
  if (container.dataset.key !== key) return; // a newer card arrived while loading
  const points = [];
  if (location.lat != null) points.push([location.lon, location.lat]);
  if (proposal && proposal.lat != null) points.push([proposal.lon, proposal.lat]);
  const project = projection(collection.features, region ? points : []);
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
  const proposed = uncertainty(proposal, false);
  if (proposal && proposal.lat != null) {
    marker(svg, project, proposal, {
      className: "point-proposed", id: "map-proposed", label: t("proposed_location"), radius: proposed,
    });
  }
  const radius = uncertainty(location, location.confirmed);
  if (location.lat != null) {
    marker(svg, project, location, { className: "point", id: "map-point", label: t("point"), radius });
  }
  interactive(svg, project, card.id);
  drawn = { svg, project, cardId: card.id };
  if (cursor?.cardId === card.id) showCursor(); // a point being moved stays where it was moved
  else cursor = null;
  const caption = document.createElement("p");
  caption.className = "map-caption";
  caption.textContent = region ? placeCaption(location, collection, regions) : t("map_no_place");
  const hint = Object.assign(document.createElement("p"), {
    className: "map-hint muted", textContent: t(location.lat == null ? "map_place_hint" : "map_move_hint"),
  });
  const parts = [svg, caption];
  if (radius) {
    parts.push(Object.assign(document.createElement("p"), {
      id: "map-uncertainty", className: "map-uncertainty",
      textContent: uncertaintyText(radius, location.source),
    }));
  }
  if (proposed) {
    parts.push(Object.assign(document.createElement("p"), {
      id: "map-proposed-uncertainty", className: "map-uncertainty proposed",
      textContent: `${t("proposed_location")}: ${uncertaintyText(proposed, proposal.source)}`,
    }));
  }
  container.replaceChildren(...parts, hint);
}

// -- the point by keyboard ------------------------------------------------------------------

let drawn = null; // the map on screen: {svg, project, cardId}
let cursor = null; // the point moved by keyboard and not saved yet: {cardId, lon, lat}

/** Arrows move the point of the focused map ``container``, Enter saves or confirms it. */
export function installMapKeys(container) {
  container.addEventListener("keydown", (event) => {
    if (event.target !== container || event.altKey || event.ctrlKey || event.metaKey) return;
    const step = event.shiftKey ? FINE_STEP : STEP;
    const move = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
    if (move) {
      event.preventDefault();
      moveCursor(...move);
    } else if (event.key === "Enter") {
      event.preventDefault();
      commitCursor();
    }
  });
  container.addEventListener("focus", () => announce(cursor ? "map_moving" : "map_keys_hint"));
  // A point moved and left unsaved is not kept: the map shows what the card says.
  container.addEventListener("blur", () => cancelMapMove());
}

/** Escape: the point moved by keyboard goes back to the card's; true when there was one. */
export function cancelMapMove() {
  if (!cursor) return false;
  cursor = null;
  const container = document.getElementById("map");
  container.dataset.key = "";
  drawMap(container, currentCard());
  announce("map_move_cancelled");
  return true;
}

function moveCursor(dx, dy) {
  const card = currentCard();
  if (!drawn || !card || drawn.cardId !== card.id) return;
  if (cursor?.cardId !== card.id) {
    const where = card.location;
    const [lon, lat] = where.lat != null ? [where.lon, where.lat] : drawn.project.invert([WIDTH / 2, HEIGHT / 2]);
    cursor = { cardId: card.id, lon, lat };
  }
  const [x, y] = drawn.project([cursor.lon, cursor.lat]);
  const clamp = (value, most) => Math.min(Math.max(value, 0), most);
  [cursor.lon, cursor.lat] = drawn.project.invert([clamp(x + dx, WIDTH), clamp(y + dy, HEIGHT)]);
  showCursor();
  announce("map_moving");
}

function showCursor() {
  const [x, y] = drawn.project([cursor.lon, cursor.lat]);
  let dot = drawn.svg.getElementById("map-point");
  if (!dot) {
    dot = element("circle", { r: 7, class: "point", id: "map-point" });
    drawn.svg.append(dot);
  }
  dot.setAttribute("cx", x);
  dot.setAttribute("cy", y);
  dot.classList.add("moving");
  drawn.svg.getElementById("map-point-area")?.remove(); // the operator's point has no uncertainty
}

function commitCursor() {
  const card = currentCard();
  if (!card) return;
  if (cursor?.cardId === card.id) {
    const location = { lat: Number(cursor.lat.toFixed(6)), lon: Number(cursor.lon.toFixed(6)), radius_m: null };
    cursor = null;
    saveLocation(location).then(() => announce("map_point_saved")).catch(() => {
      document.getElementById("map").dataset.key = ""; // redraw the card's point on the next update
    });
    return;
  }
  const where = card.location;
  if (where.lat != null && !where.confirmed) {
    confirmLocation().then(() => announce("map_point_confirmed"));
  } else {
    announce("map_keys_hint");
  }
}

function placeUnder(x, y) {
  const inside = [...drawn.svg.querySelectorAll("path.district")]
    .find((path) => path.isPointInFill(new DOMPoint(x, y)));
  return inside?.querySelector("title")?.textContent || "";
}

/** Say where the point is (coordinates, the district under it) and what the keys do. */
function announce(what) {
  const status = document.getElementById("map-status");
  if (!status) return;
  const card = currentCard();
  const point = cursor ?? (card?.location.lat != null ? { lon: card.location.lon, lat: card.location.lat } : null);
  const parts = [];
  if (point && drawn) {
    const digits = { minimumFractionDigits: 5, maximumFractionDigits: 5 };
    parts.push(t("map_point_at", { lat: number(point.lat, digits), lon: number(point.lon, digits) }));
    const place = placeUnder(...drawn.project([point.lon, point.lat]));
    if (place) parts.push(place);
  }
  parts.push(t(what));
  status.textContent = parts.join(" · ");
}
