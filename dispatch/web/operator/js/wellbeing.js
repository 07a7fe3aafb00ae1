// @ts-check
// The operator's wellbeing and reminders (issue 29). ``wellbeing``: the break offered after a
// traumatic call (Alt+B takes it, Alt+Shift+B: not now), the talk with the psychologist
// arranged for me, my own request, and — for a psychologist or a supervisor — the talks to
// hold. ``notices``: the regulations I still have to read (overdue first) and my next
// training; the link opens /training/ in a tab that keeps this sign-in (rel=opener: the
// browser copies the tab's session to it).

import { api } from "/common/js/api.js";
import { field, openDialog } from "/common/js/dialogs.js";
import { h, toast } from "/common/js/dom.js";
import { dateTime, hhmm, named, pick, plural, t } from "/common/js/i18n.js";

const $ = (id) => document.getElementById(id);
const shown = { wellbeing: null, notices: null };
let breakTimer = null;

function failed(error) {
  toast(`${t("error")}: ${error.detail || error.message}`, true);
}

function reasons(list) {
  return list.map((code) => named("wellbeing_reason_", code, code)).join(", ");
}

/** Draw the ``wellbeing`` part: the offer at the top, the rest in the side bar. */
export function renderWellbeing(part) {
  shown.wellbeing = part || null;
  drawOffer(part?.offer || null);
  const box = $("wellbeing");
  const items = [];
  const until = part?.break_until;
  clearTimeout(breakTimer);
  if (until && Date.parse(until) > Date.now()) {
    items.push(h("p", { id: "wellbeing-break-until", class: "wellbeing-break",
      text: t("wellbeing_break_until", { time: hhmm(until) }) }));
    breakTimer = setTimeout(() => renderWellbeing(shown.wellbeing), Date.parse(until) - Date.now() + 500);
  }
  for (const debrief of part?.mine || []) {
    items.push(h("p", { class: "wellbeing-mine", dataset: { debriefId: debrief.id } },
      t("wellbeing_debrief_mine"), " ",
      h("button", { type: "button", class: "link", text: t("wellbeing_debrief_cancel"),
        onclick: () => cancelMine(debrief) })));
  }
  items.push(h("button", { type: "button", id: "wellbeing-ask", text: t("wellbeing_ask"), onclick: askDialog }));
  if (part?.holder) items.push(...holderList(part.debriefs || []));
  box.replaceChildren(...items);
}

function drawOffer(offer) {
  const box = $("wellbeing-offer");
  if (!offer) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  box.dataset.offerId = offer.id;
  box.replaceChildren(
    h("strong", { text: t("wellbeing_offer", { minutes: offer.minutes }) }),
    h("button", { type: "button", id: "wellbeing-accept", class: "primary",
      text: `${t("wellbeing_take_break")} (Alt+B)`, onclick: takeBreak }),
    h("button", { type: "button", id: "wellbeing-decline",
      text: `${t("wellbeing_not_now")} (Alt+Shift+B)`, onclick: notNow }));
}

function holderList(debriefs) {
  const title = h("h3", { text: t("wellbeing_debriefs") });
  if (!debriefs.length) return [title, h("p", { class: "muted", id: "wellbeing-no-debriefs", text: t("wellbeing_no_debriefs") })];
  const list = h("ul", { id: "wellbeing-debriefs", class: "wellbeing-debriefs" },
    ...debriefs.map((debrief) => h("li", { dataset: { debriefId: debrief.id } },
      `${debrief.name} · ${hhmm(debrief.flagged_at)} · ${reasons(debrief.reasons)} `,
      h("button", { type: "button", text: t("wellbeing_hold"), onclick: () => holdDialog(debrief) }))));
  return [title, list];
}

/** Alt+B: take the break offered (on break at once; the server refuses it during a call). */
export async function takeBreak() {
  const offer = shown.wellbeing?.offer;
  if (!offer) return;
  try {
    const taken = await api("POST", `/wellbeing/offers/${offer.id}/accept`);
    renderWellbeing({ ...shown.wellbeing, offer: null, break_until: taken.break_until });
  } catch (error) {
    failed(error);
  }
}

/** Alt+Shift+B: not now (recorded; the talk with the psychologist stays arranged). */
export async function notNow() {
  const offer = shown.wellbeing?.offer;
  if (!offer) return;
  try {
    await api("POST", `/wellbeing/offers/${offer.id}/decline`);
    renderWellbeing({ ...shown.wellbeing, offer: null });
  } catch (error) {
    failed(error);
  }
}

async function cancelMine(debrief) {
  await api("POST", `/wellbeing/debriefs/${debrief.id}/cancel`, { json: {} }).catch(failed);
}

function askDialog() {
  const note = h("textarea", { id: "wellbeing-ask-note", rows: 3, maxlength: 500 });
  openDialog({
    name: "wellbeing-ask",
    title: t("wellbeing_ask_title"),
    fill: (body) => body.append(field("wellbeing_ask_note", note)),
    async onConfirm() {
      const words = note.value.trim();
      await api("POST", "/wellbeing/requests", { json: words ? { note: words } : {} });
      toast(t("wellbeing_asked"));
    },
  });
}

function holdDialog(debrief) {
  const note = h("textarea", { id: "wellbeing-hold-note", rows: 4, maxlength: 2000, required: true });
  openDialog({
    name: "wellbeing-hold",
    title: t("wellbeing_hold_title", { name: debrief.name }),
    fill: (body) => body.append(
      h("p", { text: `${dateTime(debrief.flagged_at)} · ${reasons(debrief.reasons)}` }),
      ...(debrief.request_note ? [h("blockquote", { text: debrief.request_note })] : []),
      field("wellbeing_hold_note", note)),
    async onConfirm() {
      await api("POST", `/wellbeing/debriefs/${debrief.id}/hold`, { json: { note: note.value.trim() } });
    },
  });
}

/** Draw the ``notices`` part: regulations to read, the next training, the training page. */
export function renderNotices(part) {
  shown.notices = part || null;
  const box = $("notices");
  const items = [];
  if (part?.unread) {
    items.push(h("p", { id: "notices-unread", class: part.overdue ? "notices-overdue" : "",
      text: plural("notices_unread", part.unread) }));
    items.push(h("ul", { id: "notices-regulations" }, ...part.regulations.map((item) =>
      h("li", { dataset: { regulationId: item.id }, class: item.overdue ? "overdue" : "" },
        `${pick(item.title)} — ${item.overdue ? t("notices_overdue") : t("notices_due", { date: dateTime(item.acknowledge_by) })}`))));
  }
  if (part?.training) {
    const training = part.training;
    const where = training.place ? ` · ${training.place}` : "";
    items.push(h("p", { id: "notices-training",
      text: t("notices_training", { when: dateTime(training.starts_at), title: pick(training.title) }) + where }));
  }
  if (items.length) {
    items.push(h("a", { id: "notices-open", href: "/training/", target: "_blank", rel: "opener", text: t("notices_open") }));
  } else {
    items.push(h("p", { class: "muted", text: t("notices_none") }));
  }
  box.replaceChildren(...items);
}
