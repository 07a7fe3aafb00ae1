// @ts-check
// The filters above every report: the period (a preset or two dates, whole local days), the
// region, and each report's own (grain and queue for the KPIs, incident type and service for
// the map, operator for the working time). The choices' names are the server's, in the
// interface language; the values stay while the analyst moves between the reports.

import { api } from "/common/js/api.js";
import { language, languageName, named, pick, t } from "/common/js/i18n.js";
import { $, today } from "/common/js/dom.js";

const PRESETS = ["last_7", "today", "yesterday", "this_month", "last_month", "custom"];
const GRAINS = ["hour", "shift", "day", "week", "month", "total"];
const MAX_DAYS = 366; // the API's longest period
const CHANNELS = ["voice", "video", "sms", "email"];
const LANGUAGES = ["uz", "ru", "kaa", "en", "tg", "kk", "ky", "tk"]; // the callers' usual ones
const reference = { regions: [], districts: [], queues: [], types: [], services: [], operators: [] };
let wired = false;
const input = (id) => /** @type {HTMLInputElement} */ ($(id));
const select = (id) => /** @type {HTMLSelectElement} */ ($(id));

/** YYYY-MM-DD ``days`` after ``ymd`` (negative: before). */
export function addDays(ymd, days) {
  return new Date(Date.parse(`${ymd}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
}

/** The first and last day of a preset, counted from today in Tashkent. */
function presetDates(preset) {
  const now = today();
  const month = now.slice(0, 8); // "YYYY-MM-"
  switch (preset) {
    case "today": return [now, now];
    case "yesterday": return [addDays(now, -1), addDays(now, -1)];
    case "this_month": return [`${month}01`, now];
    case "last_month": {
      const last = addDays(`${month}01`, -1);
      return [`${last.slice(0, 8)}01`, last];
    }
    case "last_7": return [addDays(now, -6), now];
    default: return null;
  }
}

/**
 * Fill a choice with ``items`` ([value, label]), first "all" where given; the value stays.
 * @param {HTMLSelectElement} choice
 * @param {string[][]} items
 * @param {{all?: string}} [first]  the text key of an "all" choice (value "")
 */
function options(choice, items, { all } = {}) {
  const keep = choice.value;
  choice.replaceChildren(...(all ? [new Option(t(all), "")] : []),
    ...items.map(([value, label]) => new Option(label, value)));
  if ([...choice.options].some((o) => o.value === keep)) choice.value = keep;
}

/** Every choice's label in the interface language (again after a language switch). */
export function relabelFilters() {
  const byName = (a, b) => a[1].localeCompare(b[1], language());
  options(select("f-preset"), PRESETS.map((p) => [p, t(`preset_${p}`)]));
  options(select("f-grain"), GRAINS.map((g) => [g, t(`grain_${g}`)]));
  options(select("f-region"), reference.regions.map((r) => [r.id, pick(r.properties.names) || r.properties.name]).sort(byName),
    { all: "whole_country" });
  options(select("f-district"), reference.districts.map((d) => [d.id, pick(d.properties.names) || d.properties.name]).sort(byName),
    { all: "all_districts" });
  options(select("f-channel"), CHANNELS.map((c) => [c, named("channel_", c)]), { all: "all_channels" });
  options(select("f-language"), LANGUAGES.map((l) => [l, languageName(l)]), { all: "all_languages" });
  options(select("f-queue"), reference.queues.map((q) => [q.name, queueName(q.name, q.title)]), { all: "all_queues" });
  options(select("f-type"), reference.types.map((k) => [k.code, pick(k.names) || k.code]).sort(byName), { all: "all_types" });
  options(select("f-service"), reference.services.map((s) => [s.code, serviceName(s.code)]), { all: "all_services" });
  options(select("f-operator"), reference.operators.map((o) => [o.operator, o.operator_name || o.operator]).sort(byName),
    { all: "all_operators" });
}

/** Load the choices and wire the form once (``submit`` draws the report). */
export async function setUpFilters({ submit }) {
  const [regions, queues, types, services] = await Promise.all([
    api("GET", "/geo/regions?geometry=false").catch(() => ({ features: [] })),
    api("GET", "/queues").catch(() => ({ queues: [] })),
    api("GET", "/incident-types").catch(() => []),
    api("GET", "/services").catch(() => []),
  ]);
  Object.assign(reference, { regions: regions.features, queues: queues.queues, types, services });
  relabelFilters();
  if (wired) return;
  wired = true;
  select("f-preset").value = "last_7";
  [input("f-from").value, input("f-to").value] = presetDates("last_7");
  select("f-grain").value = "day";
  select("f-preset").addEventListener("change", () => {
    const dates = presetDates(select("f-preset").value);
    if (dates) [input("f-from").value, input("f-to").value] = dates;
  });
  for (const id of ["f-from", "f-to"]) {
    $(id).addEventListener("input", () => { select("f-preset").value = "custom"; });
  }
  select("f-region").addEventListener("change", () => loadDistricts(select("f-region").value));
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
}

/** The districts of ``region`` for the district choice (none without a region). */
async function loadDistricts(region) {
  reference.districts = region
    ? (await api("GET", `/geo/districts?region=${encodeURIComponent(region)}&geometry=false`).catch(() => ({ features: [] }))).features
    : [];
  if (select("f-region").value === region) relabelFilters();
}

/** Show the fields of ``page`` only (the period and region belong to every report). */
export function showFiltersFor(page) {
  for (const label of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#filters [data-pages]"))) {
    label.hidden = !label.dataset.pages.split(" ").includes(page);
  }
}

/** The operators the working-time report found, for the operator choice. */
export function rememberOperators(operators) {
  const known = new Map(reference.operators.map((o) => [o.operator, o]));
  for (const o of operators) known.set(o.operator, { operator: o.operator, operator_name: o.operator_name });
  reference.operators = [...known.values()];
  relabelFilters();
}

/** A queue by the name a person reads: its name in the interface language where the queue
 * has one, else the texts' name of a seeded queue, else its title. */
export function queueName(code, title) {
  const queue = reference.queues.find((q) => q.name === code);
  return queue?.names?.[language()] || named("queue_", code, title || queue?.title);
}

/** An incident type's name in the interface language (its code when unknown). */
export function typeName(code) {
  const kind = reference.types.find((k) => k.code === code);
  return (kind && pick(kind.names)) || code;
}

/** A service by its code and name in the interface language ("103 Tez yordam"). */
export function serviceName(code) {
  const found = reference.services.find((s) => s.code === code);
  return found ? `${code} ${pick(found.names)}` : code;
}

/** A region's name in the interface language. */
export function regionName(code) {
  const region = reference.regions.find((r) => r.id === code);
  return region ? pick(region.properties.names) || region.properties.name : code;
}

/** A district by its name in the interface language (the boundaries' names). */
export function districtName(district) {
  return pick(district.names) || district.name || district.code;
}

/** The offset of ``zone`` on ``ymd`` as ISO writes it ("+05:00"). */
function offset(ymd, zone) {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(new Date(`${ymd}T12:00:00Z`)).find((p) => p.type === "timeZoneName")?.value || "GMT";
  return name === "GMT" ? "+00:00" : name.slice(3);
}

/** The filters now: the values, each report's query, and what is wrong with them. */
export function filters() {
  const from = input("f-from").value;
  const to = input("f-to").value;
  const region = select("f-region").value;
  const period = () => new URLSearchParams({ date_from: from, date_to: to });
  return {
    from, to, region,
    grain: select("f-grain").value || "day",
    /** Why the period cannot be asked for ("" when it can). */
    problem() {
      if (!from || !to) return t("period_missing");
      if (from > to) return t("period_backwards");
      if ((Date.parse(to) - Date.parse(from)) / 86400000 + 1 > MAX_DAYS) return t("period_too_long", { days: MAX_DAYS });
      return "";
    },
    kpis() {
      const query = period();
      query.set("grain", select("f-grain").value || "day");
      if (select("f-queue").value) query.append("queue", select("f-queue").value);
      return query;
    },
    working() {
      const query = period();
      if (select("f-operator").value) query.set("operator", select("f-operator").value);
      return query;
    },
    calls() {
      const query = period();
      query.set("grain", select("f-grain").value || "day");
      for (const [name, id] of [["region", "f-region"], ["district", "f-district"], ["queue", "f-queue"],
        ["channel", "f-channel"], ["language", "f-language"], ["incident_type", "f-type"], ["service", "f-service"],
        ["operator", "f-operator"]]) {
        if (select(id).value && !select(id).disabled) query.set(name, select(id).value);
      }
      return query;
    },
    territory() {
      const query = period();
      if (region) query.set("region", region);
      if (select("f-type").value) query.set("incident_type", select("f-type").value);
      if (select("f-service").value) query.set("service", select("f-service").value);
      return query;
    },
    /** The period's first and last instant (local midnights in ``zone``) for GET /cards. */
    bounds(zone) {
      const end = addDays(to, 1);
      return [`${from}T00:00:00${offset(from, zone)}`, `${end}T00:00:00${offset(end, zone)}`];
    },
  };
}
