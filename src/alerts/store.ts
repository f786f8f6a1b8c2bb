// Writing a batch of signals in one or two statements whatever its size, and no transaction
// around them:
// 1. read the open alerts of the batch's keys, each with its row version (PostgreSQL's xmin),
//    except those this process remembers as it last wrote them (open-alerts.ts): a batch of
//    alerts all remembered skips this read;
// 2. fold the signals in memory (fold.ts), then ONE statement updates the alerts it changed, only
//    where the row version is still the one read (or remembered), inserts the alerts it opened,
//    unless another writer opened the same key first, and enqueues their jobs (page,
//    auto-declare). If any row changed since or any key was taken, the statement fails as a whole
//    (BatchConflict), the batch's keys are forgotten and the caller reads and folds again.
// One statement is one commit: the batch is stored, with what it causes, or not at all, and on a
// busy machine its one or two round trips cost far less than an interactive transaction's six
// (BEGIN, lock, update, insert, enqueue, COMMIT, each a wait for the event loop and PostgreSQL).
// Both go on the pg driver as named prepared statements (src/db/sql.ts): Prisma's client costs
// about as much CPU per call as a whole batch of small alerts does otherwise.
import { z } from "zod";
import type { Sql } from "../db/sql.ts";
import { empty, sql } from "../db/statement.ts";
import { insertJobRows, type JobRow } from "../jobs/queue.ts";
import { alertRow, type Members, membersValue } from "./alert-rows.ts";
import { type FoldedAlert, foldSignals, type OpenAlert } from "./fold.ts";
import { type OpenAlertCache, openAlertKey, type RememberedAlert } from "./open-alerts.ts";
import { probe, probeNow } from "./phase-probe.ts";
import type { AlertSignal } from "./signal.ts";
import { parseStorableJson } from "./storable-json.ts";

/**
 * Another writer (a replica, a person's ack, a page job) changed one of the batch's alerts, or
 * opened one of its keys, between the read and the write: nothing was written; fold again.
 */
export class BatchConflict extends Error {
  constructor() {
    super("an alert of the batch changed concurrently");
    this.name = "BatchConflict";
  }
}

/** What the write statement raises on a conflict: an integer cast of this text fails. */
const CONFLICT_MARK = "tocsin alert batch conflict";

export interface StoredBatch {
  alerts: FoldedAlert[];
  /** Alert numbers of the alerts this batch opened, by id. */
  numbers: Map<string, number>;
  ignored: number;
}

/** An open alert as folding needs it (see OpenAlert), with its row version. */
const openRow = alertRow
  .pick({
    id: true,
    number: true,
    integrationId: true,
    dedupKey: true,
    openKey: true,
    status: true,
    summary: true,
    source: true,
    severity: true,
    tlp: true,
    rsitType: true,
    teamId: true,
    signalCount: true,
    firstSignalAt: true,
    lastSignalAt: true,
    ackedAt: true,
    resolvedAt: true,
    incidentId: true,
  })
  .extend({ members: z.unknown().transform(membersOf), version: z.string() });

/**
 * What the write returns per alert: an opened alert's number, and each row's new version. Built
 * once: zod 4 compiles an object schema on its first parse, so a schema built per batch cost a
 * compilation (and its garbage) every batch.
 */
const writtenRow = z.object({
  id: z.string(),
  number: z.number().int().nullable(),
  version: z.string().nullable(),
});

/**
 * The stored members, checked in one loop: a group of a thousand through a zod record schema
 * cost more than the rest of the batch's read. Anything unexpected goes through the schema.
 */
function membersOf(value: unknown): Members {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return membersValue.parse(value);
  for (const status of Object.values(value))
    if (status !== "firing" && status !== "resolved") return membersValue.parse(value);
  return value as Members;
}

/**
 * The statements of a batch; `jobsFor` names the jobs the folded alerts cause. `remembered`: the
 * open alerts this process last wrote (read instead of asking the database; updated here).
 */
export async function storeSignals(
  driver: Sql,
  sent: readonly AlertSignal[],
  now: Date,
  jobsFor: (alerts: readonly FoldedAlert[]) => JobRow[],
  remembered?: OpenAlertCache,
): Promise<StoredBatch> {
  const startedAt = probeNow();
  const signals = sent.map(storable);
  const known: Array<OpenAlert & { version: string }> = [];
  const integrations: string[] = [];
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const signal of signals) {
    const key = openAlertKey(signal.integrationId, signal.dedupKey);
    if (seen.has(key)) continue;
    seen.add(key);
    const alert = remembered?.get(key);
    if (alert) known.push(alert);
    else {
      integrations.push(signal.integrationId);
      keys.push(signal.dedupKey);
    }
  }
  const open =
    keys.length === 0
      ? known
      : known.concat(
          await driver.rows(
            openRow,
            sql`
      select a.id, a.number, a."integrationId", a."dedupKey", a."openKey", a.status, a.summary,
             a.source, a.severity, a.tlp, a."rsitType", a."teamId", a."signalCount", a."firstSignalAt",
             a."lastSignalAt", a."ackedAt", a."resolvedAt", a."incidentId", a.members,
             a.xmin::text as version
        from "Alert" a
        join (select distinct * from unnest(${integrations}::text[], ${keys}::text[]) as k(i, d)) k
          on a."integrationId" = k.i and a."openKey" = k.d`,
            { prepared: true },
          ),
        );
  const readAt = probeNow();
  const versions = new Map(open.map((row) => [row.id, row.version]));
  const folded = foldSignals(open, signals, now, () => crypto.randomUUID());
  const numbers = new Map<string, number>();
  if (folded.alerts.length === 0) return { alerts: [], numbers, ignored: folded.ignored };
  const created = folded.alerts.filter((a) => a.before === undefined);
  const updated = folded.alerts.filter((a) => a.before !== undefined);
  const jobs = jobsFor(folded.alerts);
  const foldedAt = probeNow();
  let written: Array<{ id: string; number: number | null; version: string | null }>;
  try {
    written = await driver.rows(
      writtenRow,
      sql`
      with upd as (
        update "Alert" a set "openKey" = v."openKey", status = v.status::"AlertStatus",
               summary = v.summary, source = v.source, severity = v.severity, tlp = v.tlp,
               "rsitType" = v."rsitType", "teamId" = v."teamId",
               -- Absent (null) when the batch kept them: O(what changed), not the whole row.
               labels = coalesce(v.labels, a.labels), links = coalesce(v.links, a.links),
               details = coalesce(v.details, a.details), members = coalesce(v.members, a.members),
               "signalCount" = v."signalCount",
               "lastSignalAt" = v."lastSignalAt", "ackedAt" = v."ackedAt", "resolvedAt" = v."resolvedAt"
          from jsonb_to_recordset(${JSON.stringify(updated.map((a) => ({ ...columns(a), version: versions.get(a.id) })))}::jsonb) as v(
               id text, "openKey" text, status text, summary text, source text, severity int,
               tlp text, "rsitType" text, "teamId" text, labels jsonb, links jsonb, details jsonb,
               members jsonb, "signalCount" int, "lastSignalAt" timestamptz, "ackedAt" timestamptz,
               "resolvedAt" timestamptz, version text)
         where a.id = v.id and a.xmin::text = v.version
        returning a.id, a.xmin::text as version
      ),
      ins as (
        insert into "Alert" (id, "integrationId", "dedupKey", "openKey", status, summary, source,
               severity, tlp, "rsitType", "teamId", labels, links, details, members, "signalCount",
               "firstSignalAt", "lastSignalAt", "ackedAt", "resolvedAt")
        select v.id, v."integrationId", v."dedupKey", v."openKey", v.status::"AlertStatus", v.summary,
               v.source, v.severity, v.tlp, v."rsitType", v."teamId", v.labels, v.links, v.details,
               v.members, v."signalCount", v."firstSignalAt", v."lastSignalAt", v."ackedAt", v."resolvedAt"
          from jsonb_to_recordset(${JSON.stringify(created.map(columns))}::jsonb) as v(
               id text, "integrationId" text, "dedupKey" text, "openKey" text, status text,
               summary text, source text, severity int, tlp text, "rsitType" text, "teamId" text,
               labels jsonb, links jsonb, details jsonb, members jsonb, "signalCount" int,
               "firstSignalAt" timestamptz, "lastSignalAt" timestamptz, "ackedAt" timestamptz,
               "resolvedAt" timestamptz)
         -- After every update: an alert this batch resolves frees its key for one it opens.
         where (select count(*) from upd) >= 0
        on conflict ("integrationId", "openKey") do nothing
        returning id, number, xmin::text as version
      )${jobs.length > 0 ? sql`, jobs as (${insertJobRows(jobs)})` : empty}
      select id, number, version from ins
      union all
      select id, null, version from upd
      union all
      -- A row changed or a key taken since the read: fail the whole statement (nothing written).
      select ${CONFLICT_MARK}::text, (${CONFLICT_MARK}::text || ' ' || (select count(*) from upd))::int, null
       where (select count(*) from upd) <> ${updated.length}
          or (select count(*) from ins) <> ${created.length}`,
      { prepared: true },
    );
  } catch (error) {
    // A conflict, or an outcome not known (the connection lost mid-commit): read them again.
    for (const key of seen) remembered?.forget(key);
    throw error;
  }
  probe(
    "store",
    readAt - startedAt,
    foldedAt - readAt,
    probeNow() - foldedAt,
    sent.length,
    folded.alerts.length,
    jobs.length,
  );
  const writtenVersions = new Map<string, string | null>();
  for (const row of written) {
    if (row.number !== null) numbers.set(row.id, row.number);
    writtenVersions.set(row.id, row.version);
  }
  if (remembered) remember(remembered, folded.alerts, numbers, writtenVersions);
  return { alerts: folded.alerts, numbers, ignored: folded.ignored };
}

/** The batch's alerts as written: open ones remembered with their new version, closed forgotten. */
function remember(
  remembered: OpenAlertCache,
  alerts: readonly FoldedAlert[],
  numbers: ReadonlyMap<string, number>,
  versions: ReadonlyMap<string, string | null>,
): void {
  // Closed first: an alert the batch resolved frees its key for one the batch opened after it.
  for (const alert of alerts)
    if (alert.openKey === null) remembered.forget(openAlertKey(alert.integrationId, alert.dedupKey));
  for (const alert of alerts) {
    const key = openAlertKey(alert.integrationId, alert.dedupKey);
    const version = versions.get(alert.id);
    const number = alert.before?.number ?? numbers.get(alert.id);
    if (alert.openKey === null) continue;
    if (!version || number === undefined) {
      remembered.forget(key);
      continue;
    }
    remembered.remember({
      id: alert.id,
      number,
      integrationId: alert.integrationId,
      dedupKey: alert.dedupKey,
      openKey: alert.openKey,
      status: alert.status,
      summary: alert.summary,
      source: alert.source,
      severity: alert.severity,
      tlp: alert.tlp,
      rsitType: alert.rsitType,
      teamId: alert.teamId,
      signalCount: alert.signalCount,
      firstSignalAt: alert.firstSignalAt,
      lastSignalAt: alert.lastSignalAt,
      ackedAt: alert.ackedAt,
      resolvedAt: alert.resolvedAt,
      incidentId: alert.before?.incidentId ?? null,
      members: alert.members,
      version,
    } satisfies RememberedAlert);
  }
}

/** Whether the write statement failed on a conflict (see CONFLICT_MARK). */
export function isBatchConflict(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 6; depth++) {
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && message.includes(CONFLICT_MARK)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The columns to write; unchanged labels, links, details and members are left out (kept). */
function columns(alert: FoldedAlert) {
  const { before: _before, declare: _declare, membersChanged, members, ...stored } = alert;
  return membersChanged ? { ...stored, members } : stored;
}

/**
 * The signal as PostgreSQL can store it: JSON lets a sender write "\u0000" and lone surrogates
 * ("\ud800"), which text and jsonb refuse; such a request would fail on every retry and its alert
 * never be stored. NULs are dropped and lone surrogates become U+FFFD, in every string (bodies
 * are depth-capped at parse, so the walk is bounded).
 */
function storable(signal: AlertSignal): AlertSignal {
  // Nearly every signal is storable as sent: check first, rebuild only the rare one that is not.
  return needsCleaning(signal) ? storableValue(signal) : signal;
}

function needsCleaning(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000") || !value.isWellFormed();
  if (Array.isArray(value)) return value.some(needsCleaning);
  if (value === null || typeof value !== "object" || value instanceof Date) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (needsCleaning(key) || needsCleaning((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/**
 * The signal with its text cleaned. Its fields are rebuilt one by one (a Date stays a Date); a
 * field that is a tree (details, labels, links, members) is rebuilt from its JSON with the
 * escapes PostgreSQL refuses taken out, never key by key: built key by key, objects whose keys
 * are array indices got element stores sized by the largest index (`{"1023":0,"2575":0}` held 31
 * KB), and 64 KB of such details held 99 MB until the commit (the attack review of 2026-12-01).
 */
function storableValue(signal: AlertSignal): AlertSignal {
  const out: Record<string, unknown> = { ...signal };
  for (const [field, value] of Object.entries(out)) {
    if (typeof value === "string") out[field] = storableText(value);
    else if (value !== null && typeof value === "object" && !(value instanceof Date) && needsCleaning(value))
      out[field] = parseStorableJson(JSON.stringify(value));
  }
  return out as unknown as AlertSignal;
}

function storableText(text: string): string {
  return text.replaceAll("\u0000", "").toWellFormed();
}
