// The Matrix client's fetch: every request on keep-alive-fetch's capped client (node:http), with
// a deadline for the whole answer; /sync gets its long-poll time on top. Never Node's global fetch:
// it costs ~200 ms of CPU and ~17 MB of RSS to load, and its answers have no size cap. Bodies
// the SDK sends (JSON text, uploaded bytes, a Blob) become bytes; anything else fails loudly.
//
// Redirects are followed here, hop by hop, within the one deadline: every answer stays capped, a
// request is sent once per hop (never replayed), the access token is dropped when a hop leaves
// the origin, and a hop's target is resolved and checked first: a homeserver on the internet
// cannot send tocsin to loopback, link-local (cloud metadata), private or unique-local addresses
// (internal-addresses.ts). A homeserver that is itself on such an address (self-hosted on the
// LAN) may. The hop connects to the address checked, not to a second resolution of the name.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isInternalAddress } from "../../http/internal-addresses.ts";
import {
  type CappedRequestInit,
  cappedRequest,
  FetchDeadlineExceeded,
  type PinnedAddress,
  startDeadline,
} from "../../http/keep-alive-fetch.ts";

/** Redirects followed for one request, as many as fetch follows; past them the request fails. */
const MAX_REDIRECTS = 20;
/** Headers that carry credentials: never sent on to another origin (fetch drops them too). */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

/** A host name's addresses (the system's resolver unless a test gives a double). */
export type Resolver = (hostname: string) => Promise<PinnedAddress[]>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

function fetchFailed(reason: string): TypeError {
  return new TypeError("fetch failed", { cause: new Error(reason) });
}

/** A URL's host as an address or a name to resolve ("[::1]" -> "::1"). */
function hostOf(url: URL): string {
  const host = url.hostname;
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** Decides where a redirect may go, and to which address its connection goes. */
export class RedirectGuard {
  readonly #homeserver: URL;
  readonly #resolve: Resolver;
  #homeserverInternal: Promise<boolean> | undefined;

  constructor(homeserverUrl: string, resolve: Resolver = systemResolver) {
    this.#homeserver = new URL(homeserverUrl);
    this.#resolve = resolve;
  }

  /** The checked address a hop to `target` connects to; fails if it is internal and may not be. */
  async addressFor(target: URL): Promise<PinnedAddress> {
    const addresses = await this.#addressesOf(target);
    const internal = addresses.find((one) => isInternalAddress(one.address));
    if (internal && !(await this.#homeserverIsInternal()))
      throw fetchFailed(`redirected to ${target.host}, an internal address (${internal.address}): refused`);
    return addresses[0] as PinnedAddress;
  }

  async #addressesOf(url: URL): Promise<PinnedAddress[]> {
    const host = hostOf(url);
    const family = isIP(host);
    if (family !== 0) return [{ address: host, family }];
    const addresses = await this.#resolve(host).catch((error: unknown) => {
      throw new TypeError("fetch failed", { cause: error });
    });
    if (addresses.length === 0) throw fetchFailed(`${host} has no address`);
    return addresses;
  }

  /** Whether the configured homeserver is itself on an internal address (asked once; again after a failure). */
  #homeserverIsInternal(): Promise<boolean> {
    this.#homeserverInternal ??= this.#addressesOf(this.#homeserver)
      .then((addresses) => addresses.some((one) => isInternalAddress(one.address)))
      .catch((error: unknown) => {
        this.#homeserverInternal = undefined;
        throw error;
      });
    return this.#homeserverInternal;
  }
}

/**
 * fetch with a deadline for every request (a hung connection becomes a network failure the
 * retry policy sees); /sync gets its long-poll time on top. Redirects as described above.
 */
export async function fetchWithDeadline(
  input: Parameters<typeof fetch>[0],
  init: RequestInit | undefined,
  requestTimeoutMs: number,
  redirects: RedirectGuard,
): Promise<Response> {
  if (typeof input !== "string" && !(input instanceof URL))
    throw fetchFailed("the Matrix client's fetch takes a URL, not a Request");
  let url = new URL(input);
  const pollMs = url.pathname.endsWith("/sync") ? Number(url.searchParams.get("timeout") ?? 0) || 0 : 0;
  const deadlineMs = pollMs + requestTimeoutMs;
  const giveUpAt = Date.now() + deadlineMs;
  const remaining = () => Math.max(1, giveUpAt - Date.now());
  const signal = init?.signal ?? undefined;
  let request: CappedRequestInit = {
    method: init?.method,
    headers: init?.headers,
    body: await bytesOf(init?.body),
    signal,
  };
  let pinned: PinnedAddress | undefined;
  for (let hop = 0; ; hop++) {
    const response = await cappedRequest(url, request, remaining(), { pinned });
    const location =
      response.status >= 300 && response.status < 400 ? response.headers.get("location") : null;
    if (location === null || init?.redirect === "manual") return response;
    if (init?.redirect === "error" || hop >= MAX_REDIRECTS)
      throw fetchFailed(`redirected ${hop + 1} times (to ${location})`);
    const target = new URL(location, url);
    if (target.protocol !== "https:" && target.protocol !== "http:")
      throw fetchFailed(`redirected to a ${target.protocol} URL`);
    pinned = await within(redirects.addressFor(target), remaining(), target, deadlineMs);
    if (signal?.aborted) throw signal.reason;
    request = redirectedRequest(request, response.status, target.origin !== url.origin);
    url = target;
  }
}

/** `work`, or a FetchDeadlineExceeded once `ms` pass first (a name that never resolves). */
function within<T>(work: Promise<T>, ms: number, url: URL, deadlineMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = startDeadline(ms, () => reject(new FetchDeadlineExceeded(url, deadlineMs)));
    work.then(
      (value) => {
        stop();
        resolve(value);
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/** The body as the capped client sends it: text or bytes (a Blob or buffer read into bytes). */
async function bytesOf(body: RequestInit["body"]): Promise<string | Uint8Array | null> {
  if (body === undefined || body === null) return null;
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  // A Blob, told apart without naming the global (see keep-alive-fetch.ts on loading undici).
  const blob = body as Blob;
  if (typeof blob.arrayBuffer === "function" && typeof blob.size === "number")
    return new Uint8Array(await blob.arrayBuffer());
  throw fetchFailed("the Matrix client's fetch sends text or bytes only");
}

/** The request to send to a redirect's target, as fetch would send it. */
function redirectedRequest(
  request: CappedRequestInit,
  status: number,
  crossOrigin: boolean,
): CappedRequestInit {
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
  // Not `instanceof Headers`: reading that global loads Node's fetch (see keep-alive-fetch.ts).
  if (typeof (given as Headers).entries === "function") return [...(given as Headers).entries()];
  return Object.entries(given as Record<string, string>);
}
