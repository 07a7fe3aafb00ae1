// @ts-check
// Small DOM helpers of the supervisor console (elements: the operator console's ``h``).

import { h } from "/common/js/dom.js";

export { h };

/** Seconds as m:ss (or h:mm:ss). */
export function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** A span that counts up from ``iso`` (the ticker keeps it current: data-since). */
export function since(iso, attributes = {}) {
  return h("span", { ...attributes, class: `since ${attributes.class || ""}`.trim(), dataset: { since: iso } });
}

/** Seconds between ``iso`` and ``now`` (milliseconds on the server's clock). */
export function secondsSince(iso, now) {
  return (now - Date.parse(iso)) / 1000;
}
