// @ts-check
// HTTP to the dispatch server: JSON in and out, the bearer token, errors with the server's text
// (in the interface language where the refusal names its sentence: detail_code, or its code).

import { said } from "./i18n.js";

const TOKEN_KEY = "dispatch112.token";

export class ApiError extends Error {
  /**
   * @param {number} status  the HTTP status
   * @param {string} detail  the server's own words
   * @param {?{detail_code?: string, code?: string, detail_params?: object}} [body]  the refusal
   */
  constructor(status, detail, body = null) {
    const spoken = body ? said(detail, body.detail_code || body.code, body.detail_params) : detail;
    super(spoken);
    this.status = status;
    this.detail = spoken; // what the person reads
    this.english = detail; // the server's own words
    this.body = body; // the whole refusal: code, and reasons and warnings of a card
  }
}

/** What went wrong, in words for the person: a refusal as the interface says it, else the
 * error's message (whatever was thrown). */
export function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

/** The token of this browser tab's session (kept across a reload, not across tabs). */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Sign in with username and password; returns the token answer. */
export async function signIn(username, password) {
  const body = new URLSearchParams({ username, password });
  const response = await fetch("/api/v1/auth/token", { method: "POST", body });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.detail || response.statusText, data);
  setToken(data.access_token);
  return data;
}

/**
 * Call the API: api("PATCH", "/cards/ID", {json, ifMatch}) → parsed JSON (or null).
 * @param {string} method
 * @param {string} path  under /api/v1
 * @param {{json?: unknown, ifMatch?: string | number | null}} [options]  a body, a version
 * @returns {Promise<any>}
 */
export async function api(method, path, { json, ifMatch } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  const current = token();
  if (current) headers.Authorization = `Bearer ${current}`;
  if (json !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch !== undefined && ifMatch !== null) headers["If-Match"] = String(ifMatch);
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = (data && data.detail) || response.statusText;
    if (response.status === 401) window.dispatchEvent(new CustomEvent("signed-out"));
    throw new ApiError(response.status, typeof detail === "string" ? detail : JSON.stringify(detail), data);
  }
  return data;
}
