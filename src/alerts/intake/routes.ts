// The alert endpoints on tocsin's HTTP server:
//   POST /alerts/alertmanager/<key>        Alertmanager webhook (version 4)
//   POST /alerts/grafana/<key>             Grafana unified alerting webhook
//   POST /alerts/generic/<key>             JSON or urlencoded form
//   POST /v2/enqueue                       PagerDuty Events API v2 (routing_key = the key)
//   POST /alerts/pagerduty/<key>           the same body, for senders that cannot set routing_key
//   GET|POST /alerts/heartbeat/<key>/<id>  a heartbeat ping
// The key may come as `Authorization: Bearer <key>` instead (the path then leaves it out).
//
// Answers: 2xx only once the desk's receive() resolved, i.e. the signals are committed; 503 with
// Retry-After when the database is unavailable and 500 for any other failure (senders retry on
// 5xx); 429 with Retry-After when this process already handles `maxInFlight` alert requests
// (counted apart for /v2/enqueue, whose key is known only after its body is read);
// 413 past the body limit (checked while reading); 400 naming the field; 404 for an unknown key
// in the path (it does not tell whether the endpoint exists), 401 for an unknown bearer token.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Clock } from "../../clock.ts";
import type { Db } from "../../db/database.ts";
import type { Metrics } from "../../http/metrics.ts";
import type { HttpServer } from "../../http/server.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import type { Integration, IntegrationKind } from "../integrations.ts";
import type { AlertReceiver, AlertSignal } from "../signal.ts";
import { bodyFormat, decodeUtf8, PayloadError, parseForm, parseJson, readBody } from "./body.ts";
import { toSignal } from "./draft.ts";
import { genericDraft } from "./generic.ts";
import { HeartbeatMonitor } from "./heartbeats.ts";
import { bearerToken, IntegrationKeys } from "./keys.ts";
import { type AlertIntakeLimits, DEFAULT_ALERT_INTAKE_LIMITS } from "./limits.ts";
import { InvalidEvent, pagerDutyEvent } from "./pagerduty.ts";
import { isDatabaseUnavailable } from "./unavailable.ts";
import { webhookGroupDraft } from "./webhook-groups.ts";

export type { AlertIntakeLimits };

export interface AlertRouteDeps {
  /** The current on-call configuration (reloads swap it); its `integrations` are read per request. */
  config: () => { integrations: readonly Integration[] } | undefined;
  receiver: AlertReceiver;
  db: Db;
  jobs: JobQueue;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  limits?: AlertIntakeLimits;
  /** For tests: see that keys are compared with timingSafeEqual. */
  keys?: IntegrationKeys;
}

export interface AlertRoutes {
  heartbeats: HeartbeatMonitor;
  /** Requests being handled now. */
  inFlight(): number;
}

type Endpoint = IntegrationKind | "heartbeat";

interface Request {
  endpoint: Endpoint;
  /** Key from the path, or from the Authorization header (`bearer`). */
  key: string | undefined;
  bearer: boolean;
  /** /v2/enqueue: the key is the event's routing_key. */
  keyInBody?: boolean;
  heartbeatId?: string;
}

/** The limits given, without keys set to undefined (which would hide a default). */
function definedOnly(limits: AlertIntakeLimits): AlertIntakeLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

const PATH_KINDS = new Set<string>(["alertmanager", "grafana", "generic", "pagerduty", "heartbeat"]);

export function registerAlertRoutes(server: HttpServer, deps: AlertRouteDeps): AlertRoutes {
  const limits = { ...DEFAULT_ALERT_INTAKE_LIMITS, ...definedOnly(deps.limits ?? {}) };
  const log = deps.log.child({ component: "alert-intake" });
  const integrations = () => deps.config()?.integrations ?? [];
  const keys = deps.keys ?? new IntegrationKeys(integrations);
  const heartbeats = new HeartbeatMonitor({ ...deps, integrations });
  // Two pools of `maxInFlight`: /v2/enqueue reads anyone's body before it knows the key (it is
  // in the body), so strangers trickling bodies there must not take the places of senders whose
  // key was checked before their body was read (`/alerts/<kind>/<key>`, bearer tokens).
  const inFlight = { keyed: 0, keyInBody: 0 };

  const count = (endpoint: string, outcome: string) => deps.metrics?.alertRequests.inc({ endpoint, outcome });

  const handle = async (req: IncomingMessage, res: ServerResponse, request: Request | undefined) => {
    if (!request) return sendJson(res, 404, { status: "error", message: "not found" });
    const pagerduty = request.endpoint === "pagerduty";
    const pool = request.keyInBody ? "keyInBody" : "keyed";
    if (inFlight[pool] >= limits.maxInFlight) {
      count(request.endpoint, "overloaded");
      return refuse(res, pagerduty, 429, "too many alert requests at once; retry later", {
        "retry-after": String(limits.overloadRetrySeconds),
        connection: "close",
      });
    }
    inFlight[pool]++;
    try {
      const answer = await accept(req, request);
      count(request.endpoint, "accepted");
      sendJson(res, answer.status, answer.body);
    } catch (error) {
      answerFailure(res, request, error);
    } finally {
      inFlight[pool]--;
    }
  };

  const accept = async (
    req: IncomingMessage,
    request: Request,
  ): Promise<{ status: number; body: unknown }> => {
    const now = deps.clock.now();
    let integration =
      request.key === undefined ? undefined : checkedIntegration(keys.find(request.key), request);
    if (!integration && !request.keyInBody) throw new UnknownKey(request.bearer);

    if (request.endpoint === "heartbeat" && integration) {
      if (!(await heartbeats.ping(integration, request.heartbeatId ?? ""))) {
        throw new PayloadError(
          `no heartbeat "${request.heartbeatId ?? ""}" is declared for this integration`,
          {
            status: 404,
          },
        );
      }
      return { status: 200, body: { status: "success", message: "ping recorded" } };
    }

    const webhook = request.endpoint === "alertmanager" || request.endpoint === "grafana";
    const format = bodyFormat(req.headers["content-type"], request.endpoint === "generic");
    const text = decodeUtf8(await readBody(req, webhook ? limits.webhookBodyBytes : limits.eventBodyBytes));
    const body = format === "form" ? parseForm(text) : parseJson(text);

    if (request.endpoint === "pagerduty") {
      const event = pagerDutyEvent(body, now);
      if (!integration) {
        // /v2/enqueue: the key is the event's routing_key.
        integration = event.routingKey === undefined ? undefined : keys.find(event.routingKey);
        if (integration?.kind !== "pagerduty") {
          throw new InvalidEvent(["'routing_key' is missing or not a known integration key"]);
        }
      }
      await receive([toSignal(integration, event.draft)]);
      return {
        status: 202,
        body: { status: "success", message: "Event processed", dedup_key: event.draft.dedupKey },
      };
    }
    if (!integration) throw new UnknownKey(request.bearer);
    if (request.endpoint === "heartbeat") throw new Error("unreachable: heartbeat handled above");
    const draft =
      request.endpoint === "generic"
        ? genericDraft(body, now)
        : webhookGroupDraft(body, request.endpoint, now);
    await receive([toSignal(integration, draft)]);
    return {
      status: 202,
      body: { status: "success", message: "Alert received", dedup: draft.dedupKey, action: draft.action },
    };
  };

  /** The desk commits; its failure is the sender's cue to retry. */
  const receive = async (signals: AlertSignal[]) => {
    try {
      await deps.receiver.receive(signals);
    } catch (error) {
      throw new ReceiveFailed(error);
    }
  };

  /** A key of another kind's integration is as unknown here as no key at all. */
  const checkedIntegration = (integration: Integration | undefined, request: Request) => {
    if (!integration) return undefined;
    if (request.endpoint === "heartbeat" || integration.kind === request.endpoint) return integration;
    log.info(
      { integrationId: integration.id, kind: integration.kind, endpoint: request.endpoint },
      "integration key used on another kind's endpoint",
    );
    return undefined;
  };

  const answerFailure = (res: ServerResponse, request: Request, error: unknown) => {
    const pagerduty = request.endpoint === "pagerduty";
    if (error instanceof UnknownKey) {
      count(request.endpoint, "unknown_key");
      log.info(
        { endpoint: request.endpoint, bearer: error.bearer },
        "alert request with an unknown key refused",
      );
      if (error.bearer)
        return refuse(res, pagerduty, 401, "unknown integration key", { "www-authenticate": "Bearer" });
      return sendJson(res, 404, { status: "error", message: "not found" });
    }
    if (error instanceof InvalidEvent) {
      count(request.endpoint, "invalid");
      return sendJson(res, 400, {
        status: "invalid event",
        message: "Event object is invalid",
        errors: error.errors,
      });
    }
    if (error instanceof PayloadError) {
      count(request.endpoint, error.status === 413 ? "too_large" : "invalid");
      const headers: Record<string, string> = error.status === 413 ? { connection: "close" } : {};
      return refuse(res, pagerduty, error.status, error.message, headers, error.field);
    }
    if (error instanceof ReceiveFailed && isDatabaseUnavailable(error.cause)) {
      count(request.endpoint, "unavailable");
      log.warn({ err: error.cause, endpoint: request.endpoint }, "alert not stored: database unavailable");
      return refuse(res, pagerduty, 503, "the alert store is unavailable; retry later", {
        "retry-after": String(limits.unavailableRetrySeconds),
      });
    }
    count(request.endpoint, "error");
    deps.metrics?.errors.inc({ where: "alert intake" });
    log.error(
      { err: error instanceof ReceiveFailed ? error.cause : error, endpoint: request.endpoint },
      "alert request failed",
    );
    refuse(res, pagerduty, 500, "the alert could not be stored; retry later");
  };

  server.route("POST", "/v2/enqueue", (req, res) =>
    handle(req, res, { endpoint: "pagerduty", key: undefined, bearer: false, keyInBody: true }),
  );
  server.route("POST", "/alerts/*", (req, res, url) => handle(req, res, parsePath(url.pathname, req)));
  server.route("GET", "/alerts/*", (req, res, url) => {
    const request = parsePath(url.pathname, req);
    if (request && request.endpoint !== "heartbeat")
      return sendJson(res, 405, { status: "error", message: "use POST" });
    return handle(req, res, request);
  });

  return { heartbeats, inFlight: () => inFlight.keyed + inFlight.keyInBody };
}

/** `/alerts/<kind>/<key>[/<heartbeat>]`, or without the key when a bearer token is given. */
function parsePath(pathname: string, req: IncomingMessage): Request | undefined {
  const parts = pathname.slice("/alerts/".length).split("/");
  const [kind, ...rest] = parts;
  if (!kind || !PATH_KINDS.has(kind) || rest.some((p) => p === "")) return undefined;
  const endpoint = kind as Endpoint;
  const bearer = bearerToken(req.headers.authorization);
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

class UnknownKey extends Error {
  readonly bearer: boolean;
  constructor(bearer: boolean) {
    super("unknown integration key");
    this.bearer = bearer;
  }
}

class ReceiveFailed extends Error {
  constructor(cause: unknown) {
    super("the receiver rejected the signals", { cause });
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    })
    .end(`${JSON.stringify(body)}\n`);
}

/** A refusal in PagerDuty's shape on its endpoints, else `{status: "error", message, field}`. */
function refuse(
  res: ServerResponse,
  pagerduty: boolean,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  field?: string,
): void {
  const body = pagerduty
    ? { status: status === 429 ? "throttle event" : "invalid event", message, errors: [message] }
    : { status: "error", message, ...(field ? { field } : {}) };
  sendJson(res, status, body, headers);
}
