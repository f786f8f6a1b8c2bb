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
// 5xx); 429 with Retry-After when this process already reads `maxInFlight` alert requests
// (counted apart for /v2/enqueue, whose key is known only after its body is read), or when its
// waiting room for read requests is full (in-flight.ts);
// 413 past the body limit (checked while reading); 503 + Retry-After, unread, while the bodies
// being read hold MAX_BUFFERED_ALERT_BYTES; 400 naming the field; 404 for an unknown key in the
// path (it does not tell whether the endpoint exists), 401 for an unknown bearer token.
//
// Where: with an HTTP edge thread (Slack on HTTP) the posts other than heartbeats are checked and
// parsed there (edge.ts) and reach this thread as a HandOff: only the commit runs here. Without
// one, the routes below do the same steps (requests.ts) on this thread.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { type Clock, systemClock } from "../../clock.ts";
import type { Db } from "../../db/database.ts";
import { type PoolSettings, sqlOf } from "../../db/sql.ts";
import { ByteBudget } from "../../http/body-reader.ts";
import { writeEdgeAnswer } from "../../http/hand-off.ts";
import type { Metrics } from "../../http/metrics.ts";
import type { HttpServer } from "../../http/server.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import type { Integration } from "../integrations.ts";
import { probe, probeNow, probing } from "../phase-probe.ts";
import type { AlertReceiver, AlertSignal } from "../signal.ts";
import { MAX_BUFFERED_ALERT_BYTES, PayloadError } from "./body.ts";
import { signalOf } from "./draft.ts";
import { type AlertEdgeSetup, type AlertNote, edgeIntegrationOf } from "./edge.ts";
import { HeartbeatMonitor } from "./heartbeats.ts";
import { InFlightPools, newHeldCounts } from "./in-flight.ts";
import { IntegrationKeys } from "./keys.ts";
import { type AlertIntakeLimits, DEFAULT_ALERT_INTAKE_LIMITS } from "./limits.ts";
import {
  type AlertAnswer,
  type AlertRequest,
  acceptedAnswer,
  alertRequestOf,
  commitFailure,
  currentIntegration,
  type HandedAlert,
  keyedIntegration,
  NOT_FOUND,
  type Outcome,
  overloadedAnswer,
  type ParsedAlert,
  parseAlertRequest,
  parsedFromHand,
  refusal,
  refusalOf,
  serialised,
  UnknownKey,
  USE_POST,
} from "./requests.ts";

export type { AlertIntakeLimits };

export interface AlertRouteDeps {
  /** The current on-call configuration (reloads swap it); its `integrations` are read per request. */
  config: () => { integrations: readonly Integration[] } | undefined;
  /**
   * Calls `listener` in the same step as a reload replaces the configuration `config()` gives
   * (not later: a key removed or rotated would still commit on the edge meanwhile).
   */
  onConfigChange?: (listener: () => void) => void;
  receiver: AlertReceiver;
  db: Db;
  jobs: JobQueue;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  limits?: AlertIntakeLimits;
  /** Bytes of alert bodies read at once (MAX_BUFFERED_ALERT_BYTES unless given; tests). */
  maxBufferedBytes?: number;
  /** For tests: see that keys are compared with timingSafeEqual. */
  keys?: IntegrationKeys;
}

export interface AlertRoutes {
  heartbeats: HeartbeatMonitor;
  /** Requests being handled now (on this thread and the edge thread). */
  inFlight(): number;
  /**
   * Alert requests committed so far, on either thread (only grows; App.busy): refusals are not
   * counted, so strangers posting wrong keys or trickling bodies never make the desk look busy.
   */
  accepted(): number;
}

/** The limits given, without keys set to undefined (which would hide a default). */
function definedOnly(limits: AlertIntakeLimits): AlertIntakeLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}

export function registerAlertRoutes(server: HttpServer, deps: AlertRouteDeps): AlertRoutes {
  const limits = { ...DEFAULT_ALERT_INTAKE_LIMITS, ...definedOnly(deps.limits ?? {}) };
  const log = deps.log.child({ component: "alert-intake" });
  const integrations = () => deps.config()?.integrations ?? [];
  const keys = deps.keys ?? new IntegrationKeys(integrations);
  const heartbeats = new HeartbeatMonitor({ ...deps, integrations });
  const pools = new InFlightPools(limits.maxInFlight);
  const budget = new ByteBudget(deps.maxBufferedBytes ?? MAX_BUFFERED_ALERT_BYTES);

  let accepted = 0;
  const count = (endpoint: string, outcome: Outcome, requests = 1) => {
    deps.metrics?.alertRequests.inc({ endpoint, outcome }, requests);
    if (outcome === "accepted") accepted += requests;
    if (outcome === "error") deps.metrics?.errors.inc({ where: "alert intake" }, requests);
  };
  const send = (res: ServerResponse, answer: AlertAnswer) => writeEdgeAnswer(res, serialised(answer));

  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const request = alertRequestOf(req.method, url.pathname, req.headers.authorization);
    if (request === undefined || request === "not found") return send(res, NOT_FOUND);
    if (request === "use POST") return send(res, USE_POST);
    const place = pools.enter(request.keyInBody ? "keyInBody" : "keyed");
    if (!place) {
      count(request.endpoint, "overloaded");
      return send(res, overloadedAnswer(request.endpoint, limits));
    }
    try {
      const { endpoint } = request;
      if (endpoint === "heartbeat") return send(res, await ping(request));
      const parsed = await parseAlertRequest(
        req,
        { ...request, endpoint },
        { findKey: (key) => keys.find(key), limits, budget, now: deps.clock.now(), log },
      );
      // Read and its key checked: it waits for its commit (or failure) in the waiting room.
      if (!place.wait(parsed.heldBytes)) {
        count(endpoint, "overloaded");
        return send(res, overloadedAnswer(endpoint, limits));
      }
      send(res, await commit(parsed));
    } catch (error) {
      const answer = failureAnswer(error, request);
      if (answer) send(res, answer);
    } finally {
      place.leave();
    }
  };

  const ping = async (request: AlertRequest): Promise<AlertAnswer> => {
    const integration = keyedIntegration(request, { findKey: (key) => keys.find(key), log });
    if (!integration || !(await heartbeats.ping(integration as Integration, request.heartbeatId ?? ""))) {
      throw new PayloadError(`no heartbeat "${request.heartbeatId ?? ""}" is declared for this integration`, {
        status: 404,
      });
    }
    count("heartbeat", "accepted");
    return { status: 200, body: { status: "success", message: "ping recorded" } };
  };

  /** The desk commits the parsed alert (on whichever thread it was parsed); 2xx only then. */
  const commit = async (parsed: ParsedAlert): Promise<AlertAnswer> => {
    // By id: the edge thread checked the key against the configuration it was last sent.
    const integration = currentIntegration(integrations(), parsed);
    if (!integration) throw new UnknownKey(parsed.bearer);
    await receive([signalOf(integration, parsed.draft)]);
    count(parsed.endpoint, "accepted");
    return acceptedAnswer(parsed);
  };

  /** The desk commits; its failure is the sender's cue to retry. */
  const receive = async (signals: AlertSignal[]) => {
    try {
      await deps.receiver.receive(signals);
    } catch (error) {
      throw new ReceiveFailed(error);
    }
  };

  /** The answer to a failure; undefined when the sender went away. */
  const failureAnswer = (error: unknown, request: AlertRequest): AlertAnswer | undefined => {
    const refused = refusalOf(error, request, log);
    if (refused === "gone") return undefined;
    if (refused) {
      count(request.endpoint, refused.outcome);
      return refused.answer;
    }
    const cause = error instanceof ReceiveFailed ? error.cause : error;
    const failed = commitFailure(cause, request.endpoint, limits.unavailableRetrySeconds, log);
    count(request.endpoint, failed.outcome);
    return failed.answer;
  };

  // The edge commits alerts itself (edge.ts) when it can reach the database as this thread does
  // and the desk runs on the system's clock (the edge's own); otherwise it hands them here.
  const edgeDatabase = deps.clock === systemClock ? poolSettingsOf(deps.db) : undefined;
  // The configuration's generation, shared: raised by a reload before its setup is posted to the
  // edge, so the edge knows its integrations are stale until the new setup arrives and hands its
  // alerts here meanwhile (a key removed or rotated by the reload is refused from the reload on).
  const generations = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  deps.onConfigChange?.(() => {
    Atomics.add(generations, 0, 1);
  });

  server.route("POST", "/v2/enqueue", handle);
  server.route("POST", "/alerts/*", handle);
  server.route("GET", "/alerts/*", handle);
  // With an HTTP edge thread, the alert bodies are read, parsed and checked there (edge.ts) and
  // only the commit is done here: the answer goes back by message once the desk committed.
  server.handOff("alerts", {
    setup: (): AlertEdgeSetup => ({
      integrations: integrations().map(edgeIntegrationOf),
      ...(edgeDatabase ? { database: edgeDatabase } : {}),
      configuration: {
        generations: generations.buffer as SharedArrayBuffer,
        generation: Atomics.load(generations, 0),
      },
      limits,
      maxBufferedBytes: deps.maxBufferedBytes ?? MAX_BUFFERED_ALERT_BYTES,
      inFlight: pools.buffer,
      // A thread takes the counts of the setup it starts with (edge.ts).
      held: newHeldCounts(),
    }),
    onSetupChange: (listener) => deps.onConfigChange?.(listener),
    handle: async (message) => {
      const parsed = parsedFromHand(message as HandedAlert);
      const arrivedAt = probeNow();
      if (probing)
        probe("main.arrive", arrivedAt - ((message as { probeSentAt: number }).probeSentAt ?? arrivedAt));
      try {
        const answer = serialised(await commit(parsed));
        if (probing) {
          probe("main.handle", probeNow() - arrivedAt);
          return { ...answer, probeAt: probeNow() };
        }
        return answer;
      } catch (error) {
        const request = { endpoint: parsed.endpoint, key: undefined, bearer: parsed.bearer };
        return serialised(failureAnswer(error, request) ?? refusal(false, 500, "internal error"));
      }
    },
    note: (message) => {
      const note = message as AlertNote;
      for (const { endpoint, outcome, count: requests } of note.outcomes) count(endpoint, outcome, requests);
      if (note.jobsDue) deps.jobs.kick();
    },
    // A request the ended thread was still reading or waiting on holds no place any more (one
    // whose commit still runs here lets one more in meanwhile; its sender is gone with the thread).
    threadEnded: (setup) => pools.releaseHeld((setup as AlertEdgeSetup).held),
  });

  return { heartbeats, inFlight: () => pools.total(), accepted: () => accepted };
}

class ReceiveFailed extends Error {
  constructor(cause: unknown) {
    super("the receiver rejected the signals", { cause });
  }
}

/** How the edge opens its own pool to this desk's database; undefined when the client has none of its own. */
function poolSettingsOf(db: Db): PoolSettings | undefined {
  try {
    return sqlOf(db).settings;
  } catch {
    return undefined;
  }
}
