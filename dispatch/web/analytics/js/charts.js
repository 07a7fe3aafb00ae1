// @ts-check
// Charts drawn as SVG from the report's numbers, in the page (no library, no canvas, nothing
// from the network): vertical bars (one or more series side by side), horizontal stacked bars,
// and a legend. Each chart is an image with a label saying what it shows; every figure is also
// in the table beside it, so nothing depends on seeing the colours. Colours come from classes
// in style.css (the policy refuses inline styles).

import { t } from "/common/js/i18n.js";
import { h, num } from "/common/js/dom.js";

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element with attributes and children (text children become text nodes). */
export function svg(name, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A rounded-up axis top, at least ``value`` and at least 2: 2, 4, 6, 8 or 10 times a power
 * of ten, so the middle line is a whole number too. */
function niceTop(value) {
  if (!(value > 2)) return 2;
  const power = 10 ** Math.floor(Math.log10(value));
  return [2, 4, 6, 8, 10].map((m) => m * power).find((top) => top >= value);
}

/**
 * Vertical bars: ``categories`` along the bottom (labels), one bar per series in each, with a
 * tooltip per bar. ``series``: [{label, className, values}]; ``format`` writes a value.
 */
export function barChart({ id, label, categories, series, format, width = 900, height = 240 }) {
  const left = 48;
  const bottom = 40;
  const plotW = width - left - 8;
  const plotH = height - bottom - 10;
  const top = niceTop(Math.max(0, ...series.flatMap((s) => s.values.map(Number).filter(Number.isFinite))));
  const slot = plotW / Math.max(categories.length, 1);
  const barW = Math.max(Math.min((slot * 0.8) / series.length, 40), 1);
  const every = Math.ceil(categories.length / Math.max(Math.floor(plotW / 70), 1)); // labels that fit
  const chart = svg("svg", { id, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "chart" });
  for (const fraction of [0, 0.5, 1]) {
    const y = 10 + plotH * (1 - fraction);
    chart.append(svg("line", { x1: left, x2: width - 8, y1: y, y2: y, class: "grid" }),
      svg("text", { x: left - 6, y: y + 4, class: "axis", "text-anchor": "end" }, format(top * fraction)));
  }
  categories.forEach((category, i) => {
    const x0 = left + slot * i + (slot - barW * series.length) / 2;
    series.forEach((s, j) => {
      const value = Number(s.values[i]) || 0;
      const barH = (value / top) * plotH;
      chart.append(svg("rect", {
        x: (x0 + j * barW).toFixed(1), y: (10 + plotH - barH).toFixed(1), width: Math.max(barW - 1, 1).toFixed(1),
        height: barH.toFixed(1), class: `bar ${s.className}`,
      }, svg("title", {}, `${category} — ${s.label}: ${format(value)}`)));
    });
    if (i % every === 0) {
      chart.append(svg("text", { x: (left + slot * (i + 0.5)).toFixed(1), y: height - bottom + 16, class: "axis", "text-anchor": "middle" },
        category));
    }
  });
  return chart;
}

/**
 * Horizontal stacked bars, one row per item: ``rows`` [{name, values}] with one value per
 * part, ``parts`` [{label, className}]; the longest row fills the width.
 */
export function stackedBars({ id, label, rows, parts, format, width = 900 }) {
  const row = 26;
  const left = 190;
  const height = rows.length * row + 10;
  const longest = Math.max(1, ...rows.map((r) => r.values.reduce((a, b) => a + (Number(b) || 0), 0)));
  const plotW = width - left - 10;
  const chart = svg("svg", { id, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "chart" });
  rows.forEach((r, i) => {
    const y = 5 + i * row;
    chart.append(svg("text", { x: left - 8, y: y + row / 2 + 4, class: "axis", "text-anchor": "end" }, r.name));
    let x = left;
    r.values.forEach((value, j) => {
      const w = ((Number(value) || 0) / longest) * plotW;
      if (w <= 0) return;
      chart.append(svg("rect", { x: x.toFixed(1), y: y + 3, width: w.toFixed(1), height: row - 8, class: `bar ${parts[j].className}` },
        svg("title", {}, `${r.name} — ${parts[j].label}: ${format(value)}`)));
      x += w;
    });
  });
  return chart;
}

/** The series' names beside their colours (a list; the colours only repeat the words). */
export function legend(items, props = {}) {
  return h("ul", { className: "legend", ...props }, items.map((item) => h("li", {},
    h("span", { className: `swatch ${item.className}`, "aria-hidden": "true" }), item.label)));
}

/** Calls by hour of the day as a table: the hours that had calls (a sentence when none had). */
export function hourTable(hours, id) {
  const shown = hours.map((calls, hour) => [hour, calls]).filter(([, calls]) => calls > 0);
  if (!shown.length) return h("p", { className: "muted", id }, t("no_calls"));
  return h("table", { id, className: "numbers compact" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("hour_of_day")), h("th", { scope: "col" }, t("calls")))),
    h("tbody", {}, shown.map(([hour, calls]) => h("tr", {},
      h("td", {}, `${String(hour).padStart(2, "0")}:00–${String(hour).padStart(2, "0")}:59`), h("td", {}, num(calls, 0))))));
}
