// Gives memory back after a busy spell. Under load V8's heap grows to 150 MB and more; once the
// load ends the live heap is back near 40 MB, but the pages can stay resident for a long while
// (the bench measured 368 MB RSS 30 s after 20,000 commands), because V8's memory reducer waits
// for allocation to stop and tocsin never quite stops (the job queue polls four times a second).
// So tocsin asks for it: when the event loop has been nearly idle for a whole check interval and
// the resident memory has grown well beyond what it was after the last collection (or at start),
// one memory-reducing full GC (V8's "last resort" flavour: compacts and releases pooled pages)
// runs. It blocks for tens to hundreds of milliseconds, which is why it waits for a quiet spell,
// and it runs once per busy spell: what it leaves becomes the new mark. A quiet event loop is not
// enough: a page every few seconds costs too little CPU to show, and a page sent as the
// collection starts waited it out (the bench's page phase, 2026-11-30). So the composition root
// also says whether work a person waits for is pending or was taken in during the interval
// (`busy`, see waited-for-work.ts), and the collection waits for an interval with none. (The
// heap's own figures do not tell: its used size counts dead objects until a collection.)
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "pino";

export interface IdleMemoryOptions {
  log: Logger;
  /** How often quietness and memory are checked; a quiet spell is one whole interval. */
  checkMs?: number;
  /** Event loop utilisation (0-1) over an interval below which tocsin counts as quiet. */
  quietBelow?: number;
  /** Growth of the resident memory since the last collection, in bytes, worth a collection. */
  growthBytes?: number;
  /**
   * Counts the start as a busy spell: the first quiet check collects whatever the growth. A start
   * leaves garbage and sparse heap pages behind (modules evaluated, SDKs initialised) that an idle
   * desk's allocation never reclaims: measured on this project's machine, 121 MB of RSS before
   * and 118 MB after that one collection, which blocked the idle event loop for 90-115 ms.
   */
  settleStart?: boolean;
  /**
   * Whether work a person waits for (a page, an alert's answer, a command) is pending now or was
   * taken in since the last call; asked once per check. Never collects while it says so.
   */
  busy?: () => boolean;
  /** Seams for tests: the process's own by default. */
  probe?: MemoryProbe;
}

export interface MemoryProbe {
  /** Resident memory in bytes. */
  rss(): number;
  /** Event loop utilisation (0-1) since the previous call. */
  utilization(): number;
  /** A memory-reducing full collection. */
  collect(): void;
}

export class IdleMemory {
  readonly #log: Logger;
  readonly #checkMs: number;
  readonly #quietBelow: number;
  readonly #growthBytes: number;
  readonly #probe: MemoryProbe | undefined;
  readonly #busy: () => boolean;
  #active: MemoryProbe | undefined;
  #timer: NodeJS.Timeout | undefined;
  #mark = 0;
  #startUnsettled: boolean;

  constructor(options: IdleMemoryOptions) {
    this.#log = options.log;
    this.#checkMs = options.checkMs ?? 10_000;
    // An idle desk measures 4-7% (the job queue's polls, the Matrix long poll, metrics), more on a
    // loaded machine; a desk answering a few commands a second, 20% and more.
    this.#quietBelow = options.quietBelow ?? 0.1;
    this.#growthBytes = options.growthBytes ?? 48 * 1024 * 1024;
    this.#probe = options.probe;
    this.#busy = options.busy ?? (() => false);
    this.#startUnsettled = options.settleStart ?? false;
  }

  start(): void {
    this.#active = this.#probe ?? processProbe();
    this.#active.utilization();
    this.#mark = this.#active.rss();
    this.#timer = setInterval(() => this.check(), this.#checkMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * One check: collects when the last interval was quiet (a nearly idle event loop, and no work
   * people wait for pending or taken in) and the resident memory grew.
   */
  check(): void {
    const probe = this.#active;
    if (!probe) return;
    const utilization = probe.utilization();
    // Asked at every check, so that what it counts "since the last call" is this interval.
    const busy = this.#busy();
    const before = probe.rss();
    if (busy || utilization >= this.#quietBelow) return;
    if (!this.#startUnsettled && before - this.#mark < this.#growthBytes) return;
    this.#startUnsettled = false;
    const began = performance.now();
    probe.collect();
    const ms = Math.round(performance.now() - began);
    // The collection itself is not a busy spell.
    probe.utilization();
    this.#mark = probe.rss();
    const mb = (bytes: number) => Math.round(bytes / 1048576);
    this.#log.info({ ms, rssMb: [mb(before), mb(this.#mark)] }, "memory given back after a busy spell");
  }
}

function processProbe(): MemoryProbe {
  // V8's gc() without --expose-gc on the command line: a context made after the flag is set has
  // it (the main context's global stays as it is).
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (options: object) => void;
  let last = performance.eventLoopUtilization();
  return {
    rss: () => process.memoryUsage.rss(),
    utilization() {
      const now = performance.eventLoopUtilization();
      const spell = performance.eventLoopUtilization(now, last);
      last = now;
      return spell.utilization;
    },
    collect: () => gc({ type: "major", execution: "sync", flavor: "last-resort" }),
  };
}
