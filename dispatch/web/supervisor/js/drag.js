// @ts-check
// Drag and drop on the supervisor console (HTML5, delegated on the document, so panels redrawn
// by the stream keep working). What can go where:
//   a waiting call (data-drag="call")     → a queue row or an operator row: move it there
//   an operator    (data-drag="operator") → a queue row: serve that queue; a state: change to it
//   a skill        (data-drag="skill")    → an operator row: give them the skill
// The panels are not redrawn while something is dragged (the dragged row must stay in place).

const ACCEPTS = { queue: ["call", "operator"], operator: ["call", "skill"], state: ["operator"] };
const TYPE = "application/x-dispatch112";

let current = null;

function dragged(event) {
  if (current) return current;
  try {
    return JSON.parse(event.dataTransfer.getData(TYPE));
  } catch {
    return null;
  }
}

function target(event, item) {
  const node = event.target instanceof Element ? event.target.closest("[data-drop]") : null;
  if (!node || !item || !(ACCEPTS[node.dataset.drop] || []).includes(item.kind)) return null;
  if (item.kind === "operator" && node.dataset.drop === "operator") return null;
  return node;
}

function clearHighlight() {
  for (const node of document.querySelectorAll(".drop-over")) node.classList.remove("drop-over");
}

/**
 * ``onDrop(item, place)``: item {kind, key}, place {kind: "queue"|"operator"|"state", key};
 * ``onDragging(flag)``: a drag began or ended.
 */
export function installDrag({ onDrop, onDragging }) {
  document.addEventListener("dragstart", (event) => {
    const source = event.target instanceof Element ? event.target.closest("[data-drag]") : null;
    if (!(source instanceof HTMLElement)) return;
    current = { kind: source.dataset.drag, key: source.dataset.key || source.dataset.skill };
    event.dataTransfer.setData(TYPE, JSON.stringify(current));
    event.dataTransfer.setData("text/plain", current.key);
    event.dataTransfer.effectAllowed = "move";
    source.classList.add("dragging");
    onDragging(true);
  });
  document.addEventListener("dragend", (event) => {
    if (event.target instanceof Element) event.target.classList.remove("dragging");
    current = null;
    clearHighlight();
    onDragging(false);
  });
  document.addEventListener("dragover", (event) => {
    const node = target(event, current);
    if (!node) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!node.classList.contains("drop-over")) {
      clearHighlight();
      node.classList.add("drop-over");
    }
  });
  document.addEventListener("dragleave", (event) => {
    if (event.target instanceof Element && event.target.matches("[data-drop]")) {
      event.target.classList.remove("drop-over");
    }
  });
  document.addEventListener("drop", (event) => {
    const item = dragged(event);
    const node = target(event, item);
    if (!node) return;
    event.preventDefault();
    clearHighlight();
    const place = { kind: node.dataset.drop, key: node.dataset.key || node.dataset.state };
    current = null;
    onDragging(false);
    onDrop(item, place);
  });
}
