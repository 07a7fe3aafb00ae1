// @ts-check
// Service units by name in the interface language. A card keeps its unit's one name (what the
// services read); the unit's names in uz/ru/en come from /units, fetched once per unit and
// remembered for the session. Where a unit has no name in the language, its one name shows.

import { api } from "/common/js/api.js";
import { pick } from "/common/js/i18n.js";

const known = new Map(); // unit code -> {code, name, names} as /units gives it
const asked = new Set(); // unit codes being fetched now

/** Remember units the server listed (e.g. for the route dialog). */
export function rememberUnits(units) {
  for (const unit of units) known.set(unit.code, unit);
}

/** The unit's name in the interface language (``unit``: {code, name} as on a card, or a unit
 * from /units); the name it carries until its names are known. */
export function unitName(unit) {
  if (!unit) return "";
  const full = known.get(unit.code) || unit;
  return pick(full.names) || full.name || unit.code;
}

/** Fetch the names of the units not known yet; resolves true when any became known. */
export async function learnUnits(units) {
  const missing = [...new Set(units.filter(Boolean).map((u) => u.code))]
    .filter((code) => !known.has(code) && !asked.has(code));
  if (!missing.length) return false;
  missing.forEach((code) => asked.add(code));
  const found = await Promise.all(missing.map(
    (code) => api("GET", `/units/${encodeURIComponent(code)}`).catch(() => null)));
  missing.forEach((code) => asked.delete(code));
  rememberUnits(found.filter(Boolean));
  return found.some(Boolean);
}
