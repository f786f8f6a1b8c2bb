// Writing a folded batch of signals: a handful of statements per batch whatever its size (lock
// and read the open alerts of its keys, insert the new ones, update the others, enqueue their
// page jobs), all in the caller's transaction, so the batch is stored, with what it causes, or
// not at all.
import { z } from "zod";
import type { DbTransaction } from "../db/database.ts";
import { rows } from "../db/rows.ts";
import { alertRow } from "./alert-rows.ts";
import { type FoldedAlert, foldSignals } from "./fold.ts";
import type { AlertSignal } from "./signal.ts";

/** Another replica opened one of the batch's alerts first: the batch is written again. */
export class KeyTaken extends Error {
  constructor() {
    super("an alert of the batch was opened concurrently");
    this.name = "KeyTaken";
  }
}

export interface StoredBatch {
  alerts: FoldedAlert[];
  /** Alert numbers of the alerts this batch opened, by id. */
  numbers: Map<string, number>;
  ignored: number;
}

export async function storeSignals(
  tx: DbTransaction,
  sent: readonly AlertSignal[],
  now: Date,
): Promise<StoredBatch> {
  const signals = sent.map(storable);
  const integrations = signals.map((s) => s.integrationId);
  const keys = signals.map((s) => s.dedupKey);
  // Locks the open alerts of the batch's keys: concurrent batches of one alert apply in turn.
  const open = rows(
    alertRow,
    await tx.$queryRaw`
      select a.* from "Alert" a
        join (select distinct * from unnest(${integrations}::text[], ${keys}::text[]) as k(i, d)) k
          on a."integrationId" = k.i and a."openKey" = k.d
      order by a.id
      for update of a`,
  );
  const folded = foldSignals(open, signals, now, () => crypto.randomUUID());
  const created = folded.alerts.filter((a) => a.before === undefined);
  const updated = folded.alerts.filter((a) => a.before !== undefined);
  const numbers = new Map<string, number>();
  // Updates first: an alert this batch resolves frees its key for one this batch opens.
  if (updated.length > 0) {
    await tx.$executeRaw`
      update "Alert" a set "openKey" = v."openKey", status = v.status::"AlertStatus",
             summary = v.summary, source = v.source, severity = v.severity, tlp = v.tlp,
             "rsitType" = v."rsitType", "teamId" = v."teamId", labels = v.labels, links = v.links,
             details = v.details, members = v.members, "signalCount" = v."signalCount",
             "lastSignalAt" = v."lastSignalAt", "ackedAt" = v."ackedAt", "resolvedAt" = v."resolvedAt"
        from jsonb_to_recordset(${JSON.stringify(updated.map(columns))}::jsonb) as v(
             id text, "openKey" text, status text, summary text, source text, severity int,
             tlp text, "rsitType" text, "teamId" text, labels jsonb, links jsonb, details jsonb,
             members jsonb, "signalCount" int, "lastSignalAt" timestamptz, "ackedAt" timestamptz,
             "resolvedAt" timestamptz)
       where a.id = v.id`;
  }
  if (created.length > 0) {
    const inserted = rows(
      z.object({ id: z.string(), number: z.number().int() }),
      await tx.$queryRaw`
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
        on conflict ("integrationId", "openKey") do nothing
        returning id, number`,
    );
    if (inserted.length < created.length) throw new KeyTaken();
    for (const row of inserted) numbers.set(row.id, row.number);
  }
  return { alerts: folded.alerts, numbers, ignored: folded.ignored };
}

function columns(alert: FoldedAlert) {
  const { before: _before, declare: _declare, ...stored } = alert;
  return stored;
}

/**
 * The signal as PostgreSQL can store it: JSON lets a sender write "\u0000" and lone surrogates
 * ("\ud800"), which text and jsonb refuse; such a request would fail on every retry and its alert
 * never be stored. NULs are dropped and lone surrogates become U+FFFD, in every string (bodies
 * are depth-capped at parse, so the walk is bounded).
 */
function storable(signal: AlertSignal): AlertSignal {
  return storableValue(signal) as AlertSignal;
}

function storableValue(value: unknown): unknown {
  if (typeof value === "string") return value.replaceAll("\u0000", "").toWellFormed();
  if (Array.isArray(value)) return value.map(storableValue);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [storableValue(key) as string, storableValue(inner)]),
  );
}
