// Retention: bookkeeping rows that only matter for a while are pruned by a durable job, so the
// tables behind every command (dedupe keys, claims, jobs) stay small on a desk that runs for
// years. Incidents, timelines, audit entries and pages themselves are records and are kept.
//
//   ProcessedEvent   handled inbound event keys (redeliveries come within minutes)
//   InboundClaim     which replica answered an event (answered, or lease long gone)
//   Job              finished jobs (done, failed, cancelled)
//   PageDelivery     sent, held or failed deliveries of resolved pages (nobody acks those)
//
// One job per hour, keyed by its fire time: every replica enqueues the same key, one row wins,
// and the run enqueues the next in the transaction that completes it.
import type { Logger } from "pino";
import { z } from "zod";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { sql } from "../db/statement.ts";
import type { JobKind, JobQueue } from "../jobs/queue.ts";

export const RETENTION_JOB = "retention.prune";
export const RETENTION_INTERVAL_MS = 60 * 60_000;
export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60_000;
/** Rows deleted per statement, so a first run on a big table holds no long locks. */
const BATCH = 5000;

export interface Pruned {
  processedEvents: number;
  claims: number;
  jobs: number;
  pageDeliveries: number;
}

/** A run carries nothing: its fire time is its key. */
const RUN_PAYLOAD = z.object({});

export class Retention {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #run: JobKind<typeof RUN_PAYLOAD>;
  readonly #retentionMs: number;

  constructor(
    deps: { db: Db; clock: Clock; log: Logger; jobs: JobQueue },
    retentionMs = DEFAULT_RETENTION_MS,
  ) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#log = deps.log.child({ component: "retention" });
    this.#retentionMs = retentionMs;
    this.#run = deps.jobs.define({
      kind: RETENTION_JOB,
      payload: RUN_PAYLOAD,
      handler: async (job, ctx) => {
        const pruned = await this.prune(ctx.now);
        this.#log.info({ ...pruned, olderThan: this.#cutoff(ctx.now) }, "old bookkeeping pruned");
        const next = nextFireTime(job.dueAt.getTime() < ctx.now.getTime() ? ctx.now : job.dueAt);
        await this.#db.$transaction(async (tx) => {
          await this.#run.enqueue(tx, { key: fireKey(next), payload: {}, dueAt: next });
          await ctx.complete(tx);
        });
      },
    });
  }

  /** Enqueues the current hour's run (a no-op when it exists: another replica or an earlier start). */
  async schedule(): Promise<void> {
    const now = this.#clock.now();
    const due = new Date(Math.floor(now.getTime() / RETENTION_INTERVAL_MS) * RETENTION_INTERVAL_MS);
    await this.#run.enqueue(this.#db, { key: fireKey(due), payload: {}, dueAt: due });
  }

  /** Deletes what is older than the retention period at `now`; returns how many rows of each. */
  async prune(now: Date): Promise<Pruned> {
    const cutoff = this.#cutoff(now);
    return {
      processedEvents: await this.#inBatches(() =>
        this.#db.$executeRaw(sql`
          delete from "ProcessedEvent" where ctid in (
            select ctid from "ProcessedEvent" where "processedAt" < ${cutoff} limit ${BATCH})`),
      ),
      claims: await this.#inBatches(() =>
        this.#db.$executeRaw(sql`
          delete from "InboundClaim" where ctid in (
            select ctid from "InboundClaim"
             where "claimedAt" < ${cutoff} and ("answeredAt" is not null or "leaseUntil" < ${cutoff})
             limit ${BATCH})`),
      ),
      jobs: await this.#inBatches(() =>
        this.#db.$executeRaw(sql`
          delete from "Job" where ctid in (
            select ctid from "Job" where outcome is not null and "finishedAt" < ${cutoff} limit ${BATCH})`),
      ),
      pageDeliveries: await this.#inBatches(() =>
        this.#db.$executeRaw(sql`
          delete from "PageDelivery" where ctid in (
            select d.ctid from "PageDelivery" d join "Page" p on p.id = d."pageId"
             where p.status = 'resolved' and d.state <> 'pending' and d."createdAt" < ${cutoff}
             limit ${BATCH})`),
      ),
    };
  }

  #cutoff(now: Date): Date {
    return new Date(now.getTime() - this.#retentionMs);
  }

  async #inBatches(deleteBatch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch();
      total += deleted;
      if (deleted < BATCH) return total;
    }
  }
}

function nextFireTime(after: Date): Date {
  return new Date((Math.floor(after.getTime() / RETENTION_INTERVAL_MS) + 1) * RETENTION_INTERVAL_MS);
}

function fireKey(due: Date): string {
  return `retention:${due.toISOString()}`;
}
