// A `fetch` for the chat platforms' small JSON and form requests (the Slack Web API, response_url
// answers), on node:http with keep-alive connections. The global fetch (undici) costs several
// hundred microseconds of CPU per request in streams, abort plumbing and Response objects:
// a quarter of a command's CPU when each command makes two or three requests. This one answers
// what its callers use (status, headers, text, json, arrayBuffer) once the body is in.
//
// It behaves as fetch does where callers look: a network failure rejects with TypeError
// "fetch failed" (its cause attached), an aborted signal with the signal's reason (TimeoutError
// for AbortSignal.timeout). No redirects are followed (callers send `redirect: "error"` or treat a
// 3xx as a failure); bodies other than a string or bytes (FormData uploads) go to the global fetch,
// except through cappedRequest (the Matrix client's), which never falls back to it.
//
// Every request has a deadline of its own, for its whole answer (connection, headers and body),
// whatever signal its caller passes or forgets: a peer that accepts and never answers, or sends
// headers and then trickles its body, cannot hold a request (and its lane) forever.
import http from "node:http";
import https from "node:https";

/** Longest answer read; a larger one fails the request (chat APIs answer in kilobytes). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/**
 * The longest a request waits for its whole answer. Above the callers' own timeouts (the Slack
 * client's and response_url's 15 s), so theirs decide when they give one; this is the bound when
 * a caller gives none.
 */
export const DEFAULT_DEADLINE_MS = 30_000;

/**
 * The answer did not arrive in full within the deadline. Named TimeoutError, as an expired
 * AbortSignal.timeout is, so callers classify it as the timeout it is.
 */
export class FetchDeadlineExceeded extends Error {
  readonly code = "http.fetch_deadline";

  constructor(url: URL, deadlineMs: number) {
    super(`no complete answer from ${url.host} within ${deadlineMs} ms`);
    this.name = "TimeoutError";
  }
}

/** Connections kept open to one host by one pool; past it, requests queue for a socket. */
export const MAX_SOCKETS_PER_HOST = 64;

interface SocketPool {
  "http:": http.Agent;
  "https:": https.Agent;
}

function socketPool(): SocketPool {
  return {
    "http:": new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
  };
}

const sharedPool = socketPool();

class ReadHeaders {
  readonly #raw: http.IncomingHttpHeaders;

  constructor(raw: http.IncomingHttpHeaders) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }

  has(name: string): boolean {
    return this.#raw[name.toLowerCase()] !== undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.#raw)) yield [name, this.get(name) ?? ""];
  }

  [Symbol.iterator]() {
    return this.entries();
  }
}

class ReadResponse {
  readonly status: number;
  readonly statusText: string;
  readonly url: string;
  readonly headers: ReadHeaders;
  readonly redirected = false;
  readonly #body: Buffer;

  constructor(url: string, message: http.IncomingMessage, body: Buffer) {
    this.url = url;
    this.status = message.statusCode ?? 0;
    this.statusText = message.statusMessage ?? "";
    this.headers = new ReadHeaders(message.headers);
    this.#body = body;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  async text(): Promise<string> {
    return this.#body.toString("utf8");
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.#body.toString("utf8"));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const { buffer, byteOffset, byteLength } = this.#body;
    return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
  }

  async blob(): Promise<Blob> {
    return new Blob([this.#body], { type: this.headers.get("content-type") ?? "" });
  }
}

function headersOf(given: RequestInit["headers"]): Record<string, string> {
  if (!given) return {};
  // Told apart without naming Headers or Request: Node's globals of those names load its fetch
  // (undici) on first read, ~200 ms of CPU and ~17 MB of RSS that tocsin otherwise never needs.
  if (!Array.isArray(given) && typeof (given as Headers).entries === "function")
    return Object.fromEntries((given as Headers).entries());
  if (Array.isArray(given)) return Object.fromEntries(given);
  return given as Record<string, string>;
}

function networkFailure(cause: unknown): TypeError {
  return new TypeError("fetch failed", { cause });
}

/** The deadline timers running now: each path a request ends by clears its own (tests read it). */
const runningDeadlines = new Set<NodeJS.Timeout>();

/** The deadline timers running now; a seam for tests (a request's own must be gone once it ends). */
export function runningDeadlineTimers(): readonly NodeJS.Timeout[] {
  return [...runningDeadlines];
}

/**
 * Calls `expire` after `ms` unless the returned function is called first. Unreferenced: a
 * deadline never keeps the process alive by itself (a stopping process waits for no request's
 * timer), and it is cleared on every path a request ends by, so none lingers until it fires.
 */
export function startDeadline(ms: number, expire: () => void): () => void {
  const timer = setTimeout(() => {
    runningDeadlines.delete(timer);
    expire();
  }, ms);
  timer.unref();
  runningDeadlines.add(timer);
  return () => {
    clearTimeout(timer);
    runningDeadlines.delete(timer);
  };
}

/** The global fetch, bounded by the deadline too (its signal also ends the body's reading). */
function globalFetch(input: string | URL | Request, init: RequestInit, deadlineMs: number) {
  const deadline = AbortSignal.timeout(deadlineMs);
  return fetch(input, { ...init, signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
}

/** keepAliveFetch with another deadline (tests; a caller that needs a longer one). */
export function boundedFetch(deadlineMs: number, pool: SocketPool = sharedPool): typeof fetch {
  return ((input: string | URL | Request, init: RequestInit = {}) =>
    fetchBounded(input, init, deadlineMs, pool)) as typeof fetch;
}

/**
 * keepAliveFetch on sockets of its own: for a lane that must never wait for a socket behind the
 * shared pool's requests (pages: a backlog of slow summary edits can hold every shared socket).
 */
export function keepAliveFetchOfItsOwn(): typeof fetch {
  return boundedFetch(DEFAULT_DEADLINE_MS, socketPool());
}

function fetchBounded(
  input: string | URL | Request,
  init: RequestInit,
  deadlineMs: number,
  pool: SocketPool,
): Promise<unknown> {
  const body = init.body;
  const plainBody =
    body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
  const aRequest = typeof input !== "string" && !(input instanceof URL);
  if (aRequest || !plainBody) return globalFetch(input, init, deadlineMs);
  const url = typeof input === "string" ? new URL(input) : input;
  if (!pool[url.protocol as keyof SocketPool]) return globalFetch(input, init, deadlineMs);
  return cappedRequest(url, init as CappedRequestInit, deadlineMs, { pool });
}

/** What cappedRequest sends: only bodies it can send itself (never handed to the global fetch). */
export interface CappedRequestInit {
  method?: string;
  headers?: RequestInit["headers"];
  body?: string | Uint8Array | null;
  signal?: AbortSignal | null;
}

/** An address checked already: the connection goes there, whatever the URL's host resolves to now. */
export interface PinnedAddress {
  address: string;
  family: number;
}

/** Sockets that connect to `pinned` only, for one request (no reuse of a socket made before the check). */
function pinnedPool(pinned: PinnedAddress): SocketPool {
  const lookup = (
    _host: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | PinnedAddress[], family?: number) => void,
  ) => {
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
  return {
    "http:": new http.Agent({ keepAlive: false, lookup } as http.AgentOptions),
    "https:": new https.Agent({ keepAlive: false, lookup } as https.AgentOptions),
  };
}

/**
 * One request on node:http with its answer capped at MAX_RESPONSE_BYTES and a deadline for all
 * of it; never the global fetch (a body or URL it cannot send fails). With `pinned`, the
 * connection goes to that address (Host and the TLS name stay the URL's): the address a redirect
 * check approved is the one used, with no second resolution between check and connection.
 */
export function cappedRequest(
  url: URL,
  init: CappedRequestInit,
  deadlineMs: number,
  options: { pool?: SocketPool; pinned?: PinnedAddress } = {},
): Promise<Response> {
  const pool = options.pinned ? pinnedPool(options.pinned) : (options.pool ?? sharedPool);
  const agent = pool[url.protocol as keyof SocketPool];
  if (!agent) return Promise.reject(networkFailure(new Error(`${url.protocol} URLs are not fetched`)));
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const body = init.body;
  const href = url.href;
  return new Promise((resolve, reject) => {
    let settled = false;
    let answered = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      stopDeadline();
      signal?.removeEventListener("abort", onAbort);
      outcome();
    };
    const onAbort = () => {
      request.destroy();
      finish(() => reject(signal?.reason));
    };
    const stopDeadline = startDeadline(deadlineMs, () => {
      request.destroy();
      finish(() => reject(new FetchDeadlineExceeded(url, deadlineMs)));
    });
    const module = url.protocol === "https:" ? https : http;
    const request = module.request(
      url,
      { method: init.method ?? "GET", headers: headersOf(init.headers), agent },
      (message) => {
        answered = true;
        const chunks: Buffer[] = [];
        let length = 0;
        message.on("data", (chunk: Buffer) => {
          length += chunk.length;
          if (length > MAX_RESPONSE_BYTES) {
            request.destroy();
            finish(() => reject(networkFailure(new Error(`answer larger than ${MAX_RESPONSE_BYTES} bytes`))));
            return;
          }
          chunks.push(chunk);
        });
        message.on("end", () => {
          const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
          finish(() => resolve(new ReadResponse(href, message, all) as unknown as Response));
        });
        message.on("error", (error) => finish(() => reject(networkFailure(error))));
        // Closed before its end without an error: still a failure, and its deadline cleared.
        message.on("close", () =>
          finish(() => reject(networkFailure(new Error("the answer ended before it was complete")))),
        );
      },
    );
    request.on("error", (error) => finish(() => reject(networkFailure(error))));
    request.on("close", () => {
      if (!answered)
        finish(() => reject(networkFailure(new Error("the connection closed without an answer"))));
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    if (body === undefined || body === null) request.end();
    else request.end(body);
  });
}

export const keepAliveFetch = boundedFetch(DEFAULT_DEADLINE_MS);

/**
 * `keepAliveFetch` that gives up after `timeoutMs` (a TimeoutError, as AbortSignal.timeout
 * gives). The timer is cleared once the answer is in: AbortSignal.timeout's cannot be, so each
 * request would keep one alive for the whole timeout and then allocate an error nobody reads.
 */
export async function fetchWithin(timeoutMs: number, url: string, init: RequestInit): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
    timeoutMs,
  );
  try {
    return await keepAliveFetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}
