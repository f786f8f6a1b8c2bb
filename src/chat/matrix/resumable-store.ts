// matrix-js-sdk's in-memory store, with the two hooks tocsin needs to resume /sync after a
// restart (the SDK's MemoryStore forgets its sync token with the process):
//
// - getSavedSyncToken(): the SDK asks it once, for its first /sync; returning the token persisted
//   in the database makes that first request an incremental `since=` sync, so what happened
//   while tocsin was down arrives, and nothing older.
// - setSyncData(): the SDK calls it after it has processed each /sync response (room state is
//   up to date by then) and before it asks for the next one. tocsin takes the batch's commands
//   from the raw response there, and persists `next_batch` once they are handled.
import { type ISyncResponse, MemoryStore } from "matrix-js-sdk";

export type SyncBatchHandler = (response: ISyncResponse) => Promise<void>;

export class ResumableMemoryStore extends MemoryStore {
  readonly #savedSyncToken: string | null;
  readonly #onBatch: SyncBatchHandler;

  constructor(savedSyncToken: string | null, onBatch: SyncBatchHandler) {
    // No localStorage: the filter id cache lives in memory and a new filter is made per start.
    super();
    this.#savedSyncToken = savedSyncToken;
    this.#onBatch = onBatch;
  }

  override getSavedSyncToken(): Promise<string | null> {
    return Promise.resolve(this.#savedSyncToken);
  }

  override async setSyncData(response: ISyncResponse): Promise<void> {
    await this.#onBatch(response);
  }
}
