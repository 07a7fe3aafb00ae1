// @ts-check
// The surge banner's texts in English (both streaming consoles: common/js/surge.js). The
// shared texts beside this folder are past 500 lines, so a feature's texts get a module.

export default {
  surge_banner: "The centre is in surge",
  surge_since: "since {time}",
  surge_why_short_erlang: "Erlang C needs {needed}, {staffed}",
  surge_needed: { one: "{count} operator", other: "{count} operators" },
  surge_working: { one: "{count} is working", other: "{count} are working" },
  surge_why_short_waiting: { one: "{count} caller waits past the target and nobody is free", other: "{count} callers wait past the target and nobody is free" },
  surge_why_switched_on: "switched on by {who}: {reason}",
  surge_why_switched_off: "switched off by {who}: {reason}",
  surge_why_staffed: "enough operators",
  surge_why_policy_off: "the surge policy is off in the settings",
  surge_why_no_model: "no service-level target to judge by",
  surge_operator_meaning: "Live calls first; callbacks of unclassified calls wait.",
  said_surge_reason_needed: "Say why the surge policy is switched by hand",
};
