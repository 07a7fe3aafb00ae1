// @ts-check
// "Same incident?": while a card is filled, the open incidents near its point (or at a similar
// address in its district) of a compatible type, nearest first. One button (or Alt+U, then
// Enter) makes the call part of one; "join and close" is the mass-incident shortcut: the call's
// card is closed as a duplicate, the incident's head carries the dispatch. A card already part
// of an incident says so instead.

import { api, errorText } from "/common/js/api.js";
import { askConfirm } from "/common/js/dialogs.js";
import { drawings, h } from "/common/js/dom.js";
import { hhmm, number, pick, plural, t } from "/common/js/i18n.js";

const state = {
  signature: "", // what the suggestions were asked for (card id, point, district, address, type)
  draw: drawings(), // a new question (or none: another card, no place) begins a draw: an older answer is dropped
  /** @type {(card: object) => void} */
  onSaved: () => {},
  /** @type {(message: string, isError?: boolean) => void} */
  toast: () => {},
  types: new Map(),
};

export function configureIncidents({ onSaved, toast, types }) {
  Object.assign(state, { onSaved, toast, types });
}

function signatureOf(card) {
  const where = card.location || {};
  return [card.id, card.status, card.incident_id || "", where.lat, where.lon,
    where.district?.code || "", where.address || "", card.incident?.type || ""].join("|");
}

function panel() {
  return document.getElementById("incidents-panel");
}

/** Show the suggestions for ``card`` (asked again only when what they depend on changed). */
export async function showIncidents(card) {
  const box = panel();
  if (!box) return;
  if (!card || card.status === "closed") {
    state.draw(); // an answer still on its way is for what is no longer shown
    state.signature = "";
    box.hidden = true;
    return;
  }
  if (card.incident_id) {
    state.draw();
    state.signature = signatureOf(card);
    const head = card.incident_id === card.id ? card : null;
    const parent = (card.links || []).find((link) => link.kind === "parent");
    const members = (card.links || []).filter((link) => link.kind === "child").length;
    list().replaceChildren(h("li", { class: "incident-member", id: "incident-membership",
      text: head ? plural("incident_heads", members + 1) : t("incident_part_of", { number: parent?.number || "" }) }));
    box.hidden = false;
    return;
  }
  const signature = signatureOf(card);
  if (signature === state.signature) return; // the answer on its way, if any, is this one's
  const current = state.draw();
  state.signature = signature;
  const where = card.location || {};
  if (where.lat == null && !where.district) {
    box.hidden = true;
    return;
  }
  let found;
  try {
    found = await api("GET", `/cards/${card.id}/incident-suggestions`);
  } catch (error) {
    state.signature = "";
    return;
  }
  if (!current()) return;
  render(card, found);
}

function list() {
  return document.getElementById("incident-suggestions");
}

function render(card, found) {
  const box = panel();
  if (!found.length) {
    list().replaceChildren(h("li", { class: "muted", text: t("incidents_none") }));
    box.hidden = false;
    return;
  }
  list().replaceChildren(...found.map((incident) => {
    const kind = state.types.get(incident.incident_type);
    const where = incident.distance_m != null
      ? `${number(Math.round(incident.distance_m))} ${t("metres")}`
      : t("incident_same_address");
    const facts = [kind ? pick(kind.names) : "—", incident.address || "", where,
      plural("incident_calls", incident.cards), hhmm(incident.created_at)].filter(Boolean).join(" · ");
    return h("li", { class: "incident", dataset: { incidentId: incident.incident_id } },
      h("strong", { text: incident.number.slice(-6), title: incident.number }),
      h("span", { class: "facts", text: facts }),
      h("button", { type: "button", class: "join", text: t("incident_join"),
        "aria-label": `${t("incident_join")} ${incident.number}`,
        onclick: () => join(card, incident, false) }),
      h("button", { type: "button", class: "join-close", text: t("incident_join_close"),
        "aria-label": `${t("incident_join_close")} ${incident.number}`,
        onclick: () => join(card, incident, true) }));
  }));
  box.hidden = false;
}

async function join(card, incident, close) {
  if (close) {
    const sure = await askConfirm({
      title: t("incident_join_close"),
      text: t("incident_join_close_text", { number: incident.number }),
      confirmLabel: "incident_join_close",
      name: "join-close",
    });
    if (!sure) return;
  }
  try {
    const saved = await api("POST", `/cards/${card.id}/incident`, {
      json: { incident_card_id: incident.incident_id, close },
    });
    state.toast(t(close ? "incident_joined_closed" : "incident_joined", { number: incident.number }));
    state.signature = "";
    state.onSaved(saved);
  } catch (error) {
    state.toast(`${t("error")}: ${errorText(error)}`, true);
  }
}

/** Alt+U: to the first suggestion's join button (Enter joins). */
export function focusIncidents() {
  const button = /** @type {HTMLButtonElement} */ (list()?.querySelector("button.join"));
  if (button && !panel().hidden) button.focus();
  else state.toast(t("incidents_none"), true);
}
