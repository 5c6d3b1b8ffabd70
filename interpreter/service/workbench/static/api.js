// Requests to the service; a problem+json answer becomes a thrown ProblemError with its diagnostics.
// Every request carries the bearer token when the server asked for one (see token.js).
import { storedToken, forget, askToken } from "./token.js";

export class ProblemError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.errors = this.body.errors || [];
  }
}

async function answer(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ProblemError(response.status, typeof body === "object" ? body : { detail: body });
  return body;
}

/** `fetch` with the token; a 401 asks for the token (once for all requests refused together) and tries again. */
async function request(url, init = {}) {
  for (;;) {
    const token = storedToken();
    const headers = { ...(init.headers || {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    const response = await fetch(url, { ...init, headers });
    if (response.status !== 401) return answer(response);
    const now = storedToken();
    if (now && now !== token) continue; // a token was given meanwhile (another request's dialog): use it
    forget(token);
    if (!(await askToken(token !== null))) return answer(response); // cancelled: the 401 problem is thrown
  }
}

/** GET a JSON resource. */
export async function getJson(url) { return request(url); }

/** POST (or another method) with a body: an object is sent as JSON, a string as YAML text. */
export async function send(url, body, method = "POST", headers = {}) {
  const isText = typeof body === "string";
  return request(url, {
    method, body: isText ? body : JSON.stringify(body),
    headers: { "Content-Type": isText ? "application/yaml" : "application/json", ...headers },
  });
}

/** Call `fn` once `ms` after the last of a burst of calls; only the latest call's answer is used. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

/** Run async `fn`, dropping the answers of calls overtaken by a later one. */
export function latest(fn) {
  let counter = 0;
  return async (...args) => {
    const mine = ++counter;
    const result = await fn(...args);
    return mine === counter ? result : undefined;
  };
}
