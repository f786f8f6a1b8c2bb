// The alert desk: stores what monitoring sends (receive, through the seam in signal.ts) and
// lets people act on alerts (`/alert ...`). Paging, page updates and the incident-room line are
// durable jobs (alert-pages.ts); people's actions are in alert-actions.ts; declaring incidents
// from alerts (by a person or a rule) in alert-incidents.ts.
//
// RECEIVING
// - One or two statements per batch (store.ts): the open alerts of the batch's keys are read
//   (unless all are remembered as this process last wrote them: open-alerts.ts), the signals
//   folded in memory (fold.ts), then one statement updates and inserts the alerts and enqueues
//   their page and auto-declare jobs, or fails as a whole if another writer changed one of them
//   since the read (then the batch is read and folded again). `receive` resolves only
//   after that statement committed; an endpoint answers 2xx after it, never before.
// - Group commit: requests arriving while a batch is written share the next one (group-commit.ts).
// - A database that cannot be reached rejects with DatabaseUnavailable (src/errors.ts), so the
//   endpoint answers 503 and the sender retries.
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { DatabaseUnavailable } from "../errors.ts";
import type { JobQueue } from "../jobs/queue.ts";
import { AlertActions } from "./alert-actions.ts";
import { AlertIncidents } from "./alert-incidents.ts";
import { AlertPages } from "./alert-pages.ts";
import { isConnectionFailure } from "./connection-errors.ts";
import type { AlertDeskDeps } from "./desk-deps.ts";
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
 * person's ack, a page job recording its page): the batch is read and folded again.
 */
const CONFLICT_RETRIES = 5;

/** What the desk is built from; its parts (pages, incidents from alerts) take the same. */
export type AlertsOptions = AlertDeskDeps;

export class Alerts implements AlertReceiver {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #jobs: JobQueue;
  readonly #pages: AlertPages;
  readonly #incidents: AlertIncidents;
  readonly #commits: GroupCommit<AlertSignal>;
  /** The open alerts last written here: a batch of alerts all known skips its read (store.ts). */
  readonly #remembered = new OpenAlertCache();
  /** What people do with alerts (`/alert ack|resolve|silence|link ...`). */
  readonly actions: AlertActions;

  constructor(options: AlertsOptions) {
    const pages = new AlertPages(options);
    const incidents = new AlertIncidents({ ...options, pages });
    this.actions = new AlertActions({ ...options, pages });
    this.#db = options.db;
    this.#clock = options.clock;
    this.#jobs = options.jobs;
    this.#pages = pages;
    this.#incidents = incidents;
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

  /** Declares an incident from the alert (`/alert declare`), through the normal declare path. */
  get declarer(): AlertIncidents {
    return this.#incidents;
  }

  /** Requests received so far (only grows) and whether one waits for its commit now: work people wait for. */
  get requestsReceived(): number {
    return this.#commits.submitted;
  }

  get committing(): boolean {
    return this.#commits.pending;
  }

  /** Resolves once every signal received so far is committed (a barrier for tests and shutdown). */
  idle(): Promise<void> {
    return this.#commits.idle();
  }

  async #write(signals: readonly AlertSignal[]): Promise<void> {
    const now = this.#clock.now();
    let dueNow = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await storeSignals(
          this.#db,
          signals,
          now,
          (alerts) => {
            const jobs = [
              ...this.#pages.jobsFor(alerts, now),
              ...this.#incidents.autoDeclareJobs(alerts, now),
            ];
            dueNow = jobs.some((job) => Date.parse(job.dueAt) <= now.getTime());
            return jobs;
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
    if (dueNow) this.#jobs.kick();
  }
}
