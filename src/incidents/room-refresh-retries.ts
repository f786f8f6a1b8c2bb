// Refreshes of incident rooms that failed, retried until the room shows the incident as it is.
// A room's pinned summary and topic are refreshed after each change (IncidentRooms); when that
// fails (a rate limit the platform's lanes gave up on, the chat service down, the record of what
// the room shows not written) or never runs (the process died between the change's commit and its
// refresh), the room would keep what it showed before until the incident's next change: after a
// raise to RED, the GREEN topic in a room shared outside the organisation. So:
// - a failed refresh enqueues a durable job for the room (one pending job per room: its key; a
//   finished one is revived), due after the platform's Retry-After when it gave one;
// - the job re-reads the incident and refreshes its rooms (IncidentRooms.refreshSummaries: what a
//   room shows already is not sent again), and fails, to be retried with backoff, while the room's
//   record still says "unknown";
// - a sweep (at start, then with announcement recovery) enqueues the job for rooms whose record of
//   the topic or of the pinned summary is unknown (a crash after marking it, a TLP change whose
//   refresh never ran: the database resets the record then, or a failed call whose job could not
//   be enqueued; a pinned summary's record is what was posted, so "unknown" is never its start)
//   of incidents changed in the last week and, at start, for the rooms of
//   incidents changed in the last hour (a crash after the commit of any change): bounded, most
//   recently changed incidents first.
import type { Logger } from "pino";
import { z } from "zod";
import type { Clock } from "../clock.ts";
import type { Db } from "../db/database.ts";
import { type Sql, sqlOf } from "../db/sql.ts";
import { sql } from "../db/statement.ts";
import { type JobKind, type JobQueue, MAX_RETRY_LATER_MS, RetryLater } from "../jobs/queue.ts";
import type { Outbox } from "../outbox/outbox.ts";
import { ARCHIVE_ROOMS_JOB, type IncidentRooms, type RefreshFailure } from "./incident-rooms.ts";
import type { Incidents } from "./incidents.ts";

export const REFRESH_ROOM_JOB = "incident.refresh-room";

/** The first retry of a failed refresh, unless the platform asked for longer. */
const FIRST_RETRY_MS = 5_000;
/** Rooms one sweep enqueues at most (the next sweep takes the rest). */
const SWEEP_LIMIT = 100;
/** At start: incidents changed this recently may have lost their refresh to a crash. */
const RECENT_CHANGES_MS = 3_600_000;
/**
 * At start, rooms whose record is known (taken only because their incident changed recently: a
 * crash may have cut a refresh short that left no trace) are re-checked this long after, not while
 * the desk starts: after a busy hour that is up to SWEEP_LIMIT refreshes, which ran on the start's
 * critical path (measured: CPU until ready 1.16 -> 1.93 s in the bench's restarts). A room whose
 * record is unknown (a TLP raise or restriction reset it) is retried at once.
 */
const START_RECHECK_DELAY_MS = 30_000;
/**
 * Rooms with an unknown record are swept only for incidents changed this recently (a week, as for
 * rooms a declaration never got): rooms bound before records existed, or long archived (the
 * record of their archiving pruned), are not refreshed at every sweep.
 */
const UNKNOWN_WITHIN_MS = 7 * 24 * 3_600_000;
/**
 * A later sweep's jobs are due this much later: a refresh of this or another replica may be
 * under way (its record unknown while its calls wait out a rate limit).
 */
const SWEEP_DELAY_MS = 60_000;
/**
 * A job that failed for good (its 8 attempts span about two minutes: a longer outage of the chat
 * service) is revived by a sweep this long after; not sooner, for a room that cannot be changed
 * any more (the bot removed from it) costs its 8 failed calls each time.
 */
const FAILED_REVIVE_AFTER_MS = 15 * 60_000;

const roomPayload = z.object({ incidentId: z.string(), platform: z.string(), roomId: z.string() });
type RoomPayload = z.output<typeof roomPayload>;

const sweptRoom = z.object({
  incidentId: z.string(),
  platform: z.string(),
  roomId: z.string(),
  changedAt: z.string(),
  unknown: z.boolean(),
});

const archivingRow = z.object({ closedAt: z.string() });

/** A room to retry; `changedAt`, from a later sweep: its incident's last change (see #enqueue). */
type RoomToRetry = RoomPayload & { changedAt?: string };

export class RoomRefreshRetries {
  readonly #db: Db;
  #sqlOfDb: Sql | undefined;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #incidents: Incidents;
  readonly #rooms: IncidentRooms;
  readonly #outbox: Outbox;
  readonly #kind: JobKind<typeof roomPayload>;
  /** Rooms whose retry runs in this process, and the failure their refresh met meanwhile. */
  readonly #running = new Map<string, { failure?: RefreshFailure }>();
  #swept = false;

  constructor(deps: {
    db: Db;
    clock: Clock;
    log: Logger;
    jobs: JobQueue;
    incidents: Incidents;
    rooms: IncidentRooms;
    outbox: Outbox;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#log = deps.log.child({ component: "room-refresh-retries" });
    this.#incidents = deps.incidents;
    this.#rooms = deps.rooms;
    this.#outbox = deps.outbox;
    this.#kind = deps.jobs.define({
      kind: REFRESH_ROOM_JOB,
      payload: roomPayload,
      handler: (job) => this.#retry(job.payload),
    });
    deps.rooms.onRefreshFailed((failures) => this.#failed(failures));
  }

  get #sql(): Sql {
    this.#sqlOfDb ??= sqlOf(this.#db);
    return this.#sqlOfDb;
  }

  /**
   * Enqueues the retry of rooms whose record is unknown and, at the first sweep (the start), of
   * the rooms of incidents changed in the last hour; returns how many jobs were new or revived.
   */
  async sweep(now: Date = this.#clock.now()): Promise<number> {
    const first = !this.#swept;
    this.#swept = true;
    const recentSince = new Date(now.getTime() - RECENT_CHANGES_MS);
    const unknownSince = new Date(now.getTime() - UNKNOWN_WITHIN_MS);
    const rooms = await this.#sql.rows(
      sweptRoom,
      sql`
        select r."incidentId", r.platform, r."roomId", i."updatedAt"::text as "changedAt", u.unknown
          from "IncidentRoom" r join "Incident" i on i.id = r."incidentId",
               lateral (select r."topicShown" is null
                               or (r."summaryMessageId" is not null and r."summaryShown" is null) as unknown) u
         where r.platform = any(${this.#outbox.platformNames}::text[])
           and ((u.unknown and i."updatedAt" >= ${unknownSince})
                or (${first} and i."updatedAt" >= ${recentSince}))
           -- Archived since the incident's last change: it takes no topic any more. (Changed after
           -- its archiving: the job finds out, see #archived.)
           and not (i.status = 'closed' and exists (
                 select from "Job" a
                  where a.kind = ${ARCHIVE_ROOMS_JOB} and a.outcome = 'done'
                    and a.payload->>'incidentId' = i.id and a."finishedAt" >= i."updatedAt"))
         order by i."updatedAt" desc, r."roomId"
         limit ${SWEEP_LIMIT}`,
    );
    const reviveBefore = new Date(now.getTime() - FAILED_REVIVE_AFTER_MS);
    let enqueued: number;
    if (first) {
      // At start, every room found is retried (a crash may have cut short a refresh after its
      // last retry): those with an unknown record at once, the others once the desk has started.
      const room = ({ incidentId, platform, roomId }: RoomToRetry) => ({ incidentId, platform, roomId });
      const unknown = rooms.filter((r) => r.unknown).map(room);
      const known = rooms.filter((r) => !r.unknown).map(room);
      enqueued =
        (await this.#enqueue(unknown, now, reviveBefore)) +
        (await this.#enqueue(known, new Date(now.getTime() + START_RECHECK_DELAY_MS), reviveBefore));
    } else {
      // Later, a room whose retry ended well after its incident's last change is left alone:
      // that retry found nothing it could do (the room archived, or no longer the incident's),
      // and another would find the same, at every sweep.
      const toRetry = rooms.map(({ unknown: _, ...room }) => room);
      enqueued = await this.#enqueue(toRetry, new Date(now.getTime() + SWEEP_DELAY_MS), reviveBefore);
    }
    if (enqueued > 0) this.#log.info({ rooms: enqueued, first }, "room refreshes scheduled by the sweep");
    return enqueued;
  }

  /** A refresh failed in these rooms: each gets its retry (or, while it runs here, that retry learns why). */
  async #failed(failures: RefreshFailure[]): Promise<void> {
    const now = this.#clock.now();
    const toEnqueue: RefreshFailure[] = [];
    let waitMs = FIRST_RETRY_MS;
    for (const failure of failures) {
      const running = this.#running.get(keyOf(failure));
      if (running) {
        // A room may be told twice (its call, then the record): the platform's error is kept.
        if (failure.error !== undefined || !running.failure) running.failure = failure;
        continue;
      }
      toEnqueue.push(failure);
      const advised = this.#retryAfterMs(failure);
      if (advised !== undefined) waitMs = Math.max(waitMs, Math.min(advised, MAX_RETRY_LATER_MS));
    }
    // A failure just now is the newest word on the room: its retry may come sooner than one
    // already pending (see #enqueue).
    await this.#enqueue(toEnqueue, new Date(now.getTime() + waitMs), now, true);
  }

  #retryAfterMs(failure: RefreshFailure): number | undefined {
    if (failure.error === undefined || !this.#outbox.runs(failure.platform)) return undefined;
    return this.#outbox.retryAfterMs(failure.platform, failure.error);
  }

  /**
   * One job per room: a pending one is kept (it re-reads the incident when it runs), made due
   * sooner when `sooner` (a failure just now: a raise to RED whose topic call failed during the
   * start's 30 s re-check, or a later sweep's minute, waits for neither; a sweep never does, for
   * a pending job may be waiting out a Retry-After), a finished one made pending again (a failed
   * one only if it finished before `reviveFailedBefore`; a done one, for a room given `changedAt`,
   * only if it finished before then).
   */
  async #enqueue(
    rooms: RoomToRetry[],
    dueAt: Date,
    reviveFailedBefore: Date,
    sooner = false,
  ): Promise<number> {
    const unique = new Map(rooms.map((room) => [keyOf(room), room]));
    if (unique.size === 0) return 0;
    const rows = this.#kind.rows(
      [...unique.values()].map((room) => ({
        key: keyOf(room),
        payload: { incidentId: room.incidentId, platform: room.platform, roomId: room.roomId },
        dueAt,
      })),
    );
    const changedAt = [...unique.values()].map((room) => ({
      key: keyOf(room),
      changedAt: room.changedAt ?? null,
    }));
    return this.#sql.execute(sql`
      insert into "Job" (id, kind, key, payload, "dueAt")
      select j.id, j.kind, j.key, j.payload, j."dueAt"
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
             as j(id text, kind text, key text, payload jsonb, "dueAt" timestamptz)
        join jsonb_to_recordset(${JSON.stringify(changedAt)}::jsonb) as c(key text, "changedAt" timestamptz)
          on c.key = j.key
       where c."changedAt" is null
          or not exists (select from "Job" d where d.key = j.key and d.outcome = 'done' and d."finishedAt" >= c."changedAt")
      on conflict (key) do update
         set outcome = null, "finishedAt" = null,
             attempts = case when "Job".outcome is null then "Job".attempts else 0 end,
             "lastError" = case when "Job".outcome is null then "Job"."lastError" end,
             "leasedBy" = case when "Job".outcome is null then "Job"."leasedBy" end,
             "leasedUntil" = case when "Job".outcome is null then "Job"."leasedUntil" end,
             payload = excluded.payload, "dueAt" = excluded."dueAt"
       where "Job".outcome = 'done'
          or ("Job".outcome is not null and "Job"."finishedAt" < ${reviveFailedBefore})
          or (${sooner} and "Job".outcome is null and excluded."dueAt" < "Job"."dueAt")`);
  }

  /**
   * The retry: the incident's rooms refreshed from the database as it is now; done once the
   * room's record is known again, failed (retried with backoff, after the platform's Retry-After
   * when it gave one) while it is not.
   */
  async #retry(payload: RoomPayload): Promise<void> {
    const log = this.#log.child(payload);
    const room = await this.#room(payload);
    if (!room) {
      log.info("room no longer the incident's: no refresh to retry");
      return;
    }
    if (!this.#outbox.runs(payload.platform)) throw new Error(`${payload.platform} is not running here`);
    if (await this.#archived(payload.incidentId, payload.platform)) {
      log.warn("incident room archived: its topic and summary stay as they were");
      return;
    }
    const key = keyOf(payload);
    const running: { failure?: RefreshFailure } = {};
    this.#running.set(key, running);
    try {
      await this.#rooms.refreshSummaries(payload.incidentId);
    } finally {
      this.#running.delete(key);
    }
    const after = await this.#room(payload);
    if (!after || !unknownShowing(after)) {
      log.info("room refreshed after a failed refresh");
      return;
    }
    const cause = running.failure?.error;
    const advised = running.failure ? this.#retryAfterMs(running.failure) : undefined;
    const message = "the room's refresh failed again";
    throw advised === undefined ? new Error(message, { cause }) : new RetryLater(message, advised, { cause });
  }

  async #room(payload: RoomPayload) {
    const rooms = await this.#incidents.rooms(payload.incidentId);
    return rooms.find((room) => room.platform === payload.platform && room.roomId === payload.roomId);
  }

  /**
   * Whether the room was archived after its incident closed (the archive job ran for the closing
   * in force): an archived room takes no topic or edit any more.
   */
  async #archived(incidentId: string, platform: string): Promise<boolean> {
    if (!this.#outbox.runs(platform) || !this.#outbox.canArchive(platform)) return false;
    const incident = await this.#incidents.findById(incidentId);
    if (incident?.status !== "closed") return false;
    const lastChange = await this.#incidents.lastStatusChangeAt(incidentId);
    const archivings = await this.#sql.rows(
      archivingRow,
      sql`
        select payload->>'closedAt' as "closedAt" from "Job"
         where kind = ${ARCHIVE_ROOMS_JOB} and outcome = 'done' and payload->>'incidentId' = ${incidentId}`,
    );
    return archivings.some((a) => !lastChange || Date.parse(a.closedAt) >= lastChange.getTime());
  }
}

/** The room's record says nothing of what it shows: a refresh of it failed, or never ran. */
function unknownShowing(room: {
  topicShown: string | null;
  summaryShown: string | null;
  summaryMessageId: string | null;
}): boolean {
  return room.topicShown === null || (room.summaryMessageId !== null && room.summaryShown === null);
}

function keyOf(room: { platform: string; roomId: string }): string {
  return `refresh-room:${room.platform}:${room.roomId}`;
}
