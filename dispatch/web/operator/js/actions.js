// @ts-check
// What the operator does beyond filling fields: state and break, route (suggested services
// pre-selected, units shown), escalate, close, the script of the incident type, text replies.

import { api, errorText } from "/common/js/api.js";
import { currentCard, saveCard, savesDone } from "./card.js";
import { askConfirm, dialogTurn, field, openDialog, select, StayOpen } from "/common/js/dialogs.js";
import { drawings, h } from "/common/js/dom.js";
import { clearFindings, findingsBox, sendChecked } from "./findings.js";
import { hhmm, language, languageName, named, pick, plural, said, t } from "/common/js/i18n.js";
import { rememberUnits, unitName } from "./units.js";

const scripts = new Map(); // incident type -> script (promise)
let scriptStep = -1;

// -- operator state -------------------------------------------------------------------------

const BREAK_REASONS = ["break_rest", "break_meal", "break_training", "break_technical", "break_other"];

/** Ask for ``state``; a break's ``reason`` in words, with ``code`` when it is one of the
 * centre's reasons (BREAK_REASONS), so that every reader sees it in their own language. */
export async function requestState(state, reason, code = null) {
  return api("POST", "/operators/me/state", {
    json: { state, ...(reason ? { reason } : {}), ...(code ? { reason_code: code } : {}) },
  });
}

export async function endWrapUp() {
  return api("POST", "/operators/me/wrap-up/end");
}

export function breakDialog() {
  openDialog({
    name: "break",
    title: t("break_reason"),
    fill(body) {
      const list = h("div", { class: "choices" });
      BREAK_REASONS.forEach((key, index) => {
        list.append(h("label", { class: "check" },
          h("input", { type: "radio", name: "reason", value: key, checked: index === 0 }),
          `${index + 1}. ${t(key)}`));
      });
      const other = h("input", { type: "text", id: "break-other", maxlength: 200 });
      body.append(list, field("break_other", other));
      body.addEventListener("keydown", (event) => {
        const n = Number(event.key);
        if (event.target === other || !(n >= 1 && n <= BREAK_REASONS.length)) return;
        /** @type {NodeListOf<HTMLInputElement>} */ (body.querySelectorAll("input[name=reason]"))[n - 1].checked = true;
      });
    },
    async onConfirm() {
      const chosen = /** @type {HTMLInputElement} */ (document.querySelector("#dialog-body input[name=reason]:checked")).value;
      const other = /** @type {HTMLInputElement} */ (document.getElementById("break-other")).value.trim();
      // The operator's own words have no code; a reason from the list is said by its code.
      if (chosen === "break_other" && other) await requestState("on_break", other);
      else await requestState("on_break", t(chosen), chosen);
    },
  });
}

/** The operator's latest escalations and where each stands. */
export function renderEscalations(items) {
  const list = document.getElementById("escalation-list");
  if (!items || !items.length) {
    list.replaceChildren(h("li", { class: "muted", text: t("no_escalations") }));
    return;
  }
  list.replaceChildren(...items.map((item) => h("li", { dataset: { escalationId: item.id },
    text: `${hhmm(item.raised_at)} · ${named("kind_", item.kind)} · ${named("status_", item.status)} — ${said(item.reason, item.reason_code, item.reason_params)}` })));
}

// -- route ------------------------------------------------------------------------------------

async function unitFor(serviceCode, card) {
  const district = card.location.district?.code;
  if (!district) return null;
  const units = await api("GET", `/units?service=${serviceCode}&district=${district}`);
  rememberUnits(units);
  const active = units.filter((u) => u.active);
  active.sort((a, b) => Number(a.sample) - Number(b.sample) || a.code.localeCompare(b.code));
  return active[0] || null;
}

/** The version to send for the dialog's ``card``: the shown copy's while the screen shows that
 * card (the saves made since the dialog opened raised it), else the dialog's own copy, so a
 * clash is told rather than another card's version sent with this card's change. */
function versionOf(card) {
  const shown = currentCard();
  return shown?.id === card.id ? shown.version : card.version;
}

export async function routeDialog(reference) {
  const card = currentCard();
  if (!card) return;
  const turn = dialogTurn();
  const suggested = await api("GET", `/cards/${card.id}/suggested-services`).catch(() => []);
  if (!turn() || currentCard()?.id !== card.id) return; // another dialog or card since
  const routed = new Set(card.services.map((s) => s.code));
  const wanted = new Set(suggested.map((s) => s.service));
  const findings = findingsBox();
  const agreed = { leftOut: null }; // the services the operator agreed to leave out, once asked
  openDialog({
    name: "route",
    title: `${t("route")} — ${card.number}`,
    fill(body) {
      const list = h("ul", { class: "route-list" });
      for (const service of reference.services.values()) {
        if (!service.active) continue;
        const reasons = suggested.find((s) => s.service === service.code)?.reasons || [];
        const unit = h("span", { class: "unit", dataset: { unitFor: service.code } });
        const box = h("input", {
          type: "checkbox", value: service.code, checked: wanted.has(service.code) || routed.has(service.code),
          disabled: routed.has(service.code),
          dataset: { service: service.code, ...(wanted.has(service.code) ? { suggested: "" } : {}) },
        });
        list.append(h("li", {}, h("label", { class: "check" }, box,
          h("strong", { text: service.code }), ` ${pick(service.names)} `,
          reasons.length ? h("span", { class: "chip", text: t("suggested") }) : "",
          " ", unit)));
        unitFor(service.code, card).then((found) => {
          unit.textContent = `→ ${found ? unitName(found) : t("unit_unknown")}`;
        }).catch(() => {});
      }
      body.append(list, findings);
    },
    async onConfirm() {
      const services = [.../** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll("#dialog-body input[data-service]:checked:not(:disabled)"))]
        .map((input) => input.value);
      if (!services.length) throw new Error(t("route"));
      await confirmLeftOut(reference, agreed);
      await savesDone();
      const fresh = await sendChecked(findings, (acknowledge) => api("POST", `/cards/${card.id}/route`, {
        json: { services, ...(acknowledge.length ? { acknowledge } : {}) }, ifMatch: versionOf(card),
      }));
      reference.onSaved(fresh);
    },
  });
}

/**
 * A service suggested for the incident type and unticked is left out only on purpose: the
 * operator confirms it by name (Enter), or goes back to the dialog (Escape) on its box. Asked
 * once for the same services (not again when the server then names warnings to tick).
 */
async function confirmLeftOut(reference, agreed) {
  const left = [.../** @type {NodeListOf<HTMLInputElement>} */ (document.querySelectorAll("#dialog-body input[data-suggested]:not(:checked):not(:disabled)"))];
  const key = left.map((input) => input.value).join(",");
  if (!left.length || key === agreed.leftOut) return;
  const names = left.map((input) => `${input.value} ${pick(reference.services.get(input.value)?.names)}`.trim());
  const yes = await askConfirm({
    name: "route-left-out",
    title: t("route_left_out_title"),
    text: plural("route_left_out", left.length, { services: names.join(", ") }),
    confirmLabel: "route_left_out_confirm",
  });
  if (yes) {
    agreed.leftOut = key;
    return;
  }
  left[0].focus();
  throw new StayOpen();
}

// -- escalate ---------------------------------------------------------------------------------

const KINDS = ["non_standard", "specialist", "abusive_caller", "language", "other"];

export function escalateDialog(callId, cardId, caller) {
  if (!callId) return;
  openDialog({
    name: "escalate",
    title: caller ? `${t("escalate")} — ${caller}` : t("escalate"),
    fill(body) {
      body.append(
        field("escalation_kind", select(KINDS.map((k) => [k, t(`kind_${k}`)]), "non_standard")),
        field("escalate_reason", h("textarea", { id: "escalate-reason", rows: 4, maxlength: 2000, required: true })));
      body.querySelector("select").id = "escalate-kind";
    },
    async onConfirm() {
      const reason = /** @type {HTMLTextAreaElement} */ (document.getElementById("escalate-reason")).value.trim();
      const kind = /** @type {HTMLSelectElement} */ (document.getElementById("escalate-kind")).value;
      await api("POST", `/calls/${callId}/escalate`, {
        json: { reason, kind, ...(cardId ? { card_id: cardId } : {}) },
      });
    },
  });
}

// -- close ------------------------------------------------------------------------------------

const OUTCOMES = ["dispatched", "advice_given", "transferred", "referred", "false_alarm", "hoax",
  "duplicate", "caller_unreachable", "silent_call", "misdial", "test_call"];

export function closeDialog(onSaved) {
  const card = currentCard();
  if (!card) return;
  const findings = findingsBox();
  openDialog({
    name: "close",
    title: `${t("close_card")} — ${card.number}`,
    fill(body) {
      // Nothing is chosen for the operator: the outcome is a decision, never a default.
      const outcome = select([["", t("choose_outcome")], ...OUTCOMES.map((o) => [o, t(`outcome_${o}`)])], "");
      outcome.id = "close-outcome";
      outcome.options[0].disabled = true;
      outcome.addEventListener("change", () => clearFindings(findings));
      body.append(field("outcome", outcome),
        field("notes", h("input", { type: "text", id: "close-note", maxlength: 4000 })),
        findings);
    },
    async onConfirm() {
      const outcome = /** @type {HTMLSelectElement} */ (document.getElementById("close-outcome")).value;
      if (!outcome) {
        document.getElementById("close-outcome").focus();
        throw new Error(t("choose_outcome_first"));
      }
      const note = /** @type {HTMLInputElement} */ (document.getElementById("close-note")).value.trim();
      await savesDone();
      onSaved(await sendChecked(findings, (acknowledge) => api("POST", `/cards/${card.id}/close`, {
        json: { outcome, ...(note ? { note } : {}), ...(acknowledge.length ? { acknowledge } : {}) },
        ifMatch: versionOf(card),
      })));
    },
  });
}

// -- script -----------------------------------------------------------------------------------

function scriptOf(code) {
  if (!scripts.has(code)) {
    const loading = api("GET", `/incident-types/${encodeURIComponent(code)}/script`);
    loading.catch(() => scripts.delete(code));
    scripts.set(code, loading);
  }
  return scripts.get(code);
}

export async function showScript(card) {
  const box = document.getElementById("script");
  const code = card?.incident?.type;
  const speak = card && ["uz", "ru", "en"].includes(card.language) ? card.language : language();
  const key = `${code}|${speak}|${language()}`;
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  scriptStep = -1;
  if (!code) {
    box.replaceChildren(h("p", { class: "muted", text: t("script_choose_type") }));
    return;
  }
  const script = await scriptOf(code).catch(() => null);
  if (!script || box.dataset.key !== key) return;
  const lang = script.languages.includes(speak) ? speak : script.languages[0];
  const steps = h("ol", { class: "script-steps", id: "script-steps" });
  for (const step of script.steps) {
    steps.append(h("li", {
      class: step.kind, dataset: { field: step.field || "", step: step.id },
      onclick: () => focusField(step.field),
    }, step.text[lang]));
  }
  box.replaceChildren(
    h("p", { class: "draft", id: "script-about", dataset: { language: lang }, text: `${languageName(lang)} · ${t("script_draft")}${script.general ? " · " + t("script_general") : ""}` }),
    steps);
}

function focusField(path) {
  if (!path) return;
  const target = path === "location" ? "f-location.address" : path === "incident.type" ? "type-search" : `f-${path}`;
  const node = document.getElementById(target) || document.querySelector(`#card [data-field="${path}"] input`);
  node?.focus();
}

/** Highlight the next question of the script and put the cursor in its field. */
export function nextScriptStep() {
  const items = [.../** @type {NodeListOf<HTMLLIElement>} */ (document.querySelectorAll("#script-steps li"))];
  if (!items.length) return;
  scriptStep = (scriptStep + 1) % items.length;
  items.forEach((item, index) => item.classList.toggle("current", index === scriptStep));
  items[scriptStep].scrollIntoView({ block: "nearest" });
  focusField(items[scriptStep].dataset.field);
}

// -- text conversation ------------------------------------------------------------------------

const conversations = drawings(); // the panel shows the newest asked for: a late load is dropped

/** Show ``call``'s text conversation (null, or a voice call: the panel hidden). */
export function showConversation(call) {
  conversations();
  const panel = document.getElementById("conversation-panel");
  const text = call && ["sms", "email"].includes(call.channel);
  panel.hidden = !text;
  if (!text) return;
  panel.dataset.callId = call.id;
  document.getElementById("messages").replaceChildren(...call.messages.map((m) => h("li", {
    class: m.direction === "in" ? "incoming" : "outgoing",
  }, h("span", { class: "muted", text: `${hhmm(m.at)} ${m.author}` }),
  m.subject ? h("strong", { text: m.subject }) : "", h("p", { text: m.text }))));
  const list = document.getElementById("messages");
  list.scrollTop = list.scrollHeight;
}

/** The conversation of ``callId`` (a card's text call that is not on the line) read and shown,
 * unless another was shown meanwhile. */
export async function loadConversation(callId) {
  const current = conversations();
  const [call, messages] = await Promise.all([
    api("GET", `/calls/${callId}`), api("GET", `/calls/${callId}/messages`),
  ]).catch(() => [null, null]);
  if (call && current()) showConversation({ ...call, messages });
}

export async function sendReply(toast) {
  const panel = document.getElementById("conversation-panel");
  const input = /** @type {HTMLTextAreaElement} */ (document.getElementById("reply"));
  const text = input.value.trim();
  if (!text || panel.hidden) return;
  try {
    await api("POST", `/calls/${panel.dataset.callId}/messages`, { json: { text } });
    if (input.value.trim() === text) input.value = ""; // what was typed since stays
  } catch (error) {
    toast(`${t("error")}: ${errorText(error)}`, true);
  }
}

export { saveCard };
