// The alert endpoints' edge side (src/http/hand-off.ts): on the thread that owns HTTP_PORT, a
// POST to /alerts/<kind>/<key> or /v2/enqueue is checked and parsed there (requests.ts: the key
// before the body, then the capped body, its parse and its draft), mapped by its integration's
// rules, and committed there too, by the thread's own writer (alert-writer.ts, on a pool of its
// own): the sender is answered 2xx once committed, 503 when the database is unavailable, 500
// otherwise, as on the main thread. The main thread is not on an alert's way: its jobs, chat
// work and collections never delay an answer (measured: at 1,000 alerts/s they were most of the
// p99). It is told what was answered (metrics live there; counts gathered over 100 ms) and, at
// the end of the loop turn, that a committed batch enqueued a job due now (a page: its queue is
// woken).
//
// Without database settings in the setup (the desk runs on a clock of its own, tests), the
// parsed draft goes to the main thread by message instead, which commits it and sends the answer
// back. Heartbeats need the database's answer to a read first: they, and every path that is not
// an alert endpoint's, go on to the main thread's server.
//
// The in-flight pools are the main thread's (shared memory), so `maxInFlight` stays per process.
// Drafts and batches are stamped with this thread's clock: the edge runs only in the server
// process, whose clock is the system's.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { PoolSettings } from "../../db/sql.ts";
import { ByteBudget } from "../../http/body-reader.ts";
import { type EdgeLink, type EdgeSide, writeEdgeAnswer } from "../../http/hand-off.ts";
import type { AlertWriter } from "../alert-writer.ts";
import { probe, probeNow, probing } from "../phase-probe.ts";
import { type SignalIntegration, signalOf } from "./draft.ts";
import type { EdgeWriter } from "./edge-writer.ts";
import { InFlightPools } from "./in-flight.ts";
import { IntegrationKeys, type KeyedIntegration } from "./keys.ts";
import type { AlertIntakeLimits } from "./limits.ts";
import {
  type AlertAnswer,
  acceptedAnswer,
  alertRequestOf,
  commitFailure,
  currentIntegration,
  type Endpoint,
  handedAlert,
  NOT_FOUND,
  type Outcome,
  overloadedAnswer,
  type ParsedAlert,
  parseAlertRequest,
  refusal,
  refusalOf,
  serialised,
  UnknownKey,
} from "./requests.ts";

/** An integration as the edge knows it: its key's digest (never the key) and its rules. */
export type EdgeIntegration = KeyedIntegration & SignalIntegration;

/** What of an integration goes to the edge thread: no key, nothing the edge does not use. */
export function edgeIntegrationOf({
  id,
  kind,
  keyDigest,
  rules,
  tlp,
  severity,
  team,
}: EdgeIntegration): EdgeIntegration {
  return { id, kind, keyDigest, rules, tlp, severity, team };
}

/** What the edge needs from the main thread: integrations, limits, the shared pools, the database. */
export interface AlertEdgeSetup {
  integrations: EdgeIntegration[];
  limits: Required<AlertIntakeLimits>;
  maxBufferedBytes: number;
  inFlight: SharedArrayBuffer;
  /** What this thread holds of `inFlight` (given back by the main thread if the thread dies). */
  held: SharedArrayBuffer;
  /** Where the edge commits alerts itself; absent: the main thread commits them (hand-off). */
  database?: PoolSettings;
  /**
   * The configuration's generation this setup is of, and the current one (shared, raised by a
   * reload before its setup is posted): while they differ, alerts go to the main thread, whose
   * configuration is the current one.
   */
  configuration: { generations: SharedArrayBuffer; generation: number };
}

/** What the edge tells the main thread about the requests it answered (gathered: NoteTally). */
export interface AlertNote {
  /** Requests answered since the last note, by endpoint and outcome (metrics). */
  outcomes: Array<{ endpoint: Endpoint; outcome: Outcome; count: number }>;
  /** A batch committed here enqueued a job due now (a page to make or settle): wake the queue. */
  jobsDue: boolean;
}

export function alertEdgeSide(initial: unknown, link: EdgeLink): EdgeSide {
  let setup = initial as AlertEdgeSetup;
  const keys = new IntegrationKeys(() => setup.integrations);
  // From the thread's first setup: a later one (a reload) brings keys and rules, not pools.
  const pools = new InFlightPools(setup.limits.maxInFlight, { buffer: setup.inFlight, held: setup.held });
  const budget = new ByteBudget(setup.maxBufferedBytes);
  const tally = new NoteTally(link);
  // Loaded by the first alert, not on the way to listening (edge-writer.ts says why), nor at an
  // idle desk: loaded, it holds about 3 MB more of the thread's memory (idle RSS 116-117 ->
  // 119-120 MB, start-breakdown.ts, 2026-11-30); the first alert after a start waits for it.
  let edgeWriter: Promise<EdgeWriter> | undefined;
  /** Set by close(): a request still running after it opens no pool that nothing would end. */
  let closed = false;
  const writerFor = (settings: PoolSettings): Promise<EdgeWriter> => {
    if (closed) return Promise.reject(new Error("the alert edge is closed"));
    edgeWriter ??= import("./edge-writer.ts")
      .then((module) => module.openEdgeWriter(settings, () => tally.jobsDue()))
      .catch((error: unknown) => {
        // Not kept, whichever step failed (the import, or opening the pool and writer): the next
        // alert tries again (this one is answered 500, as any failure).
        edgeWriter = undefined;
        throw error;
      });
    return edgeWriter;
  };
  const { database } = setup;
  const send = (res: ServerResponse, answer: AlertAnswer) => writeEdgeAnswer(res, serialised(answer));
  const generations = new Int32Array(setup.configuration.generations);
  /** Whether this thread's integrations are the configuration's current ones (no reload since). */
  const current = () => Atomics.load(generations, 0) === setup.configuration.generation;

  /** Maps the parsed draft by its integration's rules and commits it here; the answer. */
  const commit = async (parsed: ParsedAlert, committer: AlertWriter): Promise<AlertAnswer> => {
    const integration = currentIntegration(setup.integrations, parsed);
    if (!integration) throw new UnknownKey(parsed.bearer);
    const signal = signalOf(integration, parsed.draft);
    try {
      await committer.receive([signal]);
    } catch (error) {
      const failed = commitFailure(error, parsed.endpoint, setup.limits.unavailableRetrySeconds, link.log);
      tally.count(parsed.endpoint, failed.outcome);
      return failed.answer;
    }
    tally.count(parsed.endpoint, "accepted");
    return acceptedAnswer(parsed);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const request = alertRequestOf(req.method, url.pathname, req.headers.authorization);
    if (typeof request !== "object" || request.endpoint === "heartbeat") {
      // Not reached: serves() takes only alert posts other than heartbeats.
      return send(res, NOT_FOUND);
    }
    const inPool = request.keyInBody ? "keyInBody" : "keyed";
    const place = pools.enter(inPool);
    if (!place) {
      tally.count(request.endpoint, "overloaded");
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
      // Read and its key checked: it waits for its commit (or failure) in the waiting room.
      if (!place.wait(parsed.heldBytes)) {
        tally.count(request.endpoint, "overloaded");
        return send(res, overloadedAnswer(request.endpoint, setup.limits));
      }
      const parsedAt = probeNow();
      // Checked after the body was read: a reload during the read is seen here.
      if (database && current()) {
        const { writer } = await writerFor(database);
        send(res, await commit(parsed, writer));
        if (probing) probe("edge", parsedAt - enteredAt, probeNow() - parsedAt, probeNow() - enteredAt, 0);
        return;
      }
      const handed = handedAlert(parsed);
      const answer = await link.handOff(probing ? { ...handed, probeSentAt: parsedAt } : handed);
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
        tally.count(request.endpoint, refused.outcome);
        return send(res, refused.answer);
      }
      link.log.error({ err: error, endpoint: request.endpoint }, "alert request failed on the edge");
      tally.count(request.endpoint, "error");
      send(res, refusal(request.endpoint === "pagerduty", 500, "the alert could not be stored; retry later"));
    } finally {
      place.leave();
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
    async close() {
      // After the server closed: the requests still committing finish, then the pool ends.
      closed = true;
      try {
        // A load that failed left nothing open (its requests were answered 500).
        const opened = await edgeWriter?.catch(() => undefined);
        await opened?.close();
      } finally {
        tally.flush();
      }
    },
  };
}

/**
 * How long answer counts wait to go to the main thread with others: metrics and App.busy read
 * them, neither needs them sooner. A note per loop turn, as before, was hundreds of messages a
 * second at 1,000 alerts/s, each a wake-up of the main thread and a postMessage here.
 */
const NOTE_INTERVAL_MS = 100;

/**
 * The notes to the main thread, gathered and posted as one message: answer counts at most every
 * NOTE_INTERVAL_MS, a job due now at the end of the loop turn that committed it (a page waits on
 * it).
 */
class NoteTally {
  readonly #link: EdgeLink;
  readonly #counts = new Map<string, { endpoint: Endpoint; outcome: Outcome; count: number }>();
  #jobsDue = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;

  constructor(link: EdgeLink) {
    this.#link = link;
  }

  count(endpoint: Endpoint, outcome: Outcome): void {
    const key = `${endpoint} ${outcome}`;
    const entry = this.#counts.get(key);
    if (entry) entry.count++;
    else this.#counts.set(key, { endpoint, outcome, count: 1 });
    // Unref'd: a pending count never keeps the thread alive (close() flushes).
    this.#timer ??= setTimeout(() => this.flush(), NOTE_INTERVAL_MS).unref();
  }

  jobsDue(): void {
    this.#jobsDue = true;
    this.#immediate ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    if (this.#counts.size === 0 && !this.#jobsDue) return;
    const note: AlertNote = { outcomes: [...this.#counts.values()], jobsDue: this.#jobsDue };
    this.#counts.clear();
    this.#jobsDue = false;
    this.#link.note(note);
  }
}
