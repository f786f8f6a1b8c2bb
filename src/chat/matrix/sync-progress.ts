// Where the bot is in the homeserver's /sync stream, kept across restarts:
//
// - the sync token (`next_batch`) of a batch is stored once that batch's commands are handled,
//   in batch order, so a restart resumes from the first batch not fully handled: nothing is lost,
//   and what runs again is deduplicated by event id in the domain;
// - at the very first start (no stored token) the initial sync's history is skipped;
// - a room that got more events than one sync carries (a "limited" timeline) has the rest
//   fetched with /messages back to the previous batch's token (gap filling).
import { Method } from "matrix-js-sdk";
import type { Logger } from "pino";
import type { PlatformStateStore } from "../platform.ts";
import type { MatrixCalls } from "./matrix-calls.ts";
import type { ClientSlot } from "./matrix-client.ts";
import { mayBeCommand, type RawEvent } from "./sync-batch.ts";

const SYNC_TOKEN_KEY = "sync_token";
/** Pages of /messages fetched to fill one gap in a room's timeline (100 events each). */
const MAX_GAP_PAGES = 10;

export interface BatchStart {
  /** The token the previous batch ended with: where a gap fill stops. */
  since: string | null;
  /** False for the first batch of a first start: history, not commands. */
  readTimeline: boolean;
}

export class SyncProgress {
  readonly #state: PlatformStateStore;
  readonly #calls: MatrixCalls;
  readonly #slot: ClientSlot;
  readonly #log: Logger;
  readonly #userId: string;
  /** Work of batches not finished yet (stop() waits for it). */
  readonly #running = new Set<Promise<void>>();
  /** The sync token the last batch handed over started from (the `since` of the next gap fill). */
  #lastSyncToken: string | null = null;
  #resumed = false;
  #firstBatchSeen = false;
  /** Persists sync tokens in batch order, each after its batch's work. */
  #persisting: Promise<void> = Promise.resolve();

  constructor(state: PlatformStateStore, calls: MatrixCalls, slot: ClientSlot, log: Logger, userId: string) {
    this.#state = state;
    this.#calls = calls;
    this.#slot = slot;
    this.#log = log;
    this.#userId = userId;
  }

  /** True when this run resumed from a stored token. */
  get resumed(): boolean {
    return this.#resumed;
  }

  /** Reads the stored sync token (null at the very first start) and starts counting batches. */
  async load(): Promise<string | null> {
    const saved = (await this.#state.get(SYNC_TOKEN_KEY)) ?? null;
    this.#lastSyncToken = saved;
    this.#resumed = saved !== null;
    this.#firstBatchSeen = false;
    return saved;
  }

  /** A batch arrived: where its gaps reach back to, and whether its timeline is read. */
  begin(nextBatch: string): BatchStart {
    const since = this.#lastSyncToken;
    this.#lastSyncToken = nextBatch;
    const readTimeline = this.#resumed || this.#firstBatchSeen;
    this.#firstBatchSeen = true;
    return { since, readTimeline };
  }

  /** Stores the batch's token once its work (and every earlier batch's) is done. */
  finish(nextBatch: string, work: Promise<void>): void {
    this.#running.add(work);
    void work.then(() => this.#running.delete(work));
    this.#persisting = this.#persisting.then(() => work).then(() => this.#save(nextBatch));
  }

  /** Lets work already taken finish and its tokens be stored, each within `graceMs`. */
  async settle(graceMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#running]), delay(graceMs)]);
    await Promise.race([this.#persisting, delay(graceMs)]);
  }

  /** More events arrived in a room than one sync carries: fetch the rest back to `since`. */
  async fillGap(roomId: string, from: string, since: string): Promise<RawEvent[]> {
    const client = this.#slot.require();
    const missed: RawEvent[] = [];
    let token: string | undefined = from;
    for (let page = 0; token && page < MAX_GAP_PAGES; page++) {
      const pageFrom: string = token;
      const answer = await this.#calls.run(
        "fill timeline gap",
        () =>
          client.http.authedRequest<{ chunk?: RawEvent[]; end?: string }>(
            Method.Get,
            `/rooms/${encodeURIComponent(roomId)}/messages`,
            { dir: "b", from: pageFrom, to: since, limit: "100" },
          ),
        { repeatable: true },
      );
      const chunk = answer.chunk ?? [];
      missed.push(...chunk);
      token = chunk.length > 0 ? answer.end : undefined;
    }
    if (token)
      this.#log.warn({ roomId }, "timeline gap larger than the catch-up limit; older commands skipped");
    this.#log.info({ roomId, events: missed.length }, "filled a timeline gap after a limited sync");
    return missed.reverse().filter((event) => mayBeCommand(event, this.#userId));
  }

  async #save(token: string): Promise<void> {
    try {
      await this.#state.set(SYNC_TOKEN_KEY, token);
    } catch (error) {
      // The next batch stores a newer token; a restart before that re-reads a little more.
      this.#log.error({ err: error }, "could not store the Matrix sync token");
    }
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
