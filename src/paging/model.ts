// What the paging modules share: the requests they take, the outcomes they give, their
// dependencies and the storm limits' defaults. See paging.ts for how a page travels.
import type { Logger } from "pino";
import type { Action, Message } from "../chat/message.ts";
import type { Clock } from "../clock.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import type { Incident, Page, PageDelivery, Person } from "../generated/prisma/client.ts";
import type { Metrics } from "../http/metrics.ts";
import type { Incidents } from "../incidents/incidents.ts";
import type { TlpLabel } from "../incidents/tlp.ts";
import type { ClaimedJob, JobQueue } from "../jobs/queue.ts";
import type { PageLimits, Team } from "../oncall/config.ts";
import type { OncallDirectory } from "../oncall/directory.ts";
import type { Outbox, Subject } from "../outbox/outbox.ts";
import type { People } from "../people/people.ts";

/** The declared incident's page waits this long for its room to open, then goes anyway. */
export const DECLARED_PAGE_GRACE_MS = 30_000;
export const MAX_PAGE_MESSAGE = 1000;

export const DEFAULT_PAGE_LIMITS: PageLimits = { mergeWithin: 2 * 60_000, perPerson: 5, window: 10 * 60_000 };

export type PageTarget = { kind: "team"; team: Team } | { kind: "person"; person: Person };

export interface PageRequest {
  target: PageTarget;
  message: string;
  incident?: Incident;
}

export interface PageOutcome {
  page: Page;
  /** True when an identical open page absorbed this one. */
  merged: boolean;
  /** A page made with its first level in its transaction (createTeamPage): what startEscalation finishes. */
  first?: FirstStep;
}

export interface PagingOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  jobs: JobQueue;
  directory: OncallDirectory;
  people: People;
  incidents: Incidents;
  outbox: Outbox;
  timeZone: string;
  metrics?: Metrics;
}

/**
 * A page's messages are written for where they go (the incident's title is left out where its
 * label does not allow it, see messages.ts incidentLine), so what they carry is their label.
 */
export function pageSubject(message: Message): Subject {
  return message.tlp ? { kind: "label", tlp: message.tlp } : { kind: "interface" };
}

/**
 * What a page shows when it speaks for something else (an alert): its content blocks, extra
 * buttons and the TLP label that content carries. The page's own header, position and Ack and
 * Resolve buttons stay paging's.
 */
export interface PageBody {
  blocks: Message["blocks"];
  actions: Action[];
  /** None when the body holds no labelled content (a TLP:RED alert's page says only that it is one). */
  tlp?: TlpLabel;
}

/** Gives a page's body, or undefined for a plain page (registered by the alert desk). */
export type PageContent = (page: Page) => Promise<PageBody | undefined>;

/**
 * Told, inside the transaction that acknowledges or resolves a page by a person (`/oncall ack`),
 * so what the page speaks for (an alert) follows in the same commit.
 */
export type SettledListener = (
  tx: DbTransaction,
  page: Page,
  to: "acked" | "resolved",
  byPersonId: string,
  now: Date,
) => Promise<void>;

/** What other domains plug into paging after it is made (see Paging.setContent, onSettled). */
export interface PageHooks {
  content?: PageContent;
  settled: SettledListener[];
}

/**
 * A new page's first level, done in the transaction that made the page (firstInTransaction), to
 * finish with `startFirst` once that transaction has committed.
 */
export interface FirstStep {
  page: Page;
  /** The level's sending, inserted already claimed by this worker: run after the commit. */
  deliver?: ClaimedJob;
  /** What the sending would otherwise read again. */
  warm?: WarmDelivery;
  heldNoticeKeys: string[];
  recipients: number;
  skipped?: string;
  nextDueAt: Date;
}

/** What a sending run right after its step knows already (page, people, their DM rows, body). */
export interface WarmDelivery {
  page: Page;
  recipients: Person[];
  reserved: Map<string, PageDelivery[]>;
  body?: PageBody;
}
