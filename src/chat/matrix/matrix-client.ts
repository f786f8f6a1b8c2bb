// The matrix-js-sdk client as tocsin runs it: an in-memory store that resumes /sync from the
// stored token, a deadline on every request, a filter that leaves out what the bot never reads,
// and the sync's ups and downs in the log. The client lives in a ClientSlot the platform's parts
// share: set by start(), cleared by stop().
import {
  ClientEvent,
  createClient,
  Filter,
  type ISyncResponse,
  type MatrixClient,
  SyncState,
} from "matrix-js-sdk";
import type { Logger } from "pino";
import { boundedFetch } from "../../http/keep-alive-fetch.ts";
import { ResumableMemoryStore } from "./resumable-store.ts";
import { sdkLogger } from "./sdk-logger.ts";

/** The running client; undefined before start() and after stop(). */
export class ClientSlot {
  current: MatrixClient | undefined;

  require(): MatrixClient {
    if (!this.current) throw new Error("the Matrix platform is not started");
    return this.current;
  }
}

export interface ClientSettings {
  homeserverUrl: string;
  accessToken: string;
  userId: string;
  deviceId?: string;
  /** Any request other than /sync that takes longer counts as a network failure. */
  requestTimeoutMs: number;
}

export function createMatrixClient(
  settings: ClientSettings,
  log: Logger,
  savedSyncToken: string | null,
  onSyncBatch: (response: ISyncResponse) => Promise<void>,
): MatrixClient {
  return createClient({
    baseUrl: settings.homeserverUrl,
    accessToken: settings.accessToken,
    userId: settings.userId,
    deviceId: settings.deviceId,
    store: new ResumableMemoryStore(savedSyncToken, onSyncBatch),
    logger: sdkLogger(log),
    timelineSupport: false,
    fetchFn: (input, init) => fetchWithDeadline(input, init, settings.requestTimeoutMs),
  });
}

/** Only what the bot reads: room timelines (up to `timelineLimit` per batch) and state. */
export function syncFilter(userId: string, timelineLimit: number): Filter {
  const filter = new Filter(userId);
  filter.setDefinition({
    room: {
      timeline: { limit: timelineLimit },
      ephemeral: { not_types: ["*"] },
      account_data: { not_types: ["*"] },
    },
    presence: { not_types: ["*"] },
  });
  return filter;
}

/** Resolves once the client's first sync is through (SyncState.Prepared). */
export function firstSync(client: MatrixClient): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSync = (state: SyncState) => {
      if (state !== SyncState.Prepared) return;
      client.off(ClientEvent.Sync, onSync);
      resolve();
    };
    client.on(ClientEvent.Sync, onSync);
  });
}

export function logSyncStates(client: MatrixClient, log: Logger, resumed: boolean): void {
  client.on(ClientEvent.Sync, (state, previous, data) => {
    if (state === previous) return;
    const error = data?.error;
    switch (state) {
      case SyncState.Prepared:
        log.info({ resumed }, "Matrix sync ready");
        break;
      case SyncState.Syncing:
        if (previous !== SyncState.Prepared) log.info({ previous }, "Matrix sync running again");
        break;
      case SyncState.Reconnecting:
        log.warn({ err: error }, "Matrix sync interrupted; reconnecting");
        break;
      case SyncState.Error:
        log.error({ err: error }, "Matrix homeserver unreachable; retrying with backoff");
        break;
      case SyncState.Catchup:
        log.info("Matrix homeserver reachable again; catching up");
        break;
      case SyncState.Stopped:
        log.debug("Matrix sync stopped");
        break;
    }
  });
}

/** Redirects followed for one request, as many as fetch follows; past them the request fails. */
const MAX_REDIRECTS = 20;
/** Headers that carry credentials: never sent on to another origin (fetch drops them too). */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

/**
 * fetch with a deadline for every request (a hung connection becomes a network failure the
 * retry policy sees); /sync gets its long-poll time on top. On keep-alive-fetch (node:http), as
 * the Slack platform's requests are: Node's own fetch (undici) costs ~200 ms of CPU and ~17 MB of
 * RSS to load, which a start paid for the Matrix client's first requests alone. Bodies it does
 * not send (uploads of a Blob) go to the global fetch. Redirects are followed here, hop by hop on
 * keep-alive-fetch, within the one deadline: every answer stays size-capped, a request is sent
 * once per hop (never replayed), and the access token is dropped when a hop leaves the origin.
 */
export async function fetchWithDeadline(
  input: Parameters<typeof fetch>[0],
  init: RequestInit | undefined,
  requestTimeoutMs: number,
): Promise<Response> {
  let url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  const pollMs = url.pathname.endsWith("/sync") ? Number(url.searchParams.get("timeout") ?? 0) || 0 : 0;
  const deadlineMs = pollMs + requestTimeoutMs;
  const giveUpAt = Date.now() + deadlineMs;
  let request: RequestInit = init ?? {};
  let next: Parameters<typeof fetch>[0] = input;
  for (let hop = 0; ; hop++) {
    const response = await boundedFetch(Math.max(1, giveUpAt - Date.now()))(next, request);
    const location =
      response.status >= 300 && response.status < 400 ? response.headers.get("location") : null;
    if (location === null || init?.redirect === "manual") return response;
    if (init?.redirect === "error" || hop >= MAX_REDIRECTS)
      throw new TypeError("fetch failed", {
        cause: new Error(`redirected ${hop + 1} times (to ${location})`),
      });
    const target = new URL(location, url);
    if (target.protocol !== "https:" && target.protocol !== "http:")
      throw new TypeError("fetch failed", { cause: new Error(`redirected to a ${target.protocol} URL`) });
    request = redirectedRequest(request, response.status, target.origin !== url.origin);
    url = target;
    next = target;
  }
}

/** The request to send to a redirect's target, as fetch would send it. */
function redirectedRequest(request: RequestInit, status: number, crossOrigin: boolean): RequestInit {
  const method = (request.method ?? "GET").toUpperCase();
  // 303, and 301/302 after a POST, turn into a GET without a body (fetch's rule).
  const toGet =
    status === 303
      ? method !== "GET" && method !== "HEAD"
      : (status === 301 || status === 302) && method === "POST";
  let headers = plainHeaders(request.headers);
  if (crossOrigin) headers = headers.filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase()));
  if (toGet) headers = headers.filter(([name]) => !name.toLowerCase().startsWith("content-"));
  return { ...request, headers, ...(toGet ? { method: "GET", body: null } : {}) };
}

function plainHeaders(given: RequestInit["headers"]): Array<[string, string]> {
  if (!given) return [];
  if (Array.isArray(given)) return given.map(([name, value]) => [String(name), String(value)]);
  // Not `instanceof Headers`: reading that global loads Node's fetch (see above).
  if (typeof (given as Headers).entries === "function") return [...(given as Headers).entries()];
  return Object.entries(given as Record<string, string>);
}
