// The jobs a stored batch of alerts causes, written by the batch's own statement (store.ts): a
// pure function of the folded alerts and the time, apart from the handlers that run them
// (alert-pages.ts, alert-incidents.ts), so the intake's writer builds them wherever it runs (the
// HTTP edge thread, alert-writer.ts) without the desk's chat and incident parts.
//
// Job keys (one row each, so a storm folds into few jobs):
//   alert:<id>:open          the first page, due at once
//   alerts:show:<second>     later signals of any alerts within one second, shown at its end
//   alert:<id>:acked|resolved the sender acknowledged or resolved it, due at once
//   alert:<id>:declare       an incident a rule of the integration asked for, due at once
import { z } from "zod";
import { type JobRow, jobRowsOf, type NewJob } from "../jobs/job.ts";
import type { FoldedAlert } from "./fold.ts";

export const ALERT_PAGE_JOB = "alert.page";
export const ALERT_SHOW_JOB = "alert.show";
export const ALERT_DECLARE_JOB = "alert.declare";

export const pagePayload = z.object({ alertId: z.string() });
/** `window`: the end of the second (ms since the epoch) whose signals the job shows. */
export const showPayload = z.object({ window: z.number().int() });
export const declarePayload = z.object({ alertId: z.string(), severity: z.number().int().min(1).max(4) });

/** Later signals of an alert are shown at most this often (one edit per window). */
export const UPDATE_WINDOW_MS = 1000;

export function openKey(alertId: string): string {
  return `alert:${alertId}:open`;
}

export function settleKey(alertId: string, to: "acked" | "resolved"): string {
  return `alert:${alertId}:${to}`;
}

export function declareKey(alertId: string): string {
  return `alert:${alertId}:declare`;
}

/** The advisory lock between a second's show job and the batches that enqueue it (alert-pages.ts, #takeWindow). */
export function showLock(window: number): string {
  return `tocsin:alerts-show:${window}`;
}

/** The jobs of a stored batch, and whether one of them is due now (the job queue is woken for it). */
export function alertJobs(alerts: readonly FoldedAlert[], now: Date): { rows: JobRow[]; dueNow: boolean } {
  const rows = [...pageJobs(alerts, now), ...declareJobs(alerts, now)];
  return { rows, dueNow: rows.some((row) => Date.parse(row.dueAt) <= now.getTime()) };
}

/** The page jobs: open when an alert fires, settle when the sender acks or resolves, show later signals. */
function pageJobs(alerts: readonly FoldedAlert[], now: Date): JobRow[] {
  const jobs: Array<NewJob<{ alertId: string }>> = [];
  const window = Math.ceil((now.getTime() + 1) / UPDATE_WINDOW_MS) * UPDATE_WINDOW_MS;
  let show = false;
  for (const alert of alerts) {
    const payload = { alertId: alert.id };
    if (!alert.before) {
      if (alert.status !== "resolved") jobs.push({ key: openKey(alert.id), payload, dueAt: now });
    } else if (alert.status !== alert.before.status && alert.status !== "firing") {
      jobs.push({ key: settleKey(alert.id, alert.status), payload, dueAt: now });
    } else if (alert.status !== "resolved") {
      show = true;
    }
  }
  const rows = jobRowsOf(ALERT_PAGE_JOB, pagePayload, jobs);
  if (show)
    rows.push(
      ...jobRowsOf(ALERT_SHOW_JOB, showPayload, [
        { key: `alerts:show:${window}`, payload: { window }, dueAt: new Date(window) },
      ]).map((row) => ({ ...row, sharedLock: showLock(window) })),
    );
  return rows;
}

/** A declare job for each alert a rule asked an incident for. */
function declareJobs(alerts: readonly FoldedAlert[], now: Date): JobRow[] {
  const wanted = alerts.filter(
    (a) => a.declare !== undefined && a.status !== "resolved" && !a.before?.incidentId,
  );
  return jobRowsOf(
    ALERT_DECLARE_JOB,
    declarePayload,
    wanted.map((a) => ({
      key: declareKey(a.id),
      payload: { alertId: a.id, severity: a.declare ?? a.severity },
      dueAt: now,
    })),
  );
}
