// @ts-check
// Incidents with their calls (issue 23): the incidents of several calls changed in the last 12
// hours (GET /incidents), asked every 15 s while the console is open; each row names the
// incident's head card, its type and address, and every card (call) that is part of it.

import { api } from "/common/js/api.js";
import { drawings } from "/common/js/dom.js";
import { hhmm, pick, plural, t } from "/common/js/i18n.js";
import { h } from "./dom.js";

const EVERY_MS = 15000;
const state = { timer: null, incidents: [], types: new Map(), asks: drawings() }; // the newest answer is drawn

/** Start asking (after sign-in); ``types`` names the incident types. */
export function startIncidents(types) {
  state.types = types;
  stopIncidents();
  refresh();
  state.timer = setInterval(refresh, EVERY_MS);
}

export function stopIncidents() {
  clearInterval(state.timer);
  state.timer = null;
}

async function refresh() {
  const current = state.asks();
  try {
    const incidents = await api("GET", "/incidents?hours=12");
    if (!current()) return;
    state.incidents = incidents;
    drawIncidents();
  } catch {
    // The stream's badge says when the server is out of reach; the list stays as it was.
  }
}

function roleText(card) {
  return card.role === "head" ? t("incident_role_head") : card.role === "merged" ? t("incident_role_merged") : "";
}

/** Draw the list (again, e.g. in a new language). */
export function drawIncidents() {
  const body = document.getElementById("incidents");
  if (!body) return;
  if (!state.incidents.length) {
    body.replaceChildren(h("tr", {}, h("td", { class: "muted", colspan: "4", text: t("no_incidents") })));
    return;
  }
  body.replaceChildren(...state.incidents.map((incident) => {
    const kind = state.types.get(incident.incident_type);
    const calls = incident.cards.map((card) => {
      const role = roleText(card);
      const who = card.operator_id ? ` ${card.operator_id}` : "";
      return h("li", { dataset: { cardId: card.card_id, role: card.role } },
        h("strong", { text: card.number.slice(-6), title: card.number }),
        ` ${hhmm(card.created_at)}${who}${role ? ` · ${role}` : ""}`);
    });
    return h("tr", { tabindex: "-1", dataset: { key: incident.incident_id } },
      h("td", { text: incident.number.slice(-6), title: incident.number }),
      h("td", { text: kind ? pick(kind.names) : "—" }),
      h("td", { text: incident.address || "—" }),
      h("td", {},
        h("span", { class: "incident-calls", text: plural("incident_calls", incident.cards.length) }),
        h("ul", { class: "incident-cards" }, ...calls)));
  }));
}

/** Alt+7: to the first incident. */
export function focusIncidents() {
  /** @type {?HTMLTableRowElement} */ (document.querySelector("#incidents tr[data-key]"))?.focus();
}
