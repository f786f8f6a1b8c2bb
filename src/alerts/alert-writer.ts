// The intake's writer: signals in, committed batches out (store.ts), with group commit
// (group-commit.ts), the open alerts it last wrote (open-alerts.ts) and the retries of a batch
// another writer raced. It needs only a driver and a clock, so it runs where the requests are:
// on the HTTP edge thread when one owns the port (intake/edge.ts), which then answers a sender
// without the main thread (its jobs, chat work and collections never delay an alert's answer),
// and on the main thread for heartbeats and when there is no edge (alerts.ts). Two writers in
// one process are two writers as two replicas are: a batch raced by the other fails as a whole
// and is read and folded again.
import type { Sql } from "../db/sql.ts";
import { DatabaseUnavailable } from "../errors.ts";
import { alertJobs } from "./alert-jobs.ts";
import { isConnectionFailure } from "./connection-errors.ts";
import { GroupCommit } from "./group-commit.ts";
import { OpenAlertCache } from "./open-alerts.ts";
import { probe } from "./phase-probe.ts";
import type { AlertReceiver, AlertSignal } from "./signal.ts";
import { isBatchConflict, storeSignals } from "./store.ts";

/** Signals written in one transaction at most (a request is never split). */
const MAX_BATCH = 500;
/**
 * Batches written at once. One: measured on 2 busy cores, a second writer added no throughput
 * (the commit, not the wait for it, is the cost) and took connections from commands and jobs.
 */
const WRITERS = 1;
/**
 * Another writer changing one of the batch's alerts between its read and its write (a replica, a
 * person's ack, a page job recording its page, the other thread's writer): read and fold again.
 */
const CONFLICT_RETRIES = 5;

export interface AlertWriterOptions {
  /** The driver the batches go on (its pool's connections are the writer's). */
  sql: () => Sql;
  now: () => Date;
  /** A batch enqueued a job due now (a page to make or settle): wake the job queue. */
  jobsDue: () => void;
}

export class AlertWriter implements AlertReceiver {
  readonly #o: AlertWriterOptions;
  readonly #commits: GroupCommit<AlertSignal>;
  /** The open alerts last written here: a batch of alerts all known skips its read (store.ts). */
  readonly #remembered = new OpenAlertCache();

  constructor(options: AlertWriterOptions) {
    this.#o = options;
    this.#commits = new GroupCommit((signals) => this.#write(signals), {
      maxItems: MAX_BATCH,
      writers: WRITERS,
      isFatal: (error) => error instanceof DatabaseUnavailable,
    });
  }

  receive(signals: readonly AlertSignal[]): Promise<void> {
    if (signals.length === 0) return Promise.resolve();
    return this.#commits.submit(signals);
  }

  /** Requests submitted so far (only grows). */
  get submitted(): number {
    return this.#commits.submitted;
  }

  /** Whether a request waits for its commit now. */
  get pending(): boolean {
    return this.#commits.pending;
  }

  /** Resolves once every signal received so far is committed (or failed). */
  idle(): Promise<void> {
    return this.#commits.idle();
  }

  async #write(signals: readonly AlertSignal[]): Promise<void> {
    const now = this.#o.now();
    let dueNow = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await storeSignals(
          this.#o.sql(),
          signals,
          now,
          (alerts) => {
            const jobs = alertJobs(alerts, now);
            dueNow = jobs.dueNow;
            return jobs.rows;
          },
          this.#remembered,
        );
        probe("write.attempts", attempt);
        break;
      } catch (error) {
        if (isBatchConflict(error) && attempt < CONFLICT_RETRIES) continue;
        if (isConnectionFailure(error)) throw new DatabaseUnavailable(error);
        throw error;
      }
    }
    // A page to make or settle runs at once; showing later signals is due at the end of their
    // second and the poller wakes for it then (waking it for every batch of repeats cost two
    // statements a batch: a claim that found nothing and the next due time).
    if (dueNow) this.#o.jobsDue();
  }
}
