// Small DOM helpers of the supervisor console.

/** An element: h("td", {class: "x", text: "…", dataset: {key: "…"}, onclick}, ...children). */
export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/** Seconds as m:ss (or h:mm:ss). */
export function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** A span that counts up from ``iso`` (the ticker keeps it current: data-since). */
export function since(iso, attributes = {}) {
  return h("span", { ...attributes, class: `since ${attributes.class || ""}`.trim(), dataset: { since: iso } });
}

/** Seconds between ``iso`` and ``now`` (milliseconds on the server's clock). */
export function secondsSince(iso, now) {
  return (now - Date.parse(iso)) / 1000;
}

/** A percent, or a dash when there is nothing to count yet. */
export function percent(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value)}%`;
}
