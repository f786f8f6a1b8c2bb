// Keeps the embedded PostgreSQL running while tocsin runs. A server that dies (killed, crashed,
// out of memory) is started again on the same port, so the connection pool finds it again;
// after a few failed attempts tocsin gives up and exits non-zero, so that a service manager
// restarts the whole process. While the server is down, /healthz says so (503).
//
// Liveness is polled from postmaster.pid: it works alike for a server tocsin spawned and one it
// adopted after a kill -9, which is not its child.
import type { EmbeddedServer } from "./embedded-postgres.ts";

export interface SupervisorOptions {
  server: EmbeddedServer;
  /** Starts the server again (same data directory and port). */
  restart(previous: EmbeddedServer): Promise<EmbeddedServer>;
  /** Every attempt failed: tocsin should exit. */
  onGiveUp(error: Error): void;
  log?: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
  pollMs?: number;
  /** Waits before each restart attempt; its length is the number of attempts. */
  backoffMs?: readonly number[];
}

export const DEFAULT_BACKOFF_MS = [250, 1000, 2000, 4000, 8000] as const;
/** A server that stayed up this long starts the next failure with a fresh set of attempts. */
const STABLE_AFTER_MS = 60_000;

export class PostgresSupervisor {
  readonly #options: SupervisorOptions;
  #server: EmbeddedServer;
  #timer: NodeJS.Timeout | undefined;
  #down: string | undefined;
  #stopped = false;
  #checking: Promise<void> | undefined;
  #upSince = Date.now();
  #attempts = 0;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#server = options.server;
  }

  /** The server in use now (a restart replaces it). */
  get server(): EmbeddedServer {
    return this.#server;
  }

  /** Why the database is not live, or undefined when it is. */
  get down(): string | undefined {
    return this.#down;
  }

  start(): void {
    this.#schedule(this.#options.pollMs ?? 500);
  }

  /** Stops watching (before a deliberate stop of the server), waiting for a restart under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#checking;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#checking = this.#check().finally(() => {
        this.#checking = undefined;
      });
    }, ms);
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    const log = this.#options.log ?? (() => {});
    if (await this.#server.isRunning()) {
      this.#schedule(this.#options.pollMs ?? 500);
      return;
    }
    if (this.#stopped) return;
    const backoff = this.#options.backoffMs ?? DEFAULT_BACKOFF_MS;
    if (Date.now() - this.#upSince > STABLE_AFTER_MS) this.#attempts = 0;
    this.#down = "the embedded PostgreSQL is down; restarting it";
    log("error", "embedded PostgreSQL died; restarting it", { port: this.#server.port });
    let lastError: Error = new Error("no attempt made");
    while (this.#attempts < backoff.length && !this.#stopped) {
      const wait = backoff[this.#attempts] ?? 0;
      this.#attempts++;
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.#stopped) return;
      try {
        this.#server = await this.#options.restart(this.#server);
        this.#down = undefined;
        this.#upSince = Date.now();
        log("warn", "embedded PostgreSQL restarted", { attempt: this.#attempts, port: this.#server.port });
        this.#schedule(this.#options.pollMs ?? 500);
        return;
      } catch (error) {
        lastError = error as Error;
        log("error", "embedded PostgreSQL did not restart", {
          attempt: this.#attempts,
          err: lastError.message,
        });
      }
    }
    if (this.#stopped) return;
    this.#down = "the embedded PostgreSQL is down and could not be restarted";
    this.#options.onGiveUp(lastError);
  }
}
