// What a job is, apart from the queue that runs it: the contract between a job kind's handler and
// the queue (claimed job, context, coded retry-later failure), the declaration of a kind, and the
// rows a kind inserts (alone or inside a hot path's own statement). See queue.ts for how jobs run.
import type { z } from "zod";
import type { Db, DbTransaction } from "../db/database.ts";
import { type Statement, sql } from "../db/statement.ts";
import type { Prisma } from "../generated/prisma/client.ts";

type DbClient = Db | DbTransaction;

/**
 * A handler's failure that says how long to wait at least before the job is tried again (a chat
 * platform's Retry-After): the retry comes after that or after the usual backoff, whichever is later.
 */
export class RetryLater extends Error {
  readonly afterMs: number;

  constructor(message: string, afterMs: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "RetryLater";
    this.afterMs = afterMs;
  }
}

/**
 * Longest wait a RetryLater may ask for: a malformed or hostile advice (a chat server's 429 asking
 * for days) must not park a job, such as a room's withheld topic, for longer.
 */
export const MAX_RETRY_LATER_MS = 15 * 60_000;

export interface ClaimedJob {
  id: string;
  kind: string;
  key: string | null;
  payload: Prisma.JsonValue;
  dueAt: Date;
  attempts: number;
}

export interface JobContext {
  now: Date;
  /** Marks the job done inside the caller's transaction, together with the work it did. */
  complete(tx: DbTransaction): Promise<void>;
  /**
   * `complete` as a data-modifying CTE for the caller's own statement in that transaction (one
   * statement fewer): the caller must run it; a failure of that statement or its transaction
   * fails the handler, and the job is retried as any failed job is.
   */
  completion(): Statement;
}

/** A claimed job whose payload passed its kind's schema. */
export type Job<P> = Omit<ClaimedJob, "payload"> & { payload: P };

export type JobHandler<P> = (job: Job<P>, ctx: JobContext) => Promise<void>;

/** A payload schema: an object, so payloads can gain optional fields across versions. */
export type PayloadSchema = z.ZodType<Record<string, unknown>>;

export interface JobDefinition<S extends PayloadSchema> {
  kind: string;
  payload: S;
  handler: JobHandler<z.output<S>>;
}

export interface NewJob<P> {
  key?: string;
  payload: P;
  dueAt: Date;
}

/** What `define` gives back: the one way to enqueue a job of that kind. */
export interface JobKind<S extends PayloadSchema> {
  readonly kind: string;
  readonly payload: S;
  /** Adds a job; false when a job with the same key already exists. */
  enqueue(client: DbClient, job: NewJob<z.input<S>>): Promise<boolean>;
  /** Adds several jobs in one statement (a hot path's batch); returns how many were new. */
  enqueueMany(client: DbClient, jobs: ReadonlyArray<NewJob<z.input<S>>>): Promise<number>;
  /** The rows of these jobs, checked, for a caller's own statement (see insertJobRows). */
  rows(jobs: ReadonlyArray<NewJob<z.input<S>>>): JobRow[];
}

/** A job as inserted: what `JobKind.rows` gives and `insertJobRows` writes. */
export interface JobRow {
  id: string;
  kind: string;
  key: string | null;
  payload: Record<string, unknown>;
  /** ISO 8601. */
  dueAt: string;
  /**
   * The name of an advisory lock the inserting statement takes shared, before its key is
   * checked, until its transaction ends: a job that takes it exclusively sees every statement
   * that found its key taken committed first (see alert-pages.ts, the show job).
   */
  sharedLock?: string;
  /** Set on a row inserted already claimed by this worker (see JobQueue.claimedRow). */
  leasedBy?: string;
  /** ISO 8601. */
  leasedUntil?: string;
  attempts?: number;
}

/**
 * The rows of jobs of `kind`, each payload checked by its schema: what JobKind.rows gives, for a
 * hot path that builds its rows where no queue is (the alert intake's writer on the HTTP edge).
 */
export function jobRowsOf<S extends PayloadSchema>(
  kind: string,
  payload: S,
  jobs: ReadonlyArray<NewJob<z.input<S>>>,
): JobRow[] {
  return jobs.map((job) => ({
    id: crypto.randomUUID(),
    kind,
    key: job.key ?? null,
    payload: payload.parse(job.payload),
    dueAt: job.dueAt.toISOString(),
  }));
}

/**
 * `insert into "Job" ...` of these rows, skipping keys that exist: a statement of its own, or a
 * data-modifying CTE of a hot path's one statement (the alert intake's batch, a declaration),
 * which may make them depend on `when` (a condition on its other CTEs).
 */
export function insertJobRows(rows: readonly JobRow[], when: Statement = sql`true`): Statement {
  return sql`
    insert into "Job" (id, kind, key, payload, "dueAt", "leasedBy", "leasedUntil", attempts)
    select j.id, j.kind, j.key, j.payload, j."dueAt", j."leasedBy", j."leasedUntil", coalesce(j.attempts, 0)
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
           as j(id text, kind text, key text, payload jsonb, "dueAt" timestamptz,
                "leasedBy" text, "leasedUntil" timestamptz, attempts int, "sharedLock" text)
     where (${when})
       and (j."sharedLock" is null or exists (select from pg_advisory_xact_lock_shared(hashtext(j."sharedLock"))))
    on conflict (key) do nothing`;
}
