// @ts-check
// Keyboard first: every action has a shortcut. Alt+letter works while typing in a field;
// "?" and the arrows only outside fields. (Alt+D, Alt+E and Alt+F belong to the browser.)
// The supervisor console passes its own list to installShortcuts and shortcutTable.

import { t } from "./i18n.js";

export const SHORTCUTS = [
  { keys: "?", label: "key_help", action: "help", typing: false },
  { keys: "F1", label: "key_help", action: "help" },
  { keys: "Alt+1", label: "key_available", action: "available" },
  { keys: "Alt+2", label: "key_break", action: "break" },
  { keys: "Alt+0", label: "key_signed_out", action: "signOutQueue" },
  { keys: "Alt+A", label: "key_accept", action: "accept" },
  { keys: "Alt+X", label: "key_decline", action: "decline" },
  { keys: "Alt+T", label: "key_type", action: "focusType" },
  { keys: "Alt+L", label: "key_address", action: "focusAddress" },
  { keys: "Alt+V", label: "key_victims", action: "focusVictims" },
  { keys: "Alt+H", label: "key_hazards", action: "focusHazards" },
  { keys: "Alt+W", label: "key_description", action: "focusDescription" },
  { keys: "Alt+N", label: "key_note", action: "focusNote" },
  { keys: "Alt+I", label: "key_script", action: "nextScriptStep" },
  { keys: "Alt+R", label: "key_route", action: "route" },
  { keys: "Alt+S", label: "key_escalate", action: "escalate" },
  { keys: "Alt+C", label: "key_close", action: "closeCard" },
  { keys: "Alt+P", label: "key_accept_location", action: "acceptLocation" },
  { keys: "Alt+Shift+P", label: "key_dismiss_location", action: "dismissLocation" },
  { keys: "Alt+K", label: "key_confirm_location", action: "confirmLocation" },
  { keys: "Alt+J", label: "key_map", action: "focusMap" },
  { keys: "Alt+M", label: "key_reply", action: "focusReply" },
  { keys: "Alt+O", label: "key_caller_history", action: "callerHistory" },
  { keys: "Alt+U", label: "key_incidents", action: "focusIncidents" },
  { keys: "Alt+Y", label: "key_protocol", action: "protocol" },
  { keys: "Alt+Shift+Y", label: "key_protocol_choose", action: "chooseProtocol" },
  { keys: "Alt+Q", label: "key_referrals", action: "referrals" },
  { keys: "Alt+3", label: "key_hold", action: "hold" },
  { keys: "Alt+4", label: "key_transfer", action: "transfer" },
  { keys: "Alt+5", label: "key_conference", action: "conference" },
  { keys: "Alt+6", label: "key_leave_call", action: "leaveCall" },
  { keys: "Alt+B", label: "key_take_break", action: "takeBreak" },
  { keys: "Alt+Shift+B", label: "key_not_now", action: "notNow" },
  { keys: "Alt+ArrowDown", label: "key_next_card", action: "nextCard" },
  { keys: "Alt+ArrowUp", label: "key_next_card", action: "previousCard" },
  { keys: "Alt+Z", label: "key_larger_text", action: "largerText" },
  { keys: "Alt+G", label: "key_language", action: "nextLanguage" },
  { keys: "Escape", label: "key_escape", action: "escape" },
];

function combo(event) {
  const modifiers = [];
  if (event.ctrlKey) modifiers.push("Ctrl");
  if (event.altKey) modifiers.push("Alt");
  let key = event.key;
  if (event.altKey || event.ctrlKey) {
    // The physical key, so shortcuts work on Uzbek, Russian and English layouts alike.
    if (event.code.startsWith("Key")) key = event.code.slice(3);
    else if (event.code.startsWith("Digit")) key = event.code.slice(5);
  }
  if (event.shiftKey && (event.altKey || event.ctrlKey || key.length > 1)) modifiers.push("Shift");
  return [...modifiers, key].join("+");
}

function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** Listen for the shortcuts and call ``actions[name]()`` for each. */
export function installShortcuts(actions, shortcuts = SHORTCUTS) {
  document.addEventListener("keydown", (event) => {
    const pressed = combo(event);
    const shortcut = shortcuts.find((s) => s.keys === pressed);
    if (!shortcut) return;
    if (shortcut.typing === false && typing(event.target)) return;
    const handler = actions[shortcut.action];
    if (!handler) return;
    event.preventDefault();
    event.stopPropagation();
    handler();
  }, true);
}

// Keys that act where the focus is (not shortcuts): a list to choose from, the operator's map.
const PICK = ["↑ ↓ Enter", "key_pick"];
const FOCUSED = [PICK, ["Alt+J: ← ↑ → ↓ (Shift) Enter", "key_map_move"],
  ["Alt+Y: Y N 1–9 Enter Space P ↑ ↓", "key_protocol_walk"]];

/** The help overlay's table of shortcuts, in the interface language (then the keys of a
 * focused list, and of the map on the operator's own table). */
export function shortcutTable(shortcuts = SHORTCUTS, focused = shortcuts === SHORTCUTS ? FOCUSED : [PICK]) {
  const table = document.createElement("table");
  table.className = "shortcuts";
  const rows = new Map(); // label -> its cell of keys: one row per action
  for (const shortcut of shortcuts) {
    if (!rows.has(shortcut.label)) {
      const row = table.insertRow();
      rows.set(shortcut.label, row.insertCell());
      row.insertCell().textContent = t(shortcut.label);
    }
    const kbd = document.createElement("kbd");
    kbd.textContent = shortcut.keys.replace("ArrowDown", "↓").replace("ArrowUp", "↑");
    rows.get(shortcut.label).append(kbd);
  }
  for (const [keys, label] of focused) {
    const row = table.insertRow();
    const kbd = document.createElement("kbd");
    kbd.textContent = keys;
    row.insertCell().append(kbd);
    row.insertCell().textContent = t(label);
  }
  return table;
}
