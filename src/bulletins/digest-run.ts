// One run of an advisories-digest subscription, from sources to what each room gets: load the
// sources, join KEV knowledge, give unlabelled advisories the subscription's label, filter, drop
// what this room already had, let the TLP gate split what may go there from what is withheld,
// and build the digest in parts that fit the platform. Planning writes nothing, so a preview is
// the same code as a run; recording what was posted is a separate step inside the job's
// transaction.
import type { Logger } from "pino";
import { type Destination, tlpGate } from "../chat/tlp-gate.ts";
import type { Db, DbTransaction } from "../db/database.ts";
import { formatTlp, type TlpLabel } from "../incidents/tlp.ts";
import type { Advisory } from "./advisory.ts";
import { buildDigest, type Digest, type RenderedDigest, type SplitLimits, splitDigest } from "./digest.ts";
import { filterAdvisories } from "./filters.ts";
import { mergeKnownExploited } from "./kev.ts";
import {
  describeSourceFailure,
  type LoadOptions,
  loadAdvisories,
  type SkippedDocument,
  type SourceFailure,
} from "./sources.ts";
import type { DigestSubscription } from "./subscriptions.ts";

export interface DigestPlan {
  /** The period the digest covers: advisories published in [from, to). */
  period: { from: Date; to: Date };
  loadedCount: number;
  skipped: SkippedDocument[];
  /** Sources that could not be read completely; the digest says so, or is replaced by a notice. */
  failedSources: SourceFailure[];
  /** New for this room and allowed by the TLP gate, in the digest. */
  included: Advisory[];
  /** New for this room but above what it may receive: counted in a notice, never shown. */
  withheld: Advisory[];
  /** Why they were withheld, one line per label (names labels and the room only). */
  withheldReasons: string[];
  /** Undefined when there is nothing to post (and the subscription does not announce empty runs). */
  digest: Digest | undefined;
  parts: RenderedDigest[];
}

export interface DigestRunDeps {
  db: Db;
  log: Logger;
  load?: LoadOptions;
}

/** `csaf:RHSA-2021:5186`, `kev:CVE-2025-48384`: ids are unique within a source. */
export function advisoryKey(advisory: Advisory): string {
  return `${advisory.source}:${advisory.id}`;
}

/** `console:#soc`: the room key of PostedAdvisory rows. */
export function destinationKey(platform: string, roomId: string): string {
  return `${platform}:${roomId}`;
}

export async function planDigest(
  subscription: DigestSubscription,
  at: Date,
  destination: Destination,
  limits: SplitLimits,
  deps: DigestRunDeps,
): Promise<DigestPlan> {
  const period = { from: new Date(at.getTime() - subscription.lookbackMs), to: at };
  const log = deps.log.child({ subscription: subscription.id });
  const loaded = await loadAdvisories(subscription.sources, {
    ...deps.load,
    logger: log,
    since: period.from,
  });
  const labelled = mergeKnownExploited(loaded.advisories).map((advisory) =>
    advisory.tlp ? advisory : { ...advisory, tlp: subscription.unlabelled },
  );
  const selected = filterAdvisories(labelled, {
    ...subscription.filters,
    since: period.from,
    until: period.to,
  });
  const seen = await alreadyHandled(deps.db, subscription, selected);
  const fresh = selected.filter((advisory) => !seen.has(advisoryKey(advisory)));

  // The gate decides per label, so one AMBER advisory does not hold back the CLEAR ones.
  const decisions = new Map<TlpLabel, string | undefined>();
  for (const advisory of fresh) {
    const label = advisory.tlp as TlpLabel;
    if (!decisions.has(label)) {
      const decision = tlpGate(destination, { blocks: [], tlp: label });
      decisions.set(label, decision.allowed ? undefined : decision.reason);
    }
  }
  const included = fresh.filter((advisory) => decisions.get(advisory.tlp as TlpLabel) === undefined);
  const withheld = fresh.filter((advisory) => decisions.get(advisory.tlp as TlpLabel) !== undefined);
  const withheldReasons = [...decisions.values()].filter((reason): reason is string => reason !== undefined);
  const unreadableSources = loaded.failedSources.map(describeSourceFailure);
  if (unreadableSources.length > 0) {
    log.warn(
      { unreadableSources, sources: subscription.sources.length },
      `${unreadableSources.length} of ${subscription.sources.length} bulletin sources could not be read`,
    );
  }

  const digest = buildDigest(included, {
    language: subscription.language,
    title: subscription.title,
    period,
    sourceCount: subscription.sources.length,
    timeZone: subscription.schedule.timeZone,
    // Withheld advisories get their own notice; the digest itself then has nothing to say.
    announceEmpty: subscription.announceEmpty && withheld.length === 0,
    unreadableSources,
  });
  return {
    period,
    loadedCount: loaded.advisories.length,
    skipped: loaded.skipped,
    failedSources: loaded.failedSources,
    included,
    withheld,
    withheldReasons,
    digest,
    parts: digest ? splitDigest(digest, limits) : [],
  };
}

async function alreadyHandled(
  db: Db,
  subscription: DigestSubscription,
  advisories: Advisory[],
): Promise<Set<string>> {
  if (advisories.length === 0) return new Set();
  const { platform, roomId } = subscription.destination;
  const rows = await db.postedAdvisory.findMany({
    where: { destination: destinationKey(platform, roomId), advisoryId: { in: advisories.map(advisoryKey) } },
    select: { advisoryId: true },
  });
  return new Set(rows.map((row) => row.advisoryId));
}

/** Records what the room got (and what it was told was withheld), in the job's transaction. */
export async function recordHandled(
  tx: DbTransaction,
  subscription: DigestSubscription,
  plan: DigestPlan,
  now: Date,
): Promise<void> {
  const destination = destinationKey(subscription.destination.platform, subscription.destination.roomId);
  const rows = [
    ...plan.included.map((advisory) => ({ advisory, withheld: false })),
    ...plan.withheld.map((advisory) => ({ advisory, withheld: true })),
  ].map(({ advisory, withheld }) => ({
    destination,
    advisoryId: advisoryKey(advisory),
    postedAt: now,
    withheld,
  }));
  if (rows.length > 0) await tx.postedAdvisory.createMany({ data: rows, skipDuplicates: true });
}

/** `2 TLP:AMBER, 1 TLP:RED`: how many of each label, for the withheld notice. */
export function countByLabel(advisories: readonly Advisory[]): string {
  const counts = new Map<TlpLabel, number>();
  for (const advisory of advisories) {
    const label = advisory.tlp as TlpLabel;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts.entries()].map(([label, count]) => `${count} ${formatTlp(label)}`).join(", ");
}
