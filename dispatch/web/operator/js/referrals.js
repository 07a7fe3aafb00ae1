// @ts-check
// The referral directory (issue 25, A2.01): a dialog searching state and NGO help by the card's
// region and the call's language (both changeable), kind and words; ↑/↓ choose an entry, Enter
// records it on the card as a note (POST /cards/{id}/referrals), with the operator's note.

import { api } from "/common/js/api.js";
import { dialogTurn, field, openDialog, select } from "/common/js/dialogs.js";
import { drawings, h, toast } from "/common/js/dom.js";
import { languageName, pick, t } from "/common/js/i18n.js";

const KINDS = ["legal", "social", "psychological", "shelter", "medical", "child_protection", "other"];
const LANGUAGES = ["uz", "ru", "kaa", "en", "tg", "kk"];
const found = { options: [], active: -1, timer: null, searches: drawings() }; // the newest search is shown
let regions = null; // [[code, name]], loaded once

async function regionOptions() {
  if (!regions) {
    const answer = await api("GET", "/geo/regions?geometry=false").catch(() => ({ features: [] }));
    regions = answer.features.map((r) => [r.id, pick(r.properties.names) || r.properties.name || r.id]);
  }
  return regions;
}

/** The card's region: its own, else its district's (UZ-SA-urgut is in UZ-SA). */
function cardRegion(card) {
  const location = card.location || {};
  return location.region?.code || (location.district?.code || "").slice(0, 5) || "";
}

/** Open the directory for ``card``: ``call`` (the call on the line) gives the language;
 * ``onSaved(card)`` takes the card with its new note. */
export async function referralDialog(card, call, onSaved) {
  if (!card) return toast(t("referrals_no_card"), true);
  const language = (call && call.id === card.call_id && call.language) || card.language || "";
  const region = cardRegion(card);
  const turn = dialogTurn();
  const regionList = await regionOptions();
  if (!turn()) return; // another dialog was opened meanwhile
  const any = ["", t("referrals_any")];
  const controls = {
    q: h("input", {
      id: "referral-search", type: "search", role: "combobox", "aria-expanded": "true",
      "aria-controls": "referral-options", "aria-autocomplete": "list", autocomplete: "off", maxlength: "100",
    }),
    region: select([any, ...regionList], region),
    language: select([any, ...[...new Set([...LANGUAGES, language].filter(Boolean))].map((l) => [l, languageName(l)])], language),
    kind: select([any, ...KINDS.map((k) => [k, t(`referral_kind_${k}`)])], ""),
    note: h("input", { id: "referral-note", type: "text", maxlength: "1000", autocomplete: "off" }),
  };
  controls.region.id = "referral-region";
  controls.language.id = "referral-language";
  controls.kind.id = "referral-kind";
  Object.assign(found, { options: [], active: -1 });
  openDialog({
    name: "referrals",
    title: t("referrals_title"),
    confirmLabel: "referrals_record",
    fill: (body) => body.append(
      field("referrals_search", controls.q),
      h("div", { class: "referral-filters" },
        field("referrals_region", controls.region), field("referrals_language", controls.language),
        field("referrals_kind", controls.kind)),
      h("p", { id: "referral-count", class: "muted", role: "status", "aria-live": "polite" }),
      h("ul", { id: "referral-options", class: "referral-options", role: "listbox", tabindex: "0", "aria-label": t("referrals_title") }),
      field("referrals_note", controls.note)),
    onConfirm: async () => {
      const chosen = found.options[found.active];
      if (!chosen) throw new Error(t("referrals_choose"));
      const note = controls.note.value.trim();
      const saved = await api("POST", `/cards/${card.id}/referrals`, { json: { referral_id: chosen.id, note: note || null } });
      onSaved(saved);
      toast(t("referrals_recorded", { name: pick(chosen.names) }));
    },
  });
  const search = () => {
    clearTimeout(found.timer);
    found.timer = setTimeout(() => runSearch(controls), 150);
  };
  controls.q.addEventListener("input", search);
  for (const name of ["region", "language", "kind"]) controls[name].addEventListener("change", search);
  // ↑ ↓ choose from the search box, the list itself (a tab stop: it scrolls) and the note.
  for (const input of [controls.q, document.getElementById("referral-options"), controls.note]) {
    input.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    });
  }
  controls.q.focus();
  await runSearch(controls);
}

async function runSearch(controls) {
  const params = new URLSearchParams();
  for (const name of ["region", "language", "kind", "q"]) {
    const value = controls[name].value.trim();
    if (value) params.set(name, value);
  }
  const current = found.searches();
  const answer = await api("GET", `/referrals?${params}`).catch((error) => {
    toast(`${t("error")}: ${error.detail || error.message}`, true);
    return null;
  });
  if (!answer || !current() || !document.getElementById("referral-options")) return;
  found.options = answer;
  found.active = answer.length ? 0 : -1;
  render();
}

function move(step) {
  if (!found.options.length) return;
  found.active = (found.active + step + found.options.length) % found.options.length;
  render();
}

function hours(entry) {
  if (entry.always_open) return t("referral_always_open");
  return entry.hours ? pick(entry.hours) : t("referral_hours_unknown");
}

function where(entry) {
  if (entry.match === "region") return t("referral_in_region");
  return entry.national ? t("referral_national") : entry.regions.join(", ");
}

function render() {
  const list = document.getElementById("referral-options");
  const input = document.getElementById("referral-search");
  if (!list) return;
  list.replaceChildren(...found.options.map((entry, index) => h("li", {
    role: "option", id: `referral-option-${index}`, "aria-selected": String(index === found.active),
    class: index === found.active ? "active" : "", dataset: { referralId: entry.id },
    onmousedown: (event) => {
      event.preventDefault();
      found.active = index;
      render();
    },
  },
  h("strong", { class: "name", text: pick(entry.names) }),
  h("span", { class: "kind", text: ` · ${t(`referral_kind_${entry.kind}`)}` }),
  h("span", { class: "where", text: ` · ${where(entry)}` }),
  h("div", { class: "phones", text: entry.phones.length ? entry.phones.join(", ") : t("referral_no_phone") }),
  h("div", { class: "muted", text: `${hours(entry)} · ${entry.languages.map(languageName).join(", ")}` }),
  entry.notes ? h("div", { class: "notes muted", text: entry.notes }) : null)));
  document.getElementById("referral-count").textContent =
    found.options.length ? t("referrals_found", { count: found.options.length }) : t("referrals_none");
  for (const node of [input, list]) {
    if (found.active >= 0) node?.setAttribute("aria-activedescendant", `referral-option-${found.active}`);
    else node?.removeAttribute("aria-activedescendant");
  }
  document.getElementById(`referral-option-${found.active}`)?.scrollIntoView({ block: "nearest" });
}
