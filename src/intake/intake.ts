// Where every platform's invocations enter the app (src/app.ts hands `handle` to each platform):
// a bounded queue in front of the router, and a claim per event so that of several replicas on
// one chat account exactly one answers. Platforms return to their own work (Slack's ack, Matrix's
// sync) while commands wait for a slot; a full queue answers "busy" at once.
import type { Logger } from "pino";
import type { Invocation, InvocationOutcome } from "../chat/invocation.ts";
import { message, text } from "../chat/message.ts";
import type { Metrics } from "../http/metrics.ts";
import type { Outbox } from "../outbox/outbox.ts";
import type { CommandOutcome } from "../router/router.ts";
import { CommandQueue, type CommandQueueLimits, DEFAULT_COMMAND_LIMITS } from "./command-queue.ts";
import type { InboundClaims } from "./inbound-claims.ts";

/** Re-checks of an event another replica holds, in case that replica dies before answering. */
const MAX_TAKEOVER_CHECKS = 3;
const MAX_WATCHED_EVENTS = 1000;

export const BUSY_TEXT = "⏳ tocsin is busy right now. Please retry in a moment.";

export interface IntakeDeps {
  route(invocation: Invocation): Promise<CommandOutcome>;
  outbox: Outbox;
  claims?: InboundClaims;
  log: Logger;
  limits?: CommandQueueLimits;
  /** tocsin_command_queue{state} is read from the queue when scraped. */
  metrics?: Metrics;
}

export class Intake {
  readonly queue: CommandQueue;
  readonly #deps: IntakeDeps;
  readonly #log: Logger;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #watched = new Map<string, NodeJS.Timeout>();
  #stopped = false;
  #accepted = 0;

  constructor(deps: IntakeDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: "intake" });
    const queue = new CommandQueue(deps.limits ?? DEFAULT_COMMAND_LIMITS);
    this.queue = queue;
    // Read at scrape time: nothing to keep in step on every command.
    deps.metrics?.watchCommandQueue(() => ({ running: queue.running, waiting: queue.waiting }));
  }

  /**
   * Takes an invocation. Resolves when it has been handled (or answered busy, or left to the
   * replica that claimed it), saying which; never rejects. The decision to queue or refuse is
   * made at once.
   */
  async handle(invocation: Invocation): Promise<InvocationOutcome> {
    this.#accepted++;
    const queued = this.queue.offer(() => this.#run(invocation));
    const claimed = await this.#track(queued ?? this.#answerBusy(invocation));
    // A failure was logged by #track and answered by the router: this replica had the event.
    return claimed === false ? "left to another replica" : "answered here";
  }

  /** Invocations taken so far (only grows), answered busy or not. */
  get taken(): number {
    return this.#accepted;
  }

  /** Whether a command is waiting or being handled now. */
  get handling(): boolean {
    return this.#inFlight.size > 0;
  }

  /**
   * Resolves once every accepted command is handled and its marks (answered, announced) are
   * written (tests use it as a barrier).
   */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.#deps.claims?.flush();
  }

  /** Waits for what was accepted; stops watching events held by other replicas. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#watched.values()) clearTimeout(timer);
    this.#watched.clear();
    await Promise.allSettled([...this.#inFlight]);
    await this.#deps.claims?.flush();
  }

  #track<T>(work: Promise<T>): Promise<T | undefined> {
    const tracked = work
      .catch((error: unknown) => {
        this.#log.error({ err: error }, "command intake failed");
        return undefined;
      })
      .finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    return tracked;
  }

  /** False when another replica holds the event. */
  async #run(invocation: Invocation): Promise<boolean> {
    if (!(await this.#claim(invocation))) return false;
    await this.#routeClaimed(invocation);
    return true;
  }

  async #routeClaimed(invocation: Invocation): Promise<void> {
    const claims = this.#deps.claims;
    let outcome: CommandOutcome = "error";
    try {
      outcome = await this.#deps.route(invocation);
    } finally {
      if (claims && outcome === "error") {
        await claims
          .release(invocation)
          .catch((error: unknown) => this.#log.warn({ err: error }, "could not release a claim"));
      } else {
        claims?.answered(invocation);
      }
    }
  }

  /** True when this replica is to answer the invocation. */
  async #claim(invocation: Invocation): Promise<boolean> {
    const claims = this.#deps.claims;
    if (!claims) return true;
    try {
      if (await claims.claim(invocation)) return true;
    } catch (error) {
      // Without the database the router cannot do much either; it answers with a sentence.
      this.#log.warn(
        { err: error, dedupeKey: invocation.dedupeKey },
        "could not claim an event; handling it",
      );
      return true;
    }
    this.#log.info(
      { dedupeKey: invocation.dedupeKey },
      "event claimed by another replica or already answered",
    );
    this.#watch(invocation, MAX_TAKEOVER_CHECKS);
    return false;
  }

  /** Takes the event over if the replica holding it lets its lease run out unanswered. */
  #watch(invocation: Invocation, checksLeft: number): void {
    const claims = this.#deps.claims;
    const id = `${invocation.platform}\u0000${invocation.dedupeKey}`;
    if (!claims || this.#stopped || checksLeft <= 0) return;
    if (this.#watched.has(id) || this.#watched.size >= MAX_WATCHED_EVENTS) return;
    const timer = setTimeout(() => {
      this.#watched.delete(id);
      void this.#track(this.#check(invocation, checksLeft - 1));
    }, claims.leaseMs + 100);
    timer.unref();
    this.#watched.set(id, timer);
  }

  async #check(invocation: Invocation, checksLeft: number): Promise<void> {
    const claims = this.#deps.claims;
    if (!claims || this.#stopped) return;
    const state = await claims.state(invocation);
    // Answered, or failed and answered with an error by its owner (released): nothing to do.
    if (state !== "held") return;
    const queued = this.queue.offer(async () => {
      if (!(await claims.takeOver(invocation))) {
        this.#watch(invocation, checksLeft);
        return;
      }
      this.#log.warn({ dedupeKey: invocation.dedupeKey }, "took over an event its replica left unanswered");
      await this.#routeClaimed(invocation);
    });
    if (!queued) this.#watch(invocation, checksLeft);
    else await queued;
  }

  /** False when another replica holds the event. */
  async #answerBusy(invocation: Invocation): Promise<boolean> {
    this.#log.warn(
      { dedupeKey: invocation.dedupeKey, running: this.queue.running, waiting: this.queue.waiting },
      "command queue full: answered busy",
    );
    // A busy answer is this event's answer: claimed like any other, so one replica gives it.
    if (!(await this.#claim(invocation))) return false;
    await this.#deps.outbox.reply(
      invocation,
      { visibility: "ephemeral", failed: "error", message: message(text(BUSY_TEXT)) },
      { kind: "interface" },
    );
    this.#deps.claims?.answered(invocation);
    return true;
  }
}
