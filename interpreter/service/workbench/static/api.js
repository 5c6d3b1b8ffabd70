// Requests to the service; a problem+json answer becomes a thrown ProblemError with its diagnostics.

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

/** GET a JSON resource. */
export async function getJson(url) { return answer(await fetch(url)); }

/** POST (or another method) with a body: an object is sent as JSON, a string as YAML text. */
export async function send(url, body, method = "POST", headers = {}) {
  const isText = typeof body === "string";
  const response = await fetch(url, {
    method, body: isText ? body : JSON.stringify(body),
    headers: { "Content-Type": isText ? "application/yaml" : "application/json", ...headers },
  });
  return answer(response);
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
