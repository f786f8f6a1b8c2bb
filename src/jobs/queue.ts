// Durable jobs on PostgreSQL: escalation steps, reminders, scheduled bulletins.
//
// A job is a row with a due time. Workers claim due rows with a lease
// (`for update skip locked`): two replicas never claim the same row, and a job whose worker
// died (kill -9) is claimed again once its lease expires, so nothing is lost; a job still running
// has its lease renewed (for 5 minutes at most), so no replica takes it meanwhile. A handler that
// changes the database marks its job done inside its own transaction (`ctx.complete(tx)`), so
// the change and the completion land together: a crash before the commit re-runs the step,
// a crash after it cannot. A run ends, fails or renews only its own claim (its worker and attempt):
// a hung run that lost its lease and ends late changes nothing, even when its own worker has
// taken the job again since (one replica). Side effects outside the database (chat posts) are at-least-once
// in the window between sending and committing; handlers keep that window small.
//
// Idempotency keys make enqueueing safe to repeat: one row per (schedule, fire time) however
// many replicas try.
//
// Payloads outlive deploys: a job enqueued by one version may be claimed by the next. So each
// kind is declared once with a zod schema (`define`), shared by its enqueue and its handler, and
// the payload is validated at claim time: one that does not match (a renamed field, a hand-edited
// row) fails that job for good with a log line naming the problem, instead of crashing the
// worker or retrying forever.
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { z } from "zod";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { rows } from "../db/rows.ts";
import { type Sql, sqlOf } from "../db/sql.ts";
import { type Statement, sql } from "../db/statement.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import type { Metrics } from "../http/metrics.ts";
import {
  type ClaimedJob,
  insertJobRows,
  type Job,
  type JobContext,
  type JobDefinition,
  type JobHandler,
  type JobKind,
  type JobRow,
  jobRowsOf,
  MAX_RETRY_LATER_MS,
  type NewJob,
  type PayloadSchema,
  RetryLater,
} from "./job.ts";

export type { ClaimedJob, Job, JobContext, JobDefinition, JobHandler, JobKind, JobRow, NewJob };
export { insertJobRows, MAX_RETRY_LATER_MS, RetryLater };

interface Registered {
  payload: PayloadSchema;
  handler: JobHandler<Record<string, unknown>>;
}

export interface JobQueueOptions {
  /** Identifies this process in leases (for logs and takeover). */
  workerId?: string;
  leaseMs?: number;
  /** How often a running job's lease is renewed (a third of the lease unless given). */
  renewEveryMs?: number;
  /**
   * How long a job's lease is renewed at most: a handler still running after that (hung, or
   * waiting out rate limits that long) loses its lease, and another worker may take the job.
   */
  maxHoldMs?: number;
  pollMs?: number;
  maxAttempts?: number;
  batchSize?: number;
  metrics?: Metrics;
}

type DbClient = Db | DbTransaction;

/**
 * Longest a running job keeps its lease by renewing it (see JobQueue.#holdLease): longer than a
 * chat call waits out rate limits in practice (a page DM still waiting after that has failed its
 * purpose), short enough that a hung escalation step (a bug: every call has a deadline) delays
 * its page by minutes, not a quarter of an hour.
 */
export const MAX_HOLD_MS = 5 * 60_000;

const nextDueRow = z.object({ due: z.date().nullable() });

const claimedJobRow = z.object({
  id: z.string(),
  kind: z.string(),
  key: z.string().nullable(),
  payload: z.json(),
  dueAt: z.date(),
  attempts: z.number().int(),
}) satisfies z.ZodType<ClaimedJob>;

export class JobQueue {
  readonly workerId: string;
  readonly #db: Db;
  /** The poll's two statements, run on every wake-up: on the driver (see sql.ts). */
  #sqlOfDb: Sql | undefined;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #kinds = new Map<string, Registered>();
  readonly #leaseMs: number;
  readonly #renewEveryMs: number;
  readonly #maxHoldMs: number;
  readonly #pollMs: number;
  readonly #maxAttempts: number;
  readonly #batchSize: number;
  readonly #metrics: Metrics | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #cycle: Promise<number> | undefined;
  #again = false;
  /** Jobs being run by this process now. */
  #jobsRunning = 0;
  /** When the next pending job is due (epoch ms), as the poller last read it; undefined: none. */
  #nextDueMs: number | undefined;

  constructor(db: Db, clock: Clock, log: Logger, options: JobQueueOptions = {}) {
    this.#db = db;
    this.#clock = clock;
    this.#log = log.child({ component: "jobs" });
    this.workerId = options.workerId ?? `${process.pid}-${randomBytes(3).toString("hex")}`;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#renewEveryMs = options.renewEveryMs ?? Math.round(this.#leaseMs / 3);
    this.#maxHoldMs = options.maxHoldMs ?? MAX_HOLD_MS;
    this.#pollMs = options.pollMs ?? 250;
    this.#maxAttempts = options.maxAttempts ?? 8;
    this.#batchSize = options.batchSize ?? 20;
    this.#metrics = options.metrics;
  }

  /** Declares a kind of job: its payload schema and its handler, once per queue. */
  define<S extends PayloadSchema>(definition: JobDefinition<S>): JobKind<S> {
    const { kind, payload } = definition;
    if (this.#kinds.has(kind)) throw new Error(`${kind} jobs are already defined`);
    this.#kinds.set(kind, {
      payload,
      handler: definition.handler as JobHandler<Record<string, unknown>>,
    });
    // Checked on the way in too: a bad payload is a bug of the enqueuer, caught where it is.
    const rowsOf = (jobs: ReadonlyArray<NewJob<z.input<S>>>): JobRow[] => jobRowsOf(kind, payload, jobs);
    return {
      kind,
      payload,
      enqueue: async (client, job) => {
        // Checked on the way in too: a bad payload is a bug of the enqueuer, caught where it is.
        const checked = payload.parse(job.payload);
        const insert = sql`
          insert into "Job" (id, kind, key, payload, "dueAt")
          values (${crypto.randomUUID()}, ${kind}, ${job.key ?? null}, ${JSON.stringify(checked)}::jsonb, ${job.dueAt})
          on conflict (key) do nothing`;
        // Outside a transaction on the driver: start-up enqueues (retention's run) then need no
        // Prisma query compiler on the start's critical path.
        const rows = client === this.#db ? await this.#sql.execute(insert) : await client.$executeRaw(insert);
        return rows > 0;
      },
      enqueueMany: async (client, jobs) => {
        if (jobs.length === 0) return 0;
        return client.$executeRaw(insertJobRows(rowsOf(jobs)));
      },
      rows: (jobs) => rowsOf(jobs),
    };
  }

  /** Cancels pending jobs whose key starts with `keyPrefix` (e.g. a page's escalation steps). */
  async cancel(client: DbClient, keyPrefix: string): Promise<number> {
    return client.$executeRaw(sql`
      update "Job" set outcome = 'cancelled', "finishedAt" = ${this.#clock.now()}, "leasedUntil" = null
       where outcome is null and key like ${`${escapeLike(keyPrefix)}%`}`);
  }

  /**
   * Makes the pending job with `key` due at `now` if it was due later (an escalation step whose
   * level turned out to reach nobody); false when there is no such job.
   */
  async hurry(key: string, now: Date): Promise<boolean> {
    const updated = await this.#db.$executeRaw(sql`
      update "Job" set "dueAt" = ${now}
       where key = ${key} and outcome is null and "dueAt" > ${now}`);
    if (updated > 0) this.kick();
    return updated > 0;
  }

  /** Looked up on first use: a queue that never polls (a test's) needs no pool. */
  get #sql(): Sql {
    this.#sqlOfDb ??= sqlOf(this.#db);
    return this.#sqlOfDb;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops claiming and waits for the jobs being run to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#cycle;
  }

  /**
   * Whether this process runs a job or claims jobs now, or the next pending job is due within
   * `withinMs` (as the poller last read it): a page's next step is work a person waits for.
   */
  hasWorkWithin(withinMs: number): boolean {
    if (this.#jobsRunning > 0 || this.#cycle !== undefined) return true;
    return this.#nextDueMs !== undefined && this.#nextDueMs - this.#clock.now().getTime() <= withinMs;
  }

  /** Runs a claim cycle soon (after enqueueing something due now). */
  kick(): void {
    if (!this.#running) return;
    this.#nextDueMs = this.#clock.now().getTime();
    if (this.#cycle) this.#again = true;
    else this.#schedule(0);
  }

  /**
   * The row of a job inserted already claimed by this worker (leased as a claim would), and that
   * job to give `runClaimed` once the transaction inserting it has committed: work that follows
   * a commit at once runs without a claim statement, and if this process dies first the lease
   * expires and any worker runs it, as it would a claimed job whose worker died.
   */
  claimedRow(row: JobRow): { row: JobRow; job: ClaimedJob } {
    const leasedUntil = new Date(this.#clock.now().getTime() + this.#leaseMs);
    return {
      row: { ...row, leasedBy: this.workerId, leasedUntil: leasedUntil.toISOString(), attempts: 1 },
      job: {
        id: row.id,
        kind: row.kind,
        key: row.key,
        payload: row.payload as Prisma.JsonValue,
        dueAt: new Date(row.dueAt),
        attempts: 1,
      },
    };
  }

  /** Runs a job `claimedRow` made, after the commit that inserted it. */
  runClaimed(job: ClaimedJob): Promise<void> {
    return this.#run(job);
  }

  /**
   * Claims the pending job with `key` and runs it here and now, even before its due time; false
   * when there is none (already done, cancelled, or leased by a live worker). A command enqueues
   * its follow-up work in its own transaction (so a crash cannot lose it) and then runs it at
   * once with this (so the caller sees it happen): the lease keeps a replica from running it too.
   */
  async runNow(key: string): Promise<boolean> {
    const now = this.#clock.now();
    const leaseEnd = new Date(now.getTime() + this.#leaseMs);
    const [job] = rows(
      claimedJobRow,
      await this.#db.$queryRaw(sql`
      update "Job" set "leasedUntil" = ${leaseEnd}, "leasedBy" = ${this.workerId}, attempts = attempts + 1
       where id = (
         select id from "Job"
          where key = ${key} and outcome is null
            and ("leasedUntil" is null or "leasedUntil" < ${now})
          for update skip locked)
      returning id, kind, key, payload, "dueAt", attempts`),
    );
    if (!job) return false;
    await this.#run(job);
    return true;
  }

  /** Claims and runs every job due now; returns how many ran. Tests call it directly. */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await this.#claim();
      if (claimed.length === 0) return total;
      await Promise.all(claimed.map((job) => this.#run(job)));
      total += claimed.length;
    }
  }

  #schedule(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), delay);
    this.#timer.unref();
  }

  /**
   * The poller's cycle: claims and runs due jobs until a claim finds fewer than a batch. No claim
   * just to find nothing left: what the jobs made due meanwhile either kicked (run again at once)
   * or is found by #untilNextDue, which then sleeps 0 ms.
   */
  async #runDueBatches(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await this.#claim();
      await Promise.all(claimed.map((job) => this.#run(job)));
      total += claimed.length;
      if (claimed.length < this.#batchSize) return total;
    }
  }

  async #tick(): Promise<void> {
    if (!this.#running) return;
    this.#cycle = this.#runDueBatches().catch((error: unknown) => {
      this.#log.error({ err: error }, "job cycle failed");
      return 0;
    });
    await this.#cycle;
    this.#cycle = undefined;
    if (!this.#running) return;
    const again = this.#again;
    this.#again = false;
    this.#schedule(again ? 0 : await this.#untilNextDue());
  }

  /**
   * Sleeps until the next known due time, at most one poll interval: a step due in 40 ms runs
   * then, not at the next poll; jobs added by other replicas are seen at the next poll.
   */
  async #untilNextDue(): Promise<number> {
    try {
      const [next] = await this.#sql.rows(
        nextDueRow,
        sql`select min("dueAt") as due from "Job" where outcome is null`,
        { prepared: true },
      );
      this.#nextDueMs = next?.due?.getTime();
      if (!next?.due) return this.#pollMs;
      return Math.max(0, Math.min(this.#pollMs, next.due.getTime() - this.#clock.now().getTime()));
    } catch {
      return this.#pollMs;
    }
  }

  async #claim(): Promise<ClaimedJob[]> {
    const now = this.#clock.now();
    const leaseEnd = new Date(now.getTime() + this.#leaseMs);
    return this.#sql.rows(
      claimedJobRow,
      sql`
      update "Job" set "leasedUntil" = ${leaseEnd}, "leasedBy" = ${this.workerId}, attempts = attempts + 1
       where id in (
         select id from "Job"
          where outcome is null and "dueAt" <= ${now}
            and ("leasedUntil" is null or "leasedUntil" < ${now})
          order by "dueAt"
          limit ${this.#batchSize}
          for update skip locked)
      returning id, kind, key, payload, "dueAt", attempts`,
      { prepared: true },
    );
  }

  async #run(job: ClaimedJob): Promise<void> {
    this.#jobsRunning++;
    const holding = this.#holdLease(job);
    try {
      await this.#runCounted(job);
    } finally {
      clearInterval(holding);
      this.#jobsRunning--;
    }
  }

  /**
   * Renews a running job's lease until it ends: a handler may run longer than one lease (a chat
   * call waiting out a platform's rate limits), and another replica must not take the job (a
   * second page, a second refresh) while it still runs. Renewed for MAX_HOLD_MS at most, so a hung
   * handler still gives its job up. A renewal never revives a lease the job's end released.
   */
  #holdLease(job: ClaimedJob): NodeJS.Timeout {
    const claimedAt = this.#clock.now().getTime();
    const timer = setInterval(() => {
      const now = this.#clock.now();
      if (now.getTime() - claimedAt > this.#maxHoldMs) {
        clearInterval(timer);
        this.#log.warn(
          { jobId: job.id, kind: job.kind },
          "job still running after its longest hold; its lease may be taken",
        );
        return;
      }
      const leaseEnd = new Date(now.getTime() + this.#leaseMs);
      this.#sql
        .execute(sql`
          update "Job" set "leasedUntil" = ${leaseEnd}
           where ${this.#ownClaim(job)}
             and outcome is null and "leasedUntil" is not null`)
        .catch((error: unknown) =>
          this.#log.warn({ err: error, jobId: job.id }, "could not renew a job's lease"),
        );
    }, this.#renewEveryMs);
    timer.unref();
    return timer;
  }

  async #runCounted(job: ClaimedJob): Promise<void> {
    const registered = this.#kinds.get(job.kind);
    const log = this.#log.child({ jobId: job.id, kind: job.kind, key: job.key });
    if (!registered) {
      await this.#fail(job, new Error(`no handler for ${job.kind} jobs`), true);
      log.error("job of an unknown kind failed");
      return;
    }
    const payload = registered.payload.safeParse(job.payload);
    if (!payload.success) {
      // Retrying cannot fix a payload: fail it for good, and say what did not match.
      const problem = z.prettifyError(payload.error);
      this.#metrics?.jobs.inc({ kind: job.kind, outcome: "failed" });
      await this.#fail(
        job,
        new Error(`payload does not match the ${job.kind} schema: ${problem}`),
        true,
      ).catch((failError: unknown) =>
        log.error({ err: failError }, "could not record a job failure; its lease will expire"),
      );
      log.error(
        { problem, payload: job.payload },
        "job payload does not match its kind's schema; failed without retry",
      );
      return;
    }
    let completed = false;
    const ctx: JobContext = {
      now: this.#clock.now(),
      complete: async (tx) => {
        await this.#finish(tx, job, "done");
        completed = true;
      },
      completion: () => {
        completed = true;
        return this.#finishing(job, "done");
      },
    };
    try {
      await registered.handler({ ...job, payload: payload.data }, ctx);
      if (!completed) await this.#finish(this.#db, job, "done");
      this.#metrics?.jobs.inc({ kind: job.kind, outcome: "done" });
    } catch (error) {
      const final = job.attempts >= this.#maxAttempts;
      this.#metrics?.jobs.inc({ kind: job.kind, outcome: final ? "failed" : "retry" });
      await this.#fail(job, error, final).catch((failError: unknown) =>
        log.error({ err: failError }, "could not record a job failure; its lease will expire"),
      );
      log[final ? "error" : "warn"](
        { err: error, attempts: job.attempts },
        final ? "job failed for good" : "job failed; will retry",
      );
    }
  }

  /**
   * The job's row as this run claimed it: this worker and this attempt. A run that lost its lease
   * (hung past its longest hold) and whose own worker claimed the job again since changes nothing.
   */
  #ownClaim(job: ClaimedJob): Statement {
    return sql`id = ${job.id} and "leasedBy" = ${this.workerId} and attempts = ${job.attempts}`;
  }

  async #finish(client: DbClient, job: ClaimedJob, outcome: "done" | "failed"): Promise<void> {
    const updated = await client.$executeRaw(this.#finishing(job, outcome));
    if (updated === 0) this.#log.warn({ jobId: job.id }, "job lease was lost before it finished");
  }

  #finishing(job: ClaimedJob, outcome: "done" | "failed"): Statement {
    return sql`
      update "Job" set outcome = ${outcome}, "finishedAt" = ${this.#clock.now()}, "leasedUntil" = null
       where ${this.#ownClaim(job)} and outcome is null`;
  }

  async #fail(job: ClaimedJob, error: unknown, final: boolean): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    if (final) {
      await this.#db.$executeRaw(sql`
        update "Job" set outcome = 'failed', "finishedAt" = ${this.#clock.now()}, "leasedUntil" = null,
               "lastError" = ${message}
         where ${this.#ownClaim(job)}`);
      return;
    }
    // Exponential backoff: 1 s, 2 s, 4 s, ... capped at 5 minutes; longer when the handler was
    // told to wait longer (RetryLater).
    const backoff = Math.min(300_000, 1000 * 2 ** (job.attempts - 1));
    const waitMs =
      error instanceof RetryLater ? Math.max(backoff, Math.min(error.afterMs, MAX_RETRY_LATER_MS)) : backoff;
    const retryAt = new Date(this.#clock.now().getTime() + waitMs);
    await this.#db.$executeRaw(sql`
      update "Job" set "dueAt" = ${retryAt}, "leasedUntil" = null, "lastError" = ${message}
       where ${this.#ownClaim(job)}`);
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
