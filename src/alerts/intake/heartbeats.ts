// Heartbeat monitors: a job that expects a ping every N pages when it stops.
//
// A `Heartbeat` row keeps the last ping and whether the missed-ping alert is raised
// (`missedAt`). A chain of durable checks follows each heartbeat: a check due at
// lastPing + every + grace either finds a later ping (and enqueues the check for the new
// deadline) or raises the alert (a trigger signal, dedupKey `heartbeat:<id>`). The next ping
// resolves it and starts a new chain. Checks are keyed by heartbeat and due time, so replicas
// and restarts enqueue each one once; pings between checks touch only the row.
//
// Signals are committed by the desk (its own transaction) before the row records them, so a
// crash in between repeats a trigger or a resolve (the desk deduplicates by dedupKey) and
// never loses one. A ping racing a check is caught by conditional updates: a trigger whose
// heartbeat was pinged meanwhile is resolved at once.
import type { Logger } from "pino";
import { z } from "zod";
import type { Clock } from "../../clock.ts";
import type { Db } from "../../db/database.ts";
import { sql } from "../../db/statement.ts";
import type { JobKind, JobQueue } from "../../jobs/queue.ts";
import type { HeartbeatConfig, Integration } from "../integrations.ts";
import type { AlertReceiver, AlertSignal } from "../signal.ts";
import { toSignal } from "./draft.ts";

const checkPayload = z.object({ integrationId: z.string(), heartbeatId: z.string() });

export const HEARTBEAT_CHECK_KIND = "alert.heartbeat-check";

export function heartbeatDedupKey(heartbeatId: string): string {
  return `heartbeat:${heartbeatId}`;
}

interface Row {
  lastPingAt: Date;
  missedAt: Date | null;
}

export class HeartbeatMonitor {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #receiver: AlertReceiver;
  readonly #integrations: () => readonly Integration[];
  readonly #check: JobKind<typeof checkPayload>;

  constructor(deps: {
    db: Db;
    clock: Clock;
    log: Logger;
    jobs: JobQueue;
    receiver: AlertReceiver;
    integrations: () => readonly Integration[];
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#log = deps.log.child({ component: "heartbeats" });
    this.#receiver = deps.receiver;
    this.#integrations = deps.integrations;
    this.#check = deps.jobs.define({
      kind: HEARTBEAT_CHECK_KIND,
      payload: checkPayload,
      handler: (job) => this.#runCheck(job.payload.integrationId, job.payload.heartbeatId),
    });
  }

  /**
   * Makes sure every declared heartbeat has a row and a pending check (at start and after a
   * reload). A heartbeat never pinged is due `every + grace` after it was first declared.
   */
  async start(): Promise<void> {
    for (const integration of this.#integrations()) {
      for (const heartbeat of integration.heartbeats) {
        const row = await this.#ensureRow(integration.id, heartbeat.id);
        if (!row.missedAt) await this.#enqueueCheck(integration.id, heartbeat, row.lastPingAt);
      }
    }
  }

  /** A ping: false when the integration declares no such heartbeat. Rejects when the desk does. */
  async ping(integration: Integration, heartbeatId: string): Promise<boolean> {
    const heartbeat = integration.heartbeats.find((h) => h.id === heartbeatId);
    if (!heartbeat) return false;
    const now = this.#clock.now();
    // The usual case: alive and still alive. Only the row changes; the pending check will see it.
    const touched = await this.#db.$executeRaw(sql`
      update "Heartbeat" set "lastPingAt" = greatest("lastPingAt", ${now})
       where "integrationId" = ${integration.id} and "heartbeatId" = ${heartbeatId} and "missedAt" is null`);
    if (touched > 0) return true;
    const row = await this.#ensureRow(integration.id, heartbeatId, now);
    if (row.missedAt) {
      // Back after missing: resolve first (committed by the desk), then clear the mark.
      await this.#receiver.receive([this.#signal(integration, heartbeat, "resolve", now)]);
      await this.#db.$executeRaw(sql`
        update "Heartbeat" set "missedAt" = null, "lastPingAt" = ${now}
         where "integrationId" = ${integration.id} and "heartbeatId" = ${heartbeatId}
           and "missedAt" = ${row.missedAt}`);
    }
    await this.#enqueueCheck(integration.id, heartbeat, now);
    return true;
  }

  async #runCheck(integrationId: string, heartbeatId: string): Promise<void> {
    const integration = this.#integrations().find((i) => i.id === integrationId);
    const heartbeat = integration?.heartbeats.find((h) => h.id === heartbeatId);
    if (!integration || !heartbeat) return; // removed from the configuration since
    const row = await this.#row(integrationId, heartbeatId);
    if (!row || row.missedAt) return; // already raised; the next ping restarts the chain
    const now = this.#clock.now();
    const deadline = dueAt(heartbeat, row.lastPingAt);
    if (deadline > now) {
      await this.#enqueueCheck(integrationId, heartbeat, row.lastPingAt);
      return;
    }
    await this.#receiver.receive([this.#signal(integration, heartbeat, "trigger", now)]);
    const marked = await this.#db.$executeRaw(sql`
      update "Heartbeat" set "missedAt" = ${now}
       where "integrationId" = ${integrationId} and "heartbeatId" = ${heartbeatId}
         and "missedAt" is null and "lastPingAt" = ${row.lastPingAt}`);
    if (marked === 0) {
      // Pinged between our read and the trigger: it is alive, so take the alert back.
      this.#log.info(
        { integrationId, heartbeatId },
        "heartbeat pinged while its alert was raised; resolving it",
      );
      await this.#receiver.receive([this.#signal(integration, heartbeat, "resolve", this.#clock.now())]);
      const current = await this.#row(integrationId, heartbeatId);
      if (current && !current.missedAt)
        await this.#enqueueCheck(integrationId, heartbeat, current.lastPingAt);
      return;
    }
    this.#log.warn(
      { integrationId, heartbeatId, lastPingAt: row.lastPingAt },
      "heartbeat missed; alert raised",
    );
  }

  #signal(
    integration: Integration,
    heartbeat: HeartbeatConfig,
    action: "trigger" | "resolve",
    now: Date,
  ): AlertSignal {
    const summary = heartbeat.summary ?? `Heartbeat ${heartbeat.id} of ${integration.id} stopped`;
    return toSignal(integration, {
      action,
      dedupKey: heartbeatDedupKey(heartbeat.id),
      summary,
      source: `heartbeat ${integration.id}/${heartbeat.id}`,
      severity: heartbeat.severity,
      labels: { heartbeat: heartbeat.id, alertname: "HeartbeatMissed" },
      links: [],
      details: { every: `${heartbeat.every / 1000}s`, grace: `${heartbeat.grace / 1000}s` },
      occurredAt: now,
    });
  }

  async #enqueueCheck(integrationId: string, heartbeat: HeartbeatConfig, lastPingAt: Date): Promise<void> {
    const due = dueAt(heartbeat, lastPingAt);
    await this.#check.enqueue(this.#db, {
      key: `${HEARTBEAT_CHECK_KIND}:${integrationId}:${heartbeat.id}:${due.getTime()}`,
      payload: { integrationId, heartbeatId: heartbeat.id },
      dueAt: due,
    });
  }

  async #ensureRow(integrationId: string, heartbeatId: string, now = this.#clock.now()): Promise<Row> {
    await this.#db.$executeRaw(sql`
      insert into "Heartbeat" ("integrationId", "heartbeatId", "lastPingAt")
      values (${integrationId}, ${heartbeatId}, ${now})
      on conflict do nothing`);
    const row = await this.#row(integrationId, heartbeatId);
    if (!row) throw new Error(`heartbeat row ${integrationId}/${heartbeatId} vanished`);
    return row;
  }

  #row(integrationId: string, heartbeatId: string): Promise<Row | null> {
    return this.#db.heartbeat.findUnique({
      where: { integrationId_heartbeatId: { integrationId, heartbeatId } },
      select: { lastPingAt: true, missedAt: true },
    });
  }
}

function dueAt(heartbeat: HeartbeatConfig, lastPingAt: Date): Date {
  return new Date(lastPingAt.getTime() + heartbeat.every + heartbeat.grace);
}
