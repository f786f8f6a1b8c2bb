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
// thousand); past either the least recently written are forgotten (they are read again).
import type { OpenAlert } from "./fold.ts";

export type RememberedAlert = OpenAlert & { version: string };

const MAX_ENTRIES = 2_000;
const MAX_MEMBERS = 50_000;

export const openAlertKey = (integrationId: string, dedupKey: string) => `${integrationId}\u0000${dedupKey}`;

export class OpenAlertCache {
  /** By openAlertKey, least recently written first (a Map keeps insertion order). */
  readonly #entries = new Map<string, { alert: RememberedAlert; members: number }>();
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
    this.#entries.set(key, { alert, members });
    this.#members += members;
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#members <= this.#maxMembers) break;
      this.#entries.delete(oldest);
      this.#members -= entry.members;
    }
  }

  forget(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#members -= entry.members;
  }
}
