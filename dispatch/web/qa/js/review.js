// @ts-check
// Scoring a call: the recording (every play is reported to the audit log), the call, its card
// and timeline beside the scorecard form. A second submit of one's own evaluation is a new
// revision; the earlier ones stay. A recording that cannot be loaded says so and why, and the
// call is scored all the same. People by full name, statuses and names in the interface
// language, times and numbers in its locale.

import { api, errorText } from "/common/js/api.js";
import { fill, h, num, oneAtATime, stamp, table } from "/common/js/dom.js";
import { LANGUAGE_NAMES, language, pick, t } from "/common/js/i18n.js";

const ANSWERS = ["yes", "no", "na"];

/** The page of one call; ``query`` may name a calibration session (?calibration=ID). */
export async function showCall(ctx, callId, query) {
  const calibrationId = query.get("calibration");
  const review = await api("GET", `/qa/calls/${callId}?language=${language()}`);
  const who = (username) => (username ? review.names?.[username] || username : "");
  const mine = review.evaluations.find((e) => e.evaluator === ctx.me.username
    && (e.calibration_id || null) === (calibrationId || null));
  let scorecard;
  if (mine) {
    scorecard = await api("GET", `/qa/scorecards/${mine.scorecard}/versions/${mine.scorecard_version}`);
  } else if (calibrationId) {
    const session = await api("GET", `/qa/calibrations/${calibrationId}`);
    scorecard = await api("GET", `/qa/scorecards/${session.scorecard}/versions/${session.scorecard_version}`);
  } else {
    scorecard = await api("GET", "/qa/scorecards/ace");
  }
  if (!ctx.current()) return; // another call or page was asked for meanwhile
  const result = h("section", { className: "panel result", id: "result", hidden: !mine, "aria-live": "polite" });
  const state = { ctx, review, scorecard, mine, calibrationId, result, who };
  ctx.page.replaceChildren(h("div", { className: "columns review" },
    h("div", { className: "stack" }, recording(review.call), facts(review, who), cardPanel(review), timeline(review, who)),
    h("div", { className: "stack" }, scorecardForm(state), result)));
  if (mine) showResult(state, mine);
}

function recording(call) {
  const panel = h("section", { className: "panel", id: "recording" }, h("h2", {}, t("recording")));
  const url = call.media_url;
  if (!url) {
    panel.append(h("p", { className: "muted" }, call.channel === "sms" || call.channel === "email" ? t("text_call") : t("no_recording")));
    return panel;
  }
  const plays = h("p", { className: "muted", id: "plays", dataset: { count: "0" } });
  if (!/^(https?:)?\//.test(url)) {
    panel.append(h("p", { className: "muted" }, t("recording_elsewhere")), h("code", {}, url));
    return panel;
  }
  // Metadata is loaded at once, so a recording that is missing, refused or unreachable says so
  // before anyone presses play (the player is then taken away, not left dead).
  const audio = h("audio", { id: "audio", controls: true, preload: "metadata", src: url });
  const play = h("p", {}, h("button", { type: "button", id: "play", onclick: () => audio.play().catch(() => {}) }, `▶ ${t("play")}`));
  const failure = h("p", { className: "error", id: "recording-error", role: "alert", hidden: true });
  audio.addEventListener("error", async () => {
    const code = audio.error?.code;
    if (code === 1 || !failure.hidden) return; // MEDIA_ERR_ABORTED: stopped on purpose
    const reason = await failureReason(url, code);
    audio.hidden = true;
    play.hidden = true;
    panel.dataset.state = "failed";
    failure.dataset.reason = reason;
    failure.hidden = false;
    fill(failure, t("recording_failed", { reason: t(`recording_${reason}`) }), " ", h("code", {}, url));
  });
  // Every start of playback is reported; the server writes it to the audit log.
  audio.addEventListener("play", async () => {
    try {
      await api("POST", `/qa/calls/${call.id}/plays`, { json: { position_s: audio.currentTime || 0 } });
      plays.dataset.count = String(Number(plays.dataset.count) + 1);
      plays.textContent = t("plays_recorded", { count: plays.dataset.count });
    } catch (error) {
      audio.pause();
      plays.textContent = errorText(error);
    }
  });
  panel.append(audio, failure, play, plays);
  return panel;
}

/** Why a recording did not load: missing, refused, network, unplayable or unknown. */
async function failureReason(url, code) {
  if (code === 3) return "unplayable"; // MEDIA_ERR_DECODE
  // A media error hides the HTTP status; the page may ask for it only on its own origin.
  const address = new URL(url, location.href);
  if (address.origin !== location.origin) return code === 2 ? "network" : "unknown";
  try {
    const response = await fetch(address, { method: "HEAD", credentials: "same-origin" });
    if (response.status === 404 || response.status === 410) return "missing";
    if (response.status === 401 || response.status === 403) return "refused";
    return response.ok ? "unplayable" : "unknown";
  } catch {
    return "network";
  }
}

function facts(review, who) {
  const call = review.call;
  const rows = [
    [t("call_time"), stamp(call.created_at)],
    [t("channel"), `${t(`channel_${call.channel}`)} · ${LANGUAGE_NAMES[call.language] || call.language}`],
    [t("caller"), call.caller_number || call.caller_address || "—"],
    [t("operator"), who(call.operator) || "—"],
    [t("status"), t(`call_status_${call.status}`)],
    [t("answered_at"), stamp(call.answered_at) || "—"],
    [t("ended_at"), stamp(call.ended_at) || "—"],
    [t("talk_seconds"), num(call.talk_seconds, 0)],
    [t("in_plans"), review.plans.length ? num(review.plans.length) : t("not_in_plan")],
  ];
  return h("section", { className: "panel", id: "call-facts" }, h("h2", {}, t("call")),
    h("dl", { className: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])));
}

function cardPanel(review) {
  const card = review.card;
  const panel = h("section", { className: "panel", id: "card" }, h("h2", {}, t("card")));
  if (!card) {
    panel.append(h("p", { className: "muted" }, t("no_card")));
    return panel;
  }
  const incident = card.incident || {};
  const location = card.location || {};
  const rows = [
    [t("card_number"), card.number || "—"],
    [t("incident_type"), review.incident_type_name || incident.type || "—"],
    [t("description"), incident.description || "—"],
    [t("address"), location.address || "—"],
    [t("victims"), incident.victims === undefined || incident.victims === null ? "—" : num(incident.victims, 0)],
    [t("status"), card.status ? t(`card_status_${card.status}`) : "—"],
    [t("outcome"), card.outcome ? t(`outcome_${card.outcome}`) : "—"],
  ];
  panel.append(h("dl", { className: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])),
    h("details", {}, h("summary", {}, t("whole_card")), h("pre", {}, JSON.stringify(card, null, 2))));
  return panel;
}

function timeline(review, who) {
  const events = table([t("time"), t("event"), t("operator")],
    review.events.map((e) => [stamp(e.at), t(`event_${e.type}`), who(e.operator)]), { id: "timeline" });
  const panel = h("section", { className: "panel" }, h("h2", {}, t("timeline")), events);
  if (review.messages.length) {
    panel.append(h("h3", {}, t("conversation")), h("ol", { className: "messages" },
      review.messages.map((m) => h("li", { className: m.direction }, h("span", { className: "muted" }, stamp(m.at)), " ", m.text))));
  }
  return panel;
}

function scorecardForm(state) {
  const { scorecard, mine } = state;
  const definition = scorecard.definition;
  const previous = mine ? mine.answers : {};
  const sections = definition.sections.map((section) => h("fieldset", { className: "section" },
    h("legend", {}, `${pick(section.title)} `, h("span", { className: "chip" }, t("weight", { weight: num(section.weight) }))),
    section.items.map((item) => {
      const answer = previous[item.key]?.answer || "yes";
      return h("div", { className: "item", dataset: { item: item.key, deviation: item.deviation } },
        h("span", { className: "item-text" }, pick(item.text), " ",
          h("span", { className: `chip deviation ${item.deviation}` }, `${num(item.points)} · ${t(`deviation_${item.deviation}`)}`)),
        h("span", { className: "answers", role: "radiogroup" }, ANSWERS.map((value) =>
          h("label", {}, h("input", {
            type: "radio", name: `answer-${item.key}`, id: `answer-${item.key}-${value}`, value, checked: value === answer,
          }), t(`answer_${value}`)))),
        h("input", { className: "comment", name: `comment-${item.key}`, value: previous[item.key]?.comment || "",
          placeholder: t("comment"), maxLength: 2000 }));
    })));
  const comment = h("textarea", { id: "evaluation-comment", rows: 2, placeholder: t("overall_comment"), value: mine?.comment || "" });
  const reason = h("input", { id: "revision-reason", placeholder: t("revision_reason"), hidden: !mine });
  const error = h("p", { className: "error", role: "alert" });
  const submit = h("button", { type: "submit", className: "primary", id: "submit-evaluation" }, mine ? t("save_revision") : t("submit"));
  const form = h("form", { className: "panel scorecard", id: "scorecard-form" },
    h("h2", {}, `${scorecard.title} · v${scorecard.version}`),
    state.calibrationId ? h("p", { className: "chip" }, t("calibration_mode")) : null,
    sections, comment, reason, error, submit);
  form.addEventListener("submit", oneAtATime(async () => {
    error.textContent = "";
    const answers = {};
    for (const section of definition.sections) {
      for (const item of section.items) {
        /** @type {?HTMLInputElement} */
        const chosen = form.querySelector(`input[name="answer-${item.key}"]:checked`);
        /** @type {HTMLInputElement} */
        const noteField = form.querySelector(`input[name="comment-${item.key}"]`);
        const note = noteField.value.trim();
        answers[item.key] = { answer: chosen ? chosen.value : "yes", comment: note || null };
      }
    }
    try {
      let saved;
      if (state.mine) {
        saved = await api("PUT", `/qa/evaluations/${state.mine.id}`, {
          json: { answers, comment: comment.value.trim() || null, reason: reason.value.trim() || null },
        });
      } else {
        const body = { call_id: state.review.call.id, scorecard: scorecard.key, scorecard_version: scorecard.version,
          answers, comment: comment.value.trim() || null };
        if (state.calibrationId) body.calibration_id = state.calibrationId;
        saved = await api("POST", "/qa/evaluations", { json: body });
      }
      state.mine = saved;
      submit.textContent = t("save_revision");
      reason.hidden = false;
      reason.value = "";
      state.ctx.toast(t("evaluation_saved", { score: num(saved.score), level: t(`level_${saved.level}`) }));
      showResult(state, saved);
    } catch (failure) {
      error.textContent = errorText(failure);
    }
  }));
  return form;
}

function itemText(scorecard, key) {
  for (const section of scorecard.definition.sections) {
    for (const item of section.items) if (item.key === key) return pick(item.text);
  }
  return key;
}

function showResult(state, evaluation) {
  const { result, scorecard } = state;
  const missed = Object.entries(evaluation.answers).filter(([, a]) => a.answer === "no").map(([key]) => key);
  result.hidden = false;
  result.dataset.level = evaluation.level;
  fill(result,
    h("h2", {}, t("result")),
    h("p", { className: "score-line" }, h("strong", { id: "score" }, num(evaluation.score)), " / 100 · ",
      h("span", { id: "level", className: `level ${evaluation.level}` }, t(`level_${evaluation.level}`)),
      " · ", t("revision_n", { n: num(evaluation.revision) })),
    evaluation.critical_failures.length
      ? h("p", { className: "error", id: "critical" }, t("critical_failed", { items: evaluation.critical_failures.map((k) => itemText(scorecard, k)).join(", ") }))
      : null,
    evaluation.in_plan ? null : h("p", { className: "chip warn", id: "not-in-plan" }, t("not_in_plan_scored")),
    missed.length && !evaluation.calibration_id && evaluation.operator
      ? h("div", {}, h("h3", {}, t("training_topics")), h("ul", { className: "missed" }, missed.map((key) =>
        h("li", {}, itemText(scorecard, key), " ", h("button", {
          type: "button", dataset: { topic: key },
          onclick: async (event) => {
            try {
              await api("POST", "/qa/training-topics", { json: { evaluation_id: evaluation.id, item: key } });
              event.target.disabled = true;
              event.target.textContent = t("topic_assigned", { operator: state.who(evaluation.operator) });
            } catch (failure) {
              state.ctx.toast(errorText(failure), "error");
            }
          },
        }, t("assign_topic"))))))
      : null,
  );
}
