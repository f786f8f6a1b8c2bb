// The alert desk: stores what monitoring sends (receive, through the seam in signal.ts) and
// lets people act on alerts (`/alert ...`). Paging, page updates and the incident-room line are
// durable jobs (alert-pages.ts); people's actions are in alert-actions.ts; declaring incidents
// from alerts (by a person or a rule) in alert-incidents.ts.
//
// RECEIVING (alert-writer.ts; on the HTTP edge thread for the alert endpoints when one owns the
// port, intake/edge.ts, and here for heartbeats and when there is none)
// - One or two statements per batch (store.ts): the open alerts of the batch's keys are read
//   (unless all are remembered as this process last wrote them: open-alerts.ts), the signals
//   folded in memory (fold.ts), then one statement updates and inserts the alerts and enqueues
//   their page and auto-declare jobs, or fails as a whole if another writer changed one of them
//   since the read (then the batch is read and folded again). `receive` resolves only
//   after that statement committed; an endpoint answers 2xx after it, never before.
// - Group commit: requests arriving while a batch is written share the next one (group-commit.ts).
// - A database that cannot be reached rejects with DatabaseUnavailable (src/errors.ts), so the
//   endpoint answers 503 and the sender retries.
import { sqlOf } from "../db/sql.ts";
import { AlertActions } from "./alert-actions.ts";
import { AlertIncidents } from "./alert-incidents.ts";
import { AlertPages } from "./alert-pages.ts";
import { AlertWriter } from "./alert-writer.ts";
import type { AlertDeskDeps } from "./desk-deps.ts";
import type { AlertReceiver, AlertSignal } from "./signal.ts";

/** What the desk is built from; its parts (pages, incidents from alerts) take the same. */
export type AlertsOptions = AlertDeskDeps;

export class Alerts implements AlertReceiver {
  readonly #writer: AlertWriter;
  readonly #incidents: AlertIncidents;
  /** What people do with alerts (`/alert ack|resolve|silence|link ...`). */
  readonly actions: AlertActions;

  constructor(options: AlertsOptions) {
    const pages = new AlertPages(options);
    this.#incidents = new AlertIncidents({ ...options, pages });
    this.actions = new AlertActions({ ...options, pages });
    this.#writer = new AlertWriter({
      sql: () => sqlOf(options.db),
      now: () => options.clock.now(),
      jobsDue: () => options.jobs.kick(),
    });
  }

  receive(signals: readonly AlertSignal[]): Promise<void> {
    return this.#writer.receive(signals);
  }

  /** Declares an incident from the alert (`/alert declare`), through the normal declare path. */
  get declarer(): AlertIncidents {
    return this.#incidents;
  }

  /** Requests received on this thread so far (only grows) and whether one waits for its commit now. */
  get requestsReceived(): number {
    return this.#writer.submitted;
  }

  get committing(): boolean {
    return this.#writer.pending;
  }

  /** Resolves once every signal received here so far is committed (a barrier for tests and shutdown). */
  idle(): Promise<void> {
    return this.#writer.idle();
  }
}
