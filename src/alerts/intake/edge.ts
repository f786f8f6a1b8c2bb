// The alert endpoints' edge side (src/http/hand-off.ts): on the thread that owns HTTP_PORT, a
// POST to /alerts/<kind>/<key> or /v2/enqueue is checked and parsed there (requests.ts: the key
// before the body, then the capped body, its parse and its draft) and only the parsed draft goes
// to the main thread by message, which commits it and sends the answer back: 2xx once committed,
// 503 when the database is unavailable, 500 otherwise, as without the edge. Refusals that need no
// database (unknown key, 413, 400, 415, 429, the byte budget's 503) are answered here and told
// to the main thread for the metrics. Heartbeats need the database from the start: they, and
// every path that is not an alert endpoint's, go on to the main thread's server.
//
// The in-flight pools are the main thread's (shared memory), so `maxInFlight` stays per process.
// Drafts are stamped with this thread's clock: the edge runs only in the server process, whose
// clock is the system's.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ByteBudget } from "../../http/body-reader.ts";
import { type EdgeLink, type EdgeSide, writeEdgeAnswer } from "../../http/hand-off.ts";
import { probe, probeNow, probing } from "../phase-probe.ts";
import { InFlightPools } from "./in-flight.ts";
import { IntegrationKeys, type KeyedIntegration } from "./keys.ts";
import type { AlertIntakeLimits } from "./limits.ts";
import {
  type AlertAnswer,
  alertRequestOf,
  type Endpoint,
  NOT_FOUND,
  type Outcome,
  overloadedAnswer,
  parseAlertRequest,
  refusal,
  refusalOf,
  serialised,
} from "./requests.ts";

/** What the edge needs from the main thread: key digests (never keys), limits, the shared pools. */
export interface AlertEdgeSetup {
  integrations: KeyedIntegration[];
  limits: Required<AlertIntakeLimits>;
  maxBufferedBytes: number;
  inFlight: SharedArrayBuffer;
  /** What this thread holds of `inFlight` (given back by the main thread if the thread dies). */
  held: SharedArrayBuffer;
}

/** A request the edge answered itself, counted on the main thread. */
export interface AlertNote {
  endpoint: Endpoint;
  outcome: Outcome;
}

export function alertEdgeSide(initial: unknown, link: EdgeLink): EdgeSide {
  let setup = initial as AlertEdgeSetup;
  const keys = new IntegrationKeys(() => setup.integrations);
  // From the thread's first setup: a later one (a reload) brings keys, not pools.
  const pools = new InFlightPools(setup.limits.maxInFlight, setup.inFlight, setup.held);
  const budget = new ByteBudget(setup.maxBufferedBytes);
  const send = (res: ServerResponse, answer: AlertAnswer) => writeEdgeAnswer(res, serialised(answer));
  const note = (endpoint: Endpoint, outcome: Outcome) => link.note({ endpoint, outcome } satisfies AlertNote);

  const serve = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const request = alertRequestOf(req.method, url.pathname, req.headers.authorization);
    if (typeof request !== "object" || request.endpoint === "heartbeat") {
      // Not reached: serves() takes only alert posts other than heartbeats.
      return send(res, NOT_FOUND);
    }
    const pool = request.keyInBody ? "keyInBody" : "keyed";
    if (!pools.enter(pool)) {
      note(request.endpoint, "overloaded");
      return send(res, overloadedAnswer(request.endpoint, setup.limits));
    }
    const enteredAt = probeNow();
    try {
      const parsed = await parseAlertRequest(
        req,
        { ...request, endpoint: request.endpoint },
        {
          findKey: (key) => keys.find(key),
          limits: setup.limits,
          budget,
          now: new Date(),
          log: link.log,
        },
      );
      // Held until the main thread has committed it (or failed to): the answer is its.
      const parsedAt = probeNow();
      const answer = await link.handOff(probing ? { ...parsed, probeSentAt: parsedAt } : parsed);
      writeEdgeAnswer(res, answer);
      if (probing) {
        const answeredAt = (answer as { probeAt?: number }).probeAt ?? parsedAt;
        probe(
          "edge",
          parsedAt - enteredAt,
          probeNow() - parsedAt,
          probeNow() - enteredAt,
          probeNow() - answeredAt,
        );
      }
    } catch (error) {
      const refused = refusalOf(error, request, link.log);
      if (refused === "gone") return;
      if (refused) {
        note(request.endpoint, refused.outcome);
        return send(res, refused.answer);
      }
      link.log.error({ err: error, endpoint: request.endpoint }, "alert request failed on the edge");
      note(request.endpoint, "error");
      send(res, refusal(request.endpoint === "pagerduty", 500, "the alert could not be stored; retry later"));
    } finally {
      pools.leave(pool);
    }
  };

  return {
    serves(method, url) {
      if (method !== "POST") return false;
      const request = alertRequestOf(method, url.pathname, undefined);
      return typeof request === "object" && request.endpoint !== "heartbeat";
    },
    serve,
    update(next) {
      setup = next as AlertEdgeSetup;
    },
  };
}
