// The main thread's side of the Slack ack thread (ack-thread-worker.ts). It owns tocsin's HTTP
// port for the HTTP server (a `PortOwner`): it starts the thread listening (the thread forwards
// every other request to the HTTP server's loopback port), passes each request the thread
// answered to Bolt, finishes the requests the thread's edge sides prepared (alert intake:
// src/http/hand-off.ts) and sends their answers back, writes the thread's log lines, restarts
// the thread when it dies and closes it on shutdown. Why a thread: command work (Prisma, rendering, Web API calls) runs on the main
// event loop, and an ack that waited for that loop waited behind it; on a second core the ack
// thread answers Slack at once, however busy the main thread is.
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { ACK_THREAD_ENTRY_VARIABLE } from "../../build/bundle-entries.ts";
import type { EdgeAnswer, HandOff } from "../../http/hand-off.ts";
import type { PortOwner } from "../../http/server.ts";
import type {
  AckThreadData,
  AckThreadStart,
  FromAckThread,
  PreparedAckThread,
  ToAckThread,
} from "./ack-thread-protocol.ts";
import type { SlackBody, SlackInstallation } from "./request-gate.ts";

/**
 * The thread's module: the start bundle's when `npm start` runs one (see src/start.js), else the
 * edge thread's entry, which provides the edge sides (alert intake) and runs ack-thread-worker.ts.
 */
const WORKER_URL = process.env[ACK_THREAD_ENTRY_VARIABLE]
  ? pathToFileURL(process.env[ACK_THREAD_ENTRY_VARIABLE])
  : new URL("../../edge-thread.ts", import.meta.url);
/**
 * Requests answered on the thread that the main thread has not taken yet, past which the thread
 * answers busy itself. Far above the command queue (8 running, 256 waiting, then "busy" from the
 * intake): reached only when the main thread's event loop is wedged.
 */
export const DEFAULT_MAX_UNTAKEN = 1024;
/** Restarts of a thread that keeps dying wait longer each time, up to this. */
const MAX_RESTART_DELAY_MS = 5_000;
const FIRST_RESTART_DELAY_MS = 50;
/**
 * The thread's heap, bounded: it holds at most MAX_BUFFERED_SLACK_BYTES of bodies (outside the
 * heap) and what parsing them makes, far below these. A thread that reaches them (a leak, a
 * flood the budget missed) ends with ERR_WORKER_OUT_OF_MEMORY instead of taking the process's
 * memory, and is restarted like any thread that died. Since the thread commits alerts, what waits
 * on a commit is held here too: the waiting room admits drafts whose charges, an upper bound of
 * what each holds (src/alerts/intake/held-bytes.ts), total at most 32 MB, whatever
 * TOCSIN_ALERT_IN_FLIGHT is; filled with the worst shapes found, under these limits, its drafts
 * took 5-23 MB and the whole heap stayed under 37 MB (test/unit/alerts/waiting-room-heap.test.ts,
 * 2026-12-01). Bodies being read (32 MB), the one being parsed (limits.ts MAX_BODY_LIMIT_BYTES)
 * and a batch's JSON come beside it; hence an old generation bounded at 256 MB (it was 128 when
 * the thread only parsed). The young generation is 24 MB (V8 sizes it within that by what
 * survives): the thread also commits alerts (src/alerts/intake/edge.ts), and
 * at 1,000 alerts/s a 3 MB one cost it and V8's helper threads 8% more CPU per alert (0.71-0.73
 * against 0.63-0.67 ms, `alert-profile.ts`, alternating runs, 2026-11-30).
 */
export const ACK_THREAD_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 24 };
/** How long close() waits for the thread to finish its requests before ending it. */
const CLOSE_TIMEOUT_MS = 10_000;
/**
 * Prepared threads that have ended, watched from their spawn: one can end (or be ended) before
 * SlackAckThread takes it, and its exit, already emitted then, would never be seen again.
 */
const endedPrepared = new WeakSet<Worker>();

/**
 * Spawns the thread ahead of its start: while tocsin starts its database and platforms, the
 * thread's isolate boots and its code loads (on a loaded 2-core machine, most of a second that
 * otherwise came after everything else had started). It waits for its settings, sent when tocsin
 * listens; unreferenced until then, so it keeps no process alive.
 */
export function prepareAckThread(): Worker {
  const worker = new Worker(WORKER_URL, {
    workerData: { awaitStart: true } satisfies PreparedAckThread,
    resourceLimits: ACK_THREAD_LIMITS,
  });
  worker.unref();
  worker.once("exit", () => endedPrepared.add(worker));
  // A prepared thread that fails before its start is replaced by a fresh one (see #spawn).
  worker.on("error", () => {});
  return worker;
}

/** A request the thread verified and answered: what Bolt needs to dispatch it. */
export interface AnsweredRequest {
  body: SlackBody;
  retryNum?: number | undefined;
  retryReason?: string | undefined;
}

export interface AckThreadOptions {
  signingSecret: string;
  /** Slack's request path. */
  path: string;
  /** The installation's workspace (read when the thread starts, after auth.test). */
  installation(): SlackInstallation | undefined;
  /** A thread spawned ahead of time (prepareAckThread), used by the first start if still alive. */
  prepared?: Worker | undefined;
  /** Takes a verified, answered request to Bolt; must not wait. */
  deliver(request: AnsweredRequest): void;
  log: Logger;
  maxUntaken?: number;
}

export class SlackAckThread implements PortOwner {
  readonly #options: AckThreadOptions;
  readonly #log: Logger;
  /** Requests the thread answered that this thread has not taken yet (one Int32, see the protocol). */
  readonly #untaken = new Int32Array(new SharedArrayBuffer(4));
  #worker: Worker | undefined;
  /** The thread prepared ahead of time, until the first start takes it. */
  #prepared: Worker | undefined;
  #forwardTo = { host: "127.0.0.1", port: 0 };
  #handOffs: ReadonlyMap<string, HandOff> = new Map();
  #port = 0;
  #host = "0.0.0.0";
  #closing = false;
  #failures = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Answers to hand-offs ready this turn of the event loop, posted together (see #answer). */
  #answers: { worker: Worker; answers: Array<{ id: number; answer: EdgeAnswer }> } | undefined;
  /** Restarts after an unexpected exit (read by tests and diagnostics). */
  restarts = 0;

  constructor(options: AckThreadOptions) {
    this.#options = options;
    const prepared = options.prepared;
    if (prepared) {
      this.#prepared = prepared;
      prepared.once("exit", () => {
        if (this.#prepared === prepared) this.#prepared = undefined;
      });
    }
    this.#log = options.log.child({ component: "slack-ack-thread" });
  }

  /** The running thread, if any (tests end it to check that it is restarted). */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  async listen(
    port: number,
    host: string,
    forwardTo: { host: string; port: number },
    handOffs: ReadonlyMap<string, HandOff> = new Map(),
  ): Promise<number> {
    if (this.#worker) throw new Error("the Slack ack thread is already listening");
    this.#forwardTo = forwardTo;
    this.#handOffs = handOffs;
    for (const [name, handOff] of handOffs) {
      handOff.onSetupChange(() =>
        this.#worker?.postMessage({ type: "edge-setup", name, setup: handOff.setup() } satisfies ToAckThread),
      );
    }
    this.#host = host;
    this.#closing = false;
    // A port of 0 is chosen once: a restarted thread listens where its predecessor did.
    this.#port = await this.#spawn(port);
    return this.#port;
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    const prepared = this.#prepared;
    this.#prepared = undefined;
    if (prepared) await prepared.terminate();
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage({ type: "close" } satisfies ToAckThread);
    const timeout = setTimeout(() => {
      this.#log.warn("the Slack ack thread did not finish its requests in time; ending it");
      void worker.terminate();
    }, CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timeout);
  }

  /** Starts a thread listening on `port`; resolves with the port it listens on. */
  #spawn(port: number): Promise<number> {
    // The count is not reset for a new thread: what a dead thread posted before it died still
    // arrives and is taken (each one counts down), so a reset would leave the count below zero
    // and quietly raise the busy threshold.
    const data: AckThreadData = {
      signingSecret: this.#options.signingSecret,
      path: this.#options.path,
      port,
      host: this.#host,
      forwardTo: this.#forwardTo,
      installation: this.#options.installation(),
      untaken: this.#untaken.buffer as SharedArrayBuffer,
      maxUntaken: this.#options.maxUntaken ?? DEFAULT_MAX_UNTAKEN,
      edgeSetups: Object.fromEntries([...this.#handOffs].map(([name, handOff]) => [name, handOff.setup()])),
    };
    const worker =
      this.#takePrepared(data) ??
      new Worker(WORKER_URL, { workerData: data, resourceLimits: ACK_THREAD_LIMITS });
    this.#worker = worker;
    // Whatever way the thread ends, what its edge sides held is given back (a dead thread's
    // `finally` blocks never ran).
    worker.once("exit", () => {
      for (const [name, handOff] of this.#handOffs) handOff.threadEnded(data.edgeSetups[name]);
    });
    return new Promise<number>((resolve, reject) => {
      let listening = false;
      worker.on("message", (message: FromAckThread) => {
        if (message.type === "listening") {
          listening = true;
          this.#log.info(
            { port: message.port, code: WORKER_URL.pathname.endsWith(".js") ? "bundle" : "sources" },
            "the Slack ack thread listens",
          );
          resolve(message.port);
        } else if (message.type === "listen-failed") {
          if (listening) {
            // The socket failed after listening: a crash like any other, restarted on exit.
            this.#log.error({ reason: message.message }, "the Slack ack thread's listening socket failed");
            void worker.terminate();
            return;
          }
          reject(new Error(message.message));
          // Not a crash: the caller learns why, and nothing restarts it.
          if (this.#worker === worker) this.#worker = undefined;
          void worker.terminate();
        } else {
          this.#received(message, worker);
        }
      });
      worker.on("error", (error) => this.#log.error({ err: error }, "the Slack ack thread failed"));
      worker.on("exit", (code) => {
        if (!listening) reject(new Error(`the Slack ack thread ended (code ${code}) before listening`));
        if (this.#worker !== worker) return;
        this.#worker = undefined;
        // Before listening, the promise's rejection tells the caller (or the restart's retry).
        if (listening && !this.#closing) this.#restartLater(code);
      });
    });
  }

  /** The prepared thread, given its settings, if it is still there (it is used once). */
  #takePrepared(data: AckThreadData): Worker | undefined {
    const prepared = this.#prepared;
    this.#prepared = undefined;
    // Ended already: its settings would go nowhere and it would never listen (nor exit again).
    if (!prepared || endedPrepared.has(prepared) || prepared.threadId < 0) return undefined;
    prepared.ref();
    prepared.postMessage({ type: "start", data } satisfies AckThreadStart);
    return prepared;
  }

  #received(message: Exclude<FromAckThread, { type: "listening" | "listen-failed" }>, worker: Worker): void {
    switch (message.type) {
      case "hand-off":
        this.#handOff(message.name, message.id, message.request, worker);
        return;
      case "hand-off-note":
        this.#handOffs.get(message.name)?.note(message.note);
        return;
      case "slack":
        Atomics.sub(this.#untaken, 0, 1);
        this.#options.deliver(message);
        return;
      case "log":
        this.#log[message.level](message.fields, message.message);
        return;
      case "closed":
        return;
    }
  }

  /** Finishes a request the thread prepared; its answer goes back to the thread that asked. */
  #handOff(name: string, id: number, request: unknown, worker: Worker): void {
    const handOff = this.#handOffs.get(name);
    const failed = { status: 500, headers: { "content-type": "text/plain" }, body: "internal error\n" };
    // Never left unanswered: the thread holds the sender's connection until this answer comes.
    const answered = (handOff ? handOff.handle(request) : Promise.resolve(failed)).catch((error: unknown) => {
      this.#log.error({ err: error, handOff: name }, "a request handed over by the thread failed");
      return failed;
    });
    void answered.then((answer) => this.#answer(worker, id, answer));
  }

  /**
   * Queues an answer for the thread; the answers ready in this turn of the event loop go in one
   * message once it ends (setImmediate: after the commit's callers have all been answered). A
   * message each cost the main thread a post per alert, and the thread a wake-up per alert.
   */
  #answer(worker: Worker, id: number, answer: EdgeAnswer): void {
    // A thread that died meanwhile took its connections with it: the senders retry.
    if (this.#worker !== worker) return;
    if (this.#answers?.worker === worker) {
      this.#answers.answers.push({ id, answer });
      return;
    }
    const batch = { worker, answers: [{ id, answer }] };
    this.#answers = batch;
    setImmediate(() => {
      if (this.#answers === batch) this.#answers = undefined;
      if (this.#worker === worker)
        worker.postMessage({ type: "hand-off-answers", answers: batch.answers } satisfies ToAckThread);
    });
  }

  /** The thread died: Slack's requests find no listener until it is back, so back it comes. */
  #restartLater(code: number): void {
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** this.#failures);
    this.#failures++;
    this.#log.error(
      { code, restartInMs: delayMs },
      "the Slack ack thread stopped unexpectedly; restarting it",
    );
    this.#restartTimer = setTimeout(() => {
      if (this.#closing) return;
      this.#spawn(this.#port).then(
        () => {
          this.#failures = 0;
          this.restarts++;
          this.#log.info({ port: this.#port }, "the Slack ack thread restarted");
        },
        (error: unknown) => {
          this.#log.error({ err: error }, "the Slack ack thread could not be restarted");
          if (!this.#closing && !this.#worker) this.#restartLater(-1);
        },
      );
    }, delayMs);
  }
}
