// @ts-check
// How the reports write their figures: durations, seconds and periods in the interface's
// locale (Intl through the shared helpers), in the centre's time zone.

import { language, locale, t } from "/common/js/i18n.js";
import { day, num } from "/common/js/dom.js";

/** Seconds as hours, minutes and seconds ("1:02:03"); "—" for none. */
export function duration(value) {
  if (value === null || value === undefined) return "—";
  const whole = Math.round(Number(value));
  const hours = Math.floor(whole / 3600);
  const minutes = String(Math.floor((whole % 3600) / 60)).padStart(2, "0");
  return `${hours}:${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

/** A number of seconds with its unit ("12,5 s"); "—" for none. */
export function seconds(value) {
  if (value === null || value === undefined) return "—";
  return t("seconds_value", { value: num(value, 1) });
}

function parts(iso, zone, options) {
  const found = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hourCycle: "h23", ...options })
    .formatToParts(new Date(iso));
  return Object.fromEntries(found.map((p) => [p.type, p.value]));
}

/** The local date (YYYY-MM-DD) of an instant in ``zone``. */
export function localDate(iso, zone) {
  const p = parts(iso, zone, { year: "numeric", month: "2-digit", day: "2-digit" });
  return `${p.year}-${p.month}-${p.day}`;
}

/** A month as the interface writes it ("март 2025"; Uzbek numerically: 03.2025, as Debian's
 * Chromium has no Uzbek month names). */
function month(ymd) {
  if (language() === "uz") return `${ymd.slice(5, 7)}.${ymd.slice(0, 4)}`;
  return new Intl.DateTimeFormat(locale(), { timeZone: "UTC", month: "long", year: "numeric" })
    .format(new Date(`${ymd}T00:00:00Z`));
}

/**
 * A period of a KPI row by its grain: the hour, the shift, the day, the week or the month
 * starting at ``iso`` (local time in ``zone``); the whole period for "total".
 * @param {string} grain
 * @param {string} iso
 * @param {string} zone
 * @param {{from?: string, to?: string}} [period]  the report's first and last day ("total")
 */
export function periodLabel(grain, iso, zone, { from, to } = {}) {
  const date = localDate(iso, zone);
  switch (grain) {
    case "hour": return `${day(date)} ${parts(iso, zone, { hour: "2-digit" }).hour}:00`;
    case "shift": {
      // The day shift starts before noon (DISPATCH_QA_SHIFT_START_HOUR), the night 12 h later.
      const hour = Number(parts(iso, zone, { hour: "2-digit" }).hour);
      return `${day(date)} ${t(hour < 12 ? "shift_day" : "shift_night")}`;
    }
    case "week": return t("week_of", { date: day(date) });
    case "month": return month(date);
    case "total": return `${day(from)} – ${day(to)}`;
    default: return day(date);
  }
}
