// @ts-check
// Which protocol to offer for a card (issues 24 and 25): the ones the caller's words point to
// first — cues found in the call's SMS or e-mail and the card's notes (GET /calls/{id}/cues),
// shown with the words that triggered them — then those that fit the card's incident type, the
// protocol that names the type first in its list before one that names it later.

import { api } from "/common/js/api.js";
import { h } from "/common/js/dom.js";
import { pick, t } from "/common/js/i18n.js";

/** The protocols that fit ``type``, best first. */
export function fittingFor(all, type) {
  if (!type) return [];
  return all
    .filter((p) => p.incident_types.includes(type))
    .sort((a, b) => a.incident_types.indexOf(type) - b.incident_types.indexOf(type) || a.code.localeCompare(b.code));
}

/** The cues of the card's call (an empty list when it has none or they cannot be read). */
export async function cuesOf(card) {
  if (!card?.call_id) return [];
  try {
    return await api("GET", `/calls/${card.call_id}/cues`);
  } catch {
    return [];
  }
}

/** The protocols to offer, in order: cue-proposed, then fitting; each with its cues. */
export function offers(all, type, cues) {
  const byCode = new Map(all.map((p) => [p.code, p]));
  const chosen = new Map();
  for (const cue of cues) {
    const protocol = byCode.get(cue.protocol);
    if (!protocol) continue;
    if (!chosen.has(protocol.code)) chosen.set(protocol.code, { protocol, cues: [] });
    chosen.get(protocol.code).cues.push(cue);
  }
  for (const protocol of fittingFor(all, type)) {
    if (!chosen.has(protocol.code)) chosen.set(protocol.code, { protocol, cues: [] });
  }
  return [...chosen.values()];
}

/** "The caller wrote «nafas olmayapti»" — the words of each cue, for the offer's line. */
export function cueLine(offer) {
  if (!offer.cues.length) return null;
  const words = [...new Set(offer.cues.flatMap((cue) => cue.triggers.map((tr) => tr.words)))];
  return h("span", {
    class: "protocol-cue",
    dataset: { cue: offer.cues[0].cue },
    text: t("protocol_cue", { words: words.map((w) => `«${w}»`).join(", "), title: pick(offer.protocol.title) }),
  });
}
