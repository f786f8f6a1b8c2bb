// The one lifecycle of the desk's long-running parts. The composition root lists them once; the
// list fixes both orders: start in list order, stop in reverse. A part whose start fails stops
// what already started (in reverse) before the failure is thrown, so a failed start leaves no
// timer, worker or connection behind.
import type { Logger } from "pino";

/** A long-running part of the desk. Either hook may be absent (a part that only stops, e.g.). */
export interface Module {
  /** Said in the log lines of its start and stop. */
  name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export class ModuleList {
  readonly #modules: readonly Module[];
  readonly #log: Logger;
  /** Modules whose start finished (or that have none), in start order. */
  readonly #started: Module[] = [];
  #starting: Promise<void> | undefined;
  #stopping = false;

  constructor(modules: readonly Module[], log: Logger) {
    this.#modules = modules;
    this.#log = log;
  }

  get names(): string[] {
    return this.#modules.map((module) => module.name);
  }

  start(): Promise<void> {
    this.#starting ??= this.#startAll();
    return this.#starting;
  }

  /**
   * Stops, in reverse order, every module that started. A stop during start waits for the module
   * being started (none after it starts), then stops it too. A failing stop is logged and the
   * others still stop; the first failure is thrown at the end.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#starting?.catch(() => {});
    await this.#stopStarted();
  }

  async #startAll(): Promise<void> {
    for (const module of this.#modules) {
      if (this.#stopping) return;
      const began = performance.now();
      try {
        await module.start?.();
      } catch (error) {
        this.#log.error({ module: module.name, ms: elapsed(began), err: error }, "module failed to start");
        await this.#stopStarted().catch(() => {});
        throw error;
      }
      this.#started.push(module);
      if (module.start) this.#log.info({ module: module.name, ms: elapsed(began) }, "module started");
    }
  }

  async #stopStarted(): Promise<void> {
    let failure: unknown;
    for (let module = this.#started.pop(); module; module = this.#started.pop()) {
      if (!module.stop) continue;
      const began = performance.now();
      try {
        await module.stop();
        this.#log.info({ module: module.name, ms: elapsed(began) }, "module stopped");
      } catch (error) {
        this.#log.error({ module: module.name, ms: elapsed(began), err: error }, "module failed to stop");
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

function elapsed(began: number): number {
  return Math.round(performance.now() - began);
}
