// The open alerts this process last wrote, each with its row version, so a batch whose alerts are
// all known here skips the read: one statement instead of two (store.ts). Under a steady stream
// of repeats (the common load: the same groups again and again) that halves the round trips a
// batch waits for, and every request queued behind it waits for.
//
// Only a hint, never the truth: the write statement updates a row only where its version is
// still the one remembered, so an alert changed meanwhile by anyone (a replica, a person's ack, a
// page job recording its page) fails the whole batch as a conflict; its keys are then forgotten
// and the batch is read and folded again. A key not remembered is always read.
//
// Bounded: at most MAX_ENTRIES alerts and MAX_MEMBERS group members in all (a group can carry a
// thousand); past either, the least recently written alert of the integration holding the most
// (alerts, or members) is forgotten (it is read again). Fair per integration: one integration's
// flood of new keys evicts its own older alerts, never those of an integration holding fewer.
import type { OpenAlert } from "./fold.ts";

export type RememberedAlert = OpenAlert & { version: string };

const MAX_ENTRIES = 2_000;
const MAX_MEMBERS = 50_000;

export const openAlertKey = (integrationId: string, dedupKey: string) => `${integrationId}\u0000${dedupKey}`;

interface Entry {
  alert: RememberedAlert;
  members: number;
}

/** One integration's remembered alerts, least recently written first (a Map keeps insertion order). */
interface Share {
  entries: Map<string, Entry>;
  members: number;
}

export class OpenAlertCache {
  /** By openAlertKey. */
  readonly #entries = new Map<string, Entry>();
  /** By integration id. */
  readonly #shares = new Map<string, Share>();
  #members = 0;
  readonly #maxEntries: number;
  readonly #maxMembers: number;

  constructor(limits: { maxEntries?: number; maxMembers?: number } = {}) {
    this.#maxEntries = limits.maxEntries ?? MAX_ENTRIES;
    this.#maxMembers = limits.maxMembers ?? MAX_MEMBERS;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): RememberedAlert | undefined {
    return this.#entries.get(key)?.alert;
  }

  /** Remembers the alert as written (its members object is never changed in place: fold.ts). */
  remember(alert: RememberedAlert): void {
    const key = openAlertKey(alert.integrationId, alert.dedupKey);
    this.forget(key);
    const members = Object.keys(alert.members).length;
    if (members > this.#maxMembers) return;
    const entry = { alert, members };
    let share = this.#shares.get(alert.integrationId);
    if (!share) {
      share = { entries: new Map(), members: 0 };
      this.#shares.set(alert.integrationId, share);
    }
    this.#entries.set(key, entry);
    share.entries.set(key, entry);
    share.members += members;
    this.#members += members;
    while (this.#entries.size > this.#maxEntries)
      this.#evictOldestOf(this.#largest(share, (s) => s.entries.size));
    while (this.#members > this.#maxMembers) this.#evictOldestOf(this.#largest(share, (s) => s.members));
  }

  forget(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#members -= entry.members;
    const share = this.#shares.get(entry.alert.integrationId);
    if (!share) return;
    share.entries.delete(key);
    share.members -= entry.members;
    if (share.entries.size === 0) this.#shares.delete(entry.alert.integrationId);
  }

  /**
   * The share holding the most by `measure`; the writer's own on a tie (the one pushing pays).
   * Linear in the integrations remembered: a handful, configured by people.
   */
  #largest(writer: Share, measure: (share: Share) => number): Share {
    let largest = writer;
    for (const share of this.#shares.values()) if (measure(share) > measure(largest)) largest = share;
    return largest;
  }

  #evictOldestOf(share: Share): void {
    const oldest = share.entries.keys().next();
    if (!oldest.done) this.forget(oldest.value);
  }
}
