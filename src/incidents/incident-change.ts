// What a change of an incident is, and what every change shares: the claim of the inbound
// event (a retried event never applies twice), the hooks other parts of the desk register, and
// the limits of titles and texts.
import type { Origin } from "../activity/origin.ts";
import type { DbTransaction } from "../db/database.ts";
import { sql } from "../db/statement.ts";
import { UserError } from "../errors.ts";
import type { Incident } from "../generated/prisma/client.ts";
import type { JobRow } from "../jobs/queue.ts";
import type { IncidentDetails, RoomOfIncident } from "./change-statements.ts";
import type { Severity } from "./lifecycle.ts";

/** The inbound event was already handled (a platform retry): do nothing, say nothing. */
export class DuplicateEvent extends Error {
  constructor(key: string) {
    super(`event ${key} already processed`);
    this.name = "DuplicateEvent";
  }
}

export interface Change {
  incident: Incident;
  /** The incident's rooms as the change found them (read in the change's own statement). */
  rooms: RoomOfIncident[];
  /** The incident's details after the change, when its statement read them (the pinned summary). */
  details?: IncidentDetails;
  /** One line for the timeline and the announcement, e.g. "status investigating → contained". */
  text: string;
  kind: string;
  /** The timeline entry of the change; its announcement is pending until `announced()`. */
  timelineEntryId: string;
}

/** Runs inside the transaction that closed an incident (e.g. to schedule its rooms' archiving). */
export type ClosedHook = (tx: DbTransaction, incident: Incident, now: Date) => Promise<void>;
/**
 * The jobs a declaration schedules (its page, its reminders): rows written by the declaration's
 * own statement, so an incident never exists without them. Pure: no reading, no writing.
 */
export type DeclaredHook = (
  incident: Pick<Incident, "id" | "severity" | "teamId">,
  now: Date,
  origin: Origin,
) => JobRow[];

/** Runs inside the transaction that changed an incident's severity (e.g. to page for a raise). */
export type SeverityHook = (
  tx: DbTransaction,
  incident: Incident,
  from: number,
  now: Date,
  origin: Origin,
) => Promise<void>;

export const DEFAULT_SEVERITY: Severity = 3;
export const MAX_TITLE_LENGTH = 200;
export const MAX_TEXT_LENGTH = 3000;

/** The title as stored: whitespace folded; refused when empty or too long. */
export function cleanTitle(title: string): string {
  const clean = title.replace(/\s+/g, " ").trim();
  if (!clean)
    throw new UserError("An incident needs a title.", {
      code: "incident.title_missing",
    });
  if (clean.length > MAX_TITLE_LENGTH)
    throw new UserError(`That title is too long (max ${MAX_TITLE_LENGTH} characters).`, {
      code: "incident.title_too_long",
    });
  return clean;
}

/** Records the inbound event as handled, inside the change's transaction. */
export async function claimEvent(tx: DbTransaction, origin: Origin): Promise<void> {
  // A concurrent claim of the same key waits here for the other transaction, then finds it taken.
  const claimed = await tx.$executeRaw(sql`
    insert into "ProcessedEvent" (platform, key, "processedAt") values (${origin.platform}, ${origin.dedupeKey}, now())
    on conflict do nothing`);
  if (claimed === 0) throw new DuplicateEvent(origin.dedupeKey);
}
