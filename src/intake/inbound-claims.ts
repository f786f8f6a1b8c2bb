// Which replica answers an inbound event. Two replicas on one chat account (Matrix) both see
// every command; the per-mutation dedupe (ProcessedEvent) keeps the record right, but read-only
// commands and error answers would still be sent twice. So before anything is sent, a replica
// claims the event: the insert that wins answers, the others stay silent.
//
// A claim is a lease, not a tombstone, so the existing retry semantics hold:
//   - answered: kept (marked answered); a redelivery of the event is dropped;
//   - failed before its answer (an unexpected error): released, so a redelivery runs again,
//     as a failed mutation's rolled-back ProcessedEvent row always allowed;
//   - its replica died mid-command: the lease runs out and a replica that saw the event and
//     is still waiting on it takes it over.
// Marking answered is batched (one statement for many commands): it is off the reply's path, and
// the window it leaves (a replica killed between its answer and the mark) costs at worst a
// second answer after the lease, never a lost one. The same statement clears the pending flag of
// the changes those commands announced (`announced`, used by Incidents): a replica killed before
// it costs at worst a second announcement of those changes, by the recovery 30 s later.
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { z } from "zod";
import type { PlatformName } from "../chat/invocation.ts";
import type { Db } from "../db/database.ts";
import { type Sql, sqlOf } from "../db/sql.ts";
import { type Statement, sql } from "../db/statement.ts";

export interface InboundClaimsOptions {
  /** How long a claim holds before another replica may take the event over (default 60 s). */
  leaseMs?: number;
  /** How long answered marks gather before one statement writes them (default 25 ms). */
  flushMs?: number;
  owner?: string;
}

export interface EventKey {
  platform: PlatformName;
  dedupeKey: string;
}

const answeredRow = z.object({ answered: z.boolean() });

export type ClaimState = "answered" | "held" | "gone";

export class InboundClaims {
  readonly owner: string;
  readonly leaseMs: number;
  readonly #sql: Sql;
  readonly #log: Logger;
  readonly #flushMs: number;
  #answered: EventKey[] = [];
  #announced: string[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;

  constructor(db: Db, log: Logger, options: InboundClaimsOptions = {}) {
    this.#sql = sqlOf(db);
    this.#log = log.child({ component: "claims" });
    this.owner = options.owner ?? `${process.pid}-${randomBytes(4).toString("hex")}`;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.#flushMs = options.flushMs ?? 25;
  }

  /** True when this replica now holds the event (first to see it, or it was released). */
  async claim(event: EventKey): Promise<boolean> {
    const rows = await this.#sql.execute(
      sql`
        insert into "InboundClaim" (platform, key, owner, "leaseUntil")
        values (${event.platform}, ${event.dedupeKey}, ${this.owner}, now() + ${this.leaseMs} * interval '1 millisecond')
        on conflict (platform, key) do nothing`,
      { prepared: true },
    );
    return rows > 0;
  }

  /** Takes over an unanswered claim whose lease ran out (its replica died mid-command). */
  async takeOver(event: EventKey): Promise<boolean> {
    const rows = await this.#sql.execute(sql`
      update "InboundClaim"
         set owner = ${this.owner}, "leaseUntil" = now() + ${this.leaseMs} * interval '1 millisecond'
       where platform = ${event.platform} and key = ${event.dedupeKey}
         and "answeredAt" is null and "leaseUntil" < now()`);
    return rows > 0;
  }

  async state(event: EventKey): Promise<ClaimState> {
    const [row] = await this.#sql.rows(
      answeredRow,
      sql`
        select "answeredAt" is not null as answered from "InboundClaim"
         where platform = ${event.platform} and key = ${event.dedupeKey}`,
    );
    if (!row) return "gone";
    return row.answered ? "answered" : "held";
  }

  /** The event was answered: no replica may take it again. Written in batches. */
  answered(event: EventKey): void {
    this.#answered.push(event);
    this.#flushTimer ??= setTimeout(() => void this.flush(), this.#flushMs);
  }

  /**
   * The change of this timeline entry was announced in its rooms. Written with the batch of the
   * command's own answered mark (or release), which follows: one statement for both.
   */
  announced(timelineEntryId: string): void {
    this.#announced.push(timelineEntryId);
  }

  /** Lets a redelivery of the event run again (the command failed before it could answer). */
  async release(event: EventKey): Promise<void> {
    if (this.#announced.length > 0) this.#flushTimer ??= setTimeout(() => void this.flush(), this.#flushMs);
    await this.#sql.execute(sql`
      delete from "InboundClaim"
       where platform = ${event.platform} and key = ${event.dedupeKey} and owner = ${this.owner}`);
  }

  /** Writes the pending answered marks now (also on stop). */
  async flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    await this.#flushing;
    const batch = this.#answered;
    const announced = this.#announced;
    if (batch.length === 0 && announced.length === 0) return;
    this.#answered = [];
    this.#announced = [];
    this.#flushing = this.#sql
      .execute(markAnsweredStatement(this.owner, batch, announced), { prepared: true })
      .then(() => undefined)
      .catch((error: unknown) => {
        // Unmarked claims still hold until their lease ends; only a later takeover could repeat.
        // Entries left pending are announced again by the recovery, at worst a second time.
        this.#log.warn(
          { err: error, claims: batch.length, announced: announced.length },
          "could not mark claims answered",
        );
      });
    await this.#flushing;
    this.#flushing = undefined;
  }
}

/**
 * Marks a batch of claims answered and clears the pending flag of the changes they announced.
 * The `= any` conditions are an index condition on the primary key: with the pairs alone (a
 * semi-join with unnest) the planner was seen, under load, to scan every claim instead (1.3 ms
 * instead of 0.1 ms with ~1,000 claims).
 */
export function markAnsweredStatement(owner: string, batch: EventKey[], announced: string[]): Statement {
  const platforms = batch.map((e) => e.platform);
  const keys = batch.map((e) => e.dedupeKey);
  return sql`
    with announced as (
      update "TimelineEntry" set "announcementPending" = false where id = any(${announced}::text[])
    )
    update "InboundClaim" set "answeredAt" = now()
     where owner = ${owner}
       and platform = any(${platforms}::text[]) and key = any(${keys}::text[])
       and (platform, key) in (select * from unnest(${platforms}::text[], ${keys}::text[]))`;
}
