// The matrix-js-sdk client as tocsin runs it: an in-memory store that resumes /sync from the
// stored token, a deadline and a size cap on every request (matrix-fetch.ts), a filter that
// leaves out what the bot never reads, and the sync's ups and downs in the log. The client lives in a ClientSlot the platform's parts
// share: set by start(), cleared by stop().
import {
  ClientEvent,
  createClient,
  Filter,
  type ISyncResponse,
  type MatrixClient,
  SyncState,
} from "matrix-js-sdk";
import type { Logger } from "pino";
import { fetchWithDeadline, RedirectGuard } from "./matrix-fetch.ts";
import { ResumableMemoryStore } from "./resumable-store.ts";
import { sdkLogger } from "./sdk-logger.ts";

/** The running client; undefined before start() and after stop(). */
export class ClientSlot {
  current: MatrixClient | undefined;

  require(): MatrixClient {
    if (!this.current) throw new Error("the Matrix platform is not started");
    return this.current;
  }
}

export interface ClientSettings {
  homeserverUrl: string;
  accessToken: string;
  userId: string;
  deviceId?: string;
  /** Any request other than /sync that takes longer counts as a network failure. */
  requestTimeoutMs: number;
}

export function createMatrixClient(
  settings: ClientSettings,
  log: Logger,
  savedSyncToken: string | null,
  onSyncBatch: (response: ISyncResponse) => Promise<void>,
): MatrixClient {
  const redirects = new RedirectGuard(settings.homeserverUrl);
  return createClient({
    baseUrl: settings.homeserverUrl,
    accessToken: settings.accessToken,
    userId: settings.userId,
    deviceId: settings.deviceId,
    store: new ResumableMemoryStore(savedSyncToken, onSyncBatch),
    logger: sdkLogger(log),
    timelineSupport: false,
    fetchFn: (input, init) => fetchWithDeadline(input, init, settings.requestTimeoutMs, redirects),
  });
}

/** Only what the bot reads: room timelines (up to `timelineLimit` per batch) and state. */
export function syncFilter(userId: string, timelineLimit: number): Filter {
  const filter = new Filter(userId);
  filter.setDefinition({
    room: {
      timeline: { limit: timelineLimit },
      ephemeral: { not_types: ["*"] },
      account_data: { not_types: ["*"] },
    },
    presence: { not_types: ["*"] },
  });
  return filter;
}

/** Resolves once the client's first sync is through (SyncState.Prepared). */
export function firstSync(client: MatrixClient): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSync = (state: SyncState) => {
      if (state !== SyncState.Prepared) return;
      client.off(ClientEvent.Sync, onSync);
      resolve();
    };
    client.on(ClientEvent.Sync, onSync);
  });
}

export function logSyncStates(client: MatrixClient, log: Logger, resumed: boolean): void {
  client.on(ClientEvent.Sync, (state, previous, data) => {
    if (state === previous) return;
    const error = data?.error;
    switch (state) {
      case SyncState.Prepared:
        log.info({ resumed }, "Matrix sync ready");
        break;
      case SyncState.Syncing:
        if (previous !== SyncState.Prepared) log.info({ previous }, "Matrix sync running again");
        break;
      case SyncState.Reconnecting:
        log.warn({ err: error }, "Matrix sync interrupted; reconnecting");
        break;
      case SyncState.Error:
        log.error({ err: error }, "Matrix homeserver unreachable; retrying with backoff");
        break;
      case SyncState.Catchup:
        log.info("Matrix homeserver reachable again; catching up");
        break;
      case SyncState.Stopped:
        log.debug("Matrix sync stopped");
        break;
    }
  });
}
