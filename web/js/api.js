// Every request of the page goes through here: the documented HTTP API (docs/openapi.yaml),
// with the bearer token when the server wants one, and errors turned into ApiError with the
// server's code, message and (for a bad filter) 1-based column. The page uses nothing a script
// could not call itself.

import { token, askToken } from "./token.js";

export class ApiError extends Error {
  constructor(status, code, message, position) {
    super(message);
    this.status = status;
    this.code = code;
    this.position = position;
  }
}

/** Whether an error is just a request we cancelled (a newer one replaced it). */
export function isAbort(e) { return e?.name === "AbortError"; }

/** `/api/v1/flows?…` from a path and params; empty and null params are left out. */
export function url(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
  }
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}

async function errorFrom(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: a proxy's page */ }
  const e = body?.error;
  return new ApiError(response.status, e?.code || "http_error",
    e?.message || `${response.status} ${response.statusText}`, e?.position);
}

/**
 * fetch with the token. A 401 asks for the token (once for all concurrent requests) and tries
 * again, so a page opened on a --token server simply asks and then carries on. When the form is
 * closed without a token, the request fails with a 401 ApiError ("Token needed…").
 */
export async function request(path, { params, method = "GET", body, headers = {}, signal } = {}) {
  let refused = false;
  for (;;) {
    const h = { ...headers };
    const t = token();
    if (t) h.Authorization = `Bearer ${t}`;
    let response;
    try {
      response = await fetch(url(path, params), { method, body, headers: h, signal });
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new ApiError(0, "network", "The server did not answer: is flowtrail serve still running?");
    }
    if (response.status === 401) {
      try {
        await askToken(refused || Boolean(t));
      } catch (e) {
        // The form was closed without a token: this request fails as the server answered.
        throw new ApiError(401, "unauthorized", e.message);
      }
      refused = true;
      continue;
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }
}

export async function getJSON(path, params, options = {}) {
  const r = await request(path, { ...options, params, headers: { Accept: "application/json" } });
  return r.json();
}

/** The answer's bytes as text, exactly as sent (downloads must equal what a script gets). */
export async function getText(path, params, options = {}) {
  const r = await request(path, { ...options, params });
  return r.text();
}

export async function postJSON(path, params, body, contentType, options = {}) {
  const r = await request(path, { ...options, method: "POST", params, body, headers: { "Content-Type": contentType, Accept: "application/json" } });
  return r.json();
}

/**
 * Reads an NDJSON stream (`follow=true`) line by line. fetch and a ReadableStream, not
 * EventSource: the token has to go in a header, which EventSource cannot send. Resolves when
 * the server ends the stream; rejects with AbortError when `signal` stops it.
 */
export async function streamLines(path, params, onLine, { signal, onOpen } = {}) {
  const r = await request(path, { params, signal });
  onOpen?.();
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += value;
    let nl;
    while ((nl = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) onLine(JSON.parse(line));
    }
  }
  if (rest.trim()) onLine(JSON.parse(rest));
}

// Small answers that do not change while the page is open: fetched once, shared.
const once = new Map();
export function cached(path) {
  if (!once.has(path)) {
    const p = getJSON(path).catch((e) => { once.delete(path); throw e; });
    once.set(path, p);
  }
  return once.get(path);
}
