// An alert request from its path to a checked, parsed draft, and the answers it can get: the part
// of the alert endpoints that needs no database. It runs on the HTTP edge thread when one owns
// the port (edge.ts, which hands the draft to the main thread by message), else on the main
// thread (routes.ts). Order of the checks, the same on both: the key of the path or bearer token
// before a byte of the body is read; then the content type, the capped body (per request and, by
// a byte budget, across requests), UTF-8, JSON or form, the draft; /v2/enqueue's key, which is
// in the body, after parsing it.
import type { IncomingMessage } from "node:http";
import type { ByteBudget } from "../../http/body-reader.ts";
import type { EdgeLog } from "../../http/hand-off.ts";
import type { IntegrationKind } from "../integrations.ts";
import {
  bodyFormat,
  decodeUtf8,
  isRecord,
  PayloadError,
  parseForm,
  parseJson,
  readBody,
  SenderGone,
} from "./body.ts";
import { type AlertDraft, inertDraft } from "./draft.ts";
import { genericDraft } from "./generic.ts";
import { heldBytesOf } from "./held-bytes.ts";
import { bearerToken, type KeyedIntegration } from "./keys.ts";
import type { AlertIntakeLimits } from "./limits.ts";
import { InvalidEvent, pagerDutyEvent } from "./pagerduty.ts";
import { isDatabaseUnavailable } from "./unavailable.ts";
import { webhookGroupDraft } from "./webhook-groups.ts";

export type Endpoint = IntegrationKind | "heartbeat";

export interface AlertRequest {
  endpoint: Endpoint;
  /** Key from the path, or from the Authorization header (`bearer`). */
  key: string | undefined;
  bearer: boolean;
  /** /v2/enqueue: the key is the event's routing_key. */
  keyInBody?: boolean;
  heartbeatId?: string;
}

/** A checked request's draft, made inert, for the integration it is from: what the desk takes. */
export interface ParsedAlert {
  endpoint: IntegrationKind;
  integrationId: string;
  /** How the key came (a key gone by a reload meanwhile is answered as unknown, as it came). */
  bearer: boolean;
  /** The digest of the key it came with: a commit checks it is still the integration's (rotation). */
  keyDigest: string;
  draft: AlertDraft;
  /** What the draft may hold of the heap (held-bytes.ts): its charge in the waiting room. */
  heldBytes: number;
}

/** An answer: status, JSON body, extra headers. */
export interface AlertAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The outcomes counted in `tocsin_alert_requests_total`. */
export type Outcome =
  | "accepted"
  | "overloaded"
  | "unknown_key"
  | "invalid"
  | "too_large"
  | "unavailable"
  | "error";

const PATH_KINDS = new Set<string>(["alertmanager", "grafana", "generic", "pagerduty", "heartbeat"]);

/**
 * The alert request a method and path name: undefined when it is not an alert endpoint's path
 * at all, "not found" (answered 404 as an unknown key is), "use POST" (405).
 */
export function alertRequestOf(
  method: string | undefined,
  pathname: string,
  authorization: string | undefined,
): AlertRequest | "not found" | "use POST" | undefined {
  if (pathname === "/v2/enqueue")
    return method === "POST"
      ? { endpoint: "pagerduty", key: undefined, bearer: false, keyInBody: true }
      : undefined;
  if (!pathname.startsWith("/alerts/") || (method !== "POST" && method !== "GET")) return undefined;
  const request = parsePath(pathname, authorization);
  if (!request) return "not found";
  if (method === "GET" && request.endpoint !== "heartbeat") return "use POST";
  return request;
}

/** `/alerts/<kind>/<key>[/<heartbeat>]`, or without the key when a bearer token is given. */
function parsePath(pathname: string, authorization: string | undefined): AlertRequest | undefined {
  const parts = pathname.slice("/alerts/".length).split("/");
  const [kind, ...rest] = parts;
  if (!kind || !PATH_KINDS.has(kind) || rest.some((p) => p === "")) return undefined;
  const endpoint = kind as Endpoint;
  const bearer = bearerToken(authorization);
  const withKey = endpoint === "heartbeat" ? 2 : 1;
  let key: string | undefined;
  let fromBearer = false;
  if (rest.length === withKey) key = decode(rest[0] ?? "");
  else if (rest.length === withKey - 1 && bearer !== undefined) {
    key = bearer;
    fromBearer = true;
  } else if (rest.length === withKey - 1) {
    return { endpoint, key: undefined, bearer: true, heartbeatId: rest.at(-1) };
  } else return undefined;
  if (key === undefined) return undefined;
  return {
    endpoint,
    key,
    bearer: fromBearer,
    ...(endpoint === "heartbeat" ? { heartbeatId: rest.at(-1) } : {}),
  };
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export class UnknownKey extends Error {
  readonly bearer: boolean;
  constructor(bearer: boolean) {
    super("unknown integration key");
    this.bearer = bearer;
  }
}

export interface ParseDeps {
  /** The integration a key belongs to (IntegrationKeys.find: constant time over all keys). */
  findKey(key: string): KeyedIntegration | undefined;
  limits: Required<AlertIntakeLimits>;
  budget: ByteBudget;
  /** The time a draft without one of its own happened at. */
  now: Date;
  log: EdgeLog;
}

/**
 * The key of the path or bearer token, checked before anything is read (throws UnknownKey); for
 * the heartbeat endpoint this is all (its ping needs the database).
 */
export function keyedIntegration(request: AlertRequest, deps: Pick<ParseDeps, "findKey" | "log">) {
  const found = request.key === undefined ? undefined : deps.findKey(request.key);
  if (!found) {
    if (request.keyInBody) return undefined;
    throw new UnknownKey(request.bearer);
  }
  // A key of another kind's integration is as unknown here as no key at all.
  if (request.endpoint === "heartbeat" || found.kind === request.endpoint) return found;
  deps.log.info(
    { integrationId: found.id, kind: found.kind, endpoint: request.endpoint },
    "integration key used on another kind's endpoint",
  );
  throw new UnknownKey(request.bearer);
}

/** The request's body read, parsed and checked into a draft (throws what failure() answers). */
export async function parseAlertRequest(
  req: IncomingMessage,
  request: AlertRequest & { endpoint: IntegrationKind },
  deps: ParseDeps,
): Promise<ParsedAlert> {
  let integration = keyedIntegration(request, deps);
  const { endpoint } = request;
  const webhook = endpoint === "alertmanager" || endpoint === "grafana";
  const format = bodyFormat(req.headers["content-type"], endpoint === "generic");
  const limit = webhook ? deps.limits.webhookBodyBytes : deps.limits.eventBodyBytes;
  const raw = await readBody(req, limit, deps.budget);
  const bodyBytes = raw.length;
  const text = decodeUtf8(raw);
  const body = format === "form" ? parseForm(text) : parseJson(text);

  if (endpoint === "pagerduty") {
    if (!integration) {
      // /v2/enqueue: the key is the event's routing_key, checked before the event is drafted, so
      // a post without a known key costs only its parse (drafting 2.3 MB of custom_details took a
      // second: the attack review of 2026-12-01).
      const routingKey =
        isRecord(body) && typeof body.routing_key === "string" ? body.routing_key : undefined;
      const found = routingKey === undefined ? undefined : deps.findKey(routingKey);
      if (found?.kind !== "pagerduty") {
        throw new InvalidEvent(["'routing_key' is missing or not a known integration key"]);
      }
      integration = found;
    }
    const draft = pagerDutyEvent(body, deps.now);
    return {
      endpoint,
      integrationId: integration.id,
      bearer: request.bearer,
      keyDigest: integration.keyDigest,
      draft: inertDraft(draft),
      heldBytes: heldBytesOf(draft, bodyBytes),
    };
  }
  if (!integration) throw new UnknownKey(request.bearer);
  const draft =
    endpoint === "generic" ? genericDraft(body, deps.now) : webhookGroupDraft(body, endpoint, deps.now);
  return {
    endpoint,
    integrationId: integration.id,
    bearer: request.bearer,
    keyDigest: integration.keyDigest,
    draft: inertDraft(draft),
    heldBytes: heldBytesOf(draft, bodyBytes),
  };
}

/**
 * A parsed alert as the edge hands it to the main thread: its details as JSON text. postMessage's
 * structured clone rebuilds objects key by key, and an object keyed by array indices then gets an
 * element store sized by the largest (`{"1023":0,"2575":0}`: 31 KB; 64 KB of them, 99 MB on the
 * main thread), where JSON.parse builds it small (the attack review of 2026-12-01).
 */
export interface HandedAlert extends Omit<ParsedAlert, "draft"> {
  draft: Omit<AlertDraft, "details">;
  detailsJson: string;
}

export function handedAlert(parsed: ParsedAlert): HandedAlert {
  const { details, ...draft } = parsed.draft;
  return { ...parsed, draft, detailsJson: JSON.stringify(details) };
}

/** The parsed alert again, on the main thread. */
export function parsedFromHand(handed: HandedAlert): ParsedAlert {
  const { detailsJson, ...rest } = handed;
  return { ...rest, draft: { ...handed.draft, details: JSON.parse(detailsJson) as Record<string, unknown> } };
}

/** The 2xx of a committed alert. */
export function acceptedAnswer(parsed: ParsedAlert): AlertAnswer {
  const { draft } = parsed;
  if (parsed.endpoint === "pagerduty")
    return {
      status: 202,
      body: { status: "success", message: "Event processed", dedup_key: draft.dedupKey },
    };
  return {
    status: 202,
    body: { status: "success", message: "Alert received", dedup: draft.dedupKey, action: draft.action },
  };
}

/** 429 + Retry-After: `maxInFlight` alert requests of the pool are handled already. */
export function overloadedAnswer(endpoint: Endpoint, limits: Required<AlertIntakeLimits>): AlertAnswer {
  return refusal(endpoint === "pagerduty", 429, "too many alert requests at once; retry later", {
    "retry-after": String(limits.overloadRetrySeconds),
    connection: "close",
  });
}

export const NOT_FOUND: AlertAnswer = { status: 404, body: { status: "error", message: "not found" } };
export const USE_POST: AlertAnswer = { status: 405, body: { status: "error", message: "use POST" } };

/**
 * The answer to a failure before the commit, and its outcome; undefined when the sender went
 * away (nobody to answer). Anything else is the caller's to answer (500 or 503).
 */
export function refusalOf(
  error: unknown,
  request: AlertRequest,
  log: EdgeLog,
): { answer: AlertAnswer; outcome: Outcome } | "gone" | undefined {
  const pagerduty = request.endpoint === "pagerduty";
  if (error instanceof SenderGone) return "gone";
  if (error instanceof UnknownKey) {
    log.info(
      { endpoint: request.endpoint, bearer: error.bearer },
      "alert request with an unknown key refused",
    );
    const answer = error.bearer
      ? refusal(pagerduty, 401, "unknown integration key", { "www-authenticate": "Bearer" })
      : NOT_FOUND;
    return { answer, outcome: "unknown_key" };
  }
  if (error instanceof InvalidEvent) {
    return {
      answer: {
        status: 400,
        body: { status: "invalid event", message: "Event object is invalid", errors: error.errors },
      },
      outcome: "invalid",
    };
  }
  if (error instanceof PayloadError) {
    if (error.status === 503) {
      // The byte budget of bodies being read is spent: retry soon, on a new connection.
      log.warn({ endpoint: request.endpoint }, "alert request refused: too many bodies being read at once");
      const headers = { "retry-after": "1", connection: "close" };
      return { answer: refusal(pagerduty, 503, error.message, headers), outcome: "overloaded" };
    }
    const headers: Record<string, string> = error.status === 413 ? { connection: "close" } : {};
    return {
      answer: refusal(pagerduty, error.status, error.message, headers, error.field),
      outcome: error.status === 413 ? "too_large" : "invalid",
    };
  }
  return undefined;
}

/**
 * The answer to a commit that failed, logged: 503 with Retry-After when the database cannot be
 * reached (a warning), 500 otherwise (an error). Senders retry on both; the difference is for
 * their backoff, the logs and the metrics.
 */
export function commitFailure(
  error: unknown,
  endpoint: Endpoint,
  retryAfterSeconds: number,
  log: Pick<EdgeLog, "warn" | "error">,
): { outcome: "unavailable" | "error"; answer: AlertAnswer } {
  const pagerduty = endpoint === "pagerduty";
  if (isDatabaseUnavailable(error)) {
    log.warn({ err: error, endpoint }, "alert not stored: database unavailable");
    return {
      outcome: "unavailable",
      answer: refusal(pagerduty, 503, "the alert store is unavailable; retry later", {
        "retry-after": String(retryAfterSeconds),
      }),
    };
  }
  log.error({ err: error, endpoint }, "alert request failed");
  return { outcome: "error", answer: refusal(pagerduty, 500, "the alert could not be stored; retry later") };
}

/**
 * The integration an alert parsed earlier is for, if its key is still that integration's: a
 * commit looks it up again (by id, kind and key digest), since a reload may have come meanwhile.
 */
export function currentIntegration<I extends KeyedIntegration>(
  integrations: readonly I[],
  parsed: ParsedAlert,
): I | undefined {
  return integrations.find(
    (candidate) =>
      candidate.id === parsed.integrationId &&
      candidate.kind === parsed.endpoint &&
      candidate.keyDigest === parsed.keyDigest,
  );
}

/** A refusal in PagerDuty's shape on its endpoints, else `{status: "error", message, field}`. */
export function refusal(
  pagerduty: boolean,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  field?: string,
): AlertAnswer {
  const body = pagerduty
    ? { status: status === 429 ? "throttle event" : "invalid event", message, errors: [message] }
    : { status: "error", message, ...(field ? { field } : {}) };
  return { status, body, headers };
}

/** The answer's status, headers and serialised body as they go out. */
export function serialised(answer: AlertAnswer): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  return {
    status: answer.status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...answer.headers,
    },
    body: `${JSON.stringify(answer.body)}\n`,
  };
}
