// @ts-check
// The surge banner of both streaming consoles (the `surge` part: queues/surge.py): while the
// centre is in surge, a steady warning line (never flashing: it may stay up for hours) says so,
// since when and why, in the interface language. Nothing is shown when it is not.

import { fill, h } from "./dom.js";
import { addTexts, dateTime, hhmm, plural, t } from "./i18n.js";
import en from "./texts/surge/en.js";
import ru from "./texts/surge/ru.js";
import uz from "./texts/surge/uz.js";

addTexts({ uz, ru, en });

// A surge that began this long ago is dated, not only timed (a banner kept over a night shift).
const TIMED_WITHIN_MS = 12 * 3600 * 1000;

/** When ``iso`` was, short: the time of day when recent, else the date and time. */
export function surgeTime(iso) {
  if (!iso) return "";
  return Date.now() - Date.parse(iso) < TIMED_WITHIN_MS ? hhmm(iso) : dateTime(iso);
}

/** Why the centre is (or is not) in surge, in the interface language (the part's ``why`` code
 * with its figures, or who switched it by hand and their reason). */
export function surgeWhy(surge) {
  const figures = surge.figures || {};
  const count = (value) => Number(value ?? 0);
  switch (surge.why) {
    case "short_erlang":
      return t("surge_why_short_erlang", {
        needed: plural("surge_needed", count(figures.needed)),
        staffed: plural("surge_working", count(figures.staffed)),
      });
    case "short_waiting":
      return plural("surge_why_short_waiting", count(figures.waiting_past_target));
    case "switched_on":
    case "switched_off":
      return t(`surge_why_${surge.why}`, { who: surge.mode_set_by || "—", reason: surge.mode_reason || "—" });
    default:
      return t(`surge_why_${surge.why}`);
  }
}

/**
 * Show the banner in ``node`` (a role="status" region) while ``surge.active``, hide it
 * otherwise. ``meaning``: a text key saying what surge means for this console's person. The
 * content is replaced only when its words change, so a screen reader hears it once, not at
 * every judgement the ACD writes.
 * @param {HTMLElement} node
 * @param {any} surge  the part (absent before the first snapshot)
 * @param {{meaning?: string}} [options]
 */
export function drawSurgeBanner(node, surge, { meaning = "" } = {}) {
  const active = Boolean(surge?.active);
  node.hidden = !active;
  node.dataset.why = active ? surge.why : "";
  if (!active) {
    delete node.dataset.words;
    node.replaceChildren();
    return;
  }
  const since = surge.since ? ` ${t("surge_since", { time: surgeTime(surge.since) })}` : "";
  const words = [`${t("surge_banner")}${since}`, surgeWhy(surge), meaning ? t(meaning) : ""];
  if (node.dataset.words === words.join("\n")) return;
  node.dataset.words = words.join("\n");
  fill(node,
    h("span", { class: "surge-mark", "aria-hidden": "true", text: "⚠" }),
    h("strong", { class: "surge-title", text: `${words[0]}:` }),
    h("span", { class: "surge-why", text: words[1] }),
    words[2] ? h("span", { class: "surge-meaning", text: words[2] }) : null,
  );
}
