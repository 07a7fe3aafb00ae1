// @ts-check
// DOM helpers the operator and supervisor consoles share: elements built from data (text only,
// never HTML from data), the toast and the connection badge.

import { t } from "./i18n.js";

/**
 * An element: h("td", {class: "x", text: "…", dataset: {key: "…"}, onclick}, ...children).
 * @template {string} K
 * @param {K} tag
 * @param {Record<string, any>} [attributes]
 * @param {...(Node | string | null | undefined)} children
 * @returns {K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : HTMLElement}
 */
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
  return /** @type {any} */ (node);
}

let toastTimer = null;

/** A short message in #toast (an error stays longer). */
export function toast(message, isError = false) {
  const node = document.getElementById("toast");
  node.textContent = message;
  node.className = isError ? "toast error" : "toast";
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (node.hidden = true), isError ? 6000 : 1500);
}

/** Show the stream's status in #connection (without one: relabel the status shown). */
export function connectionStatus(status = document.getElementById("connection").dataset.status) {
  const node = document.getElementById("connection");
  node.dataset.status = status;
  node.textContent = t({ connected: "connected", reconnecting: "reconnecting", connecting: "reconnecting" }[status] || "offline");
}
