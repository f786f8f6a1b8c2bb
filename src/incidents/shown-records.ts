// What an incident room was last shown (its topic's and summary's fingerprints, see
// src/outbox/fingerprint.ts) as this process last recorded it. The row is the record replicas
// share; this is only the process's own newer knowledge of it: a change's statement returns the
// rooms as they were when it ran, and a refresh of the same incident by this process may have
// recorded since (refreshes of one incident run one after another here, so its calls landed
// before the ones of the refresh that reads this; but that refresh may have shown a later state
// than the change's details, whose refresh came late: see IncidentRooms). Without it, the next change's refresh would
// find the row changed since its statement read it and refresh everything once more.
import type { RoomOfIncident } from "./change-statements.ts";
import type { RoomShown } from "./room-bindings.ts";

export interface Shown {
  version: number;
  topic: string | null;
  summary: string | null;
}

/** Plenty for the rooms of the incidents being worked on; forgotten all at once past it. */
const MAX_ROOMS = 10_000;

export class ShownRecords {
  readonly #rooms = new Map<string, Shown>();

  /** What the room shows: the row as read, or this process's later record of the same row. */
  latest(room: RoomOfIncident): Shown {
    const own = this.#rooms.get(keyOf(room));
    if (own && own.version > room.shownVersion) return own;
    return { version: room.shownVersion, topic: room.topicShown, summary: room.summaryShown };
  }

  /** Whether this process recorded what the room shows after `room` (a statement's row) was read. */
  newerThan(room: RoomOfIncident): boolean {
    const own = this.#rooms.get(keyOf(room));
    return own !== undefined && own.version > room.shownVersion;
  }

  /** This process recorded `shown` (the row's version is now one more than the one it read). */
  recorded(shown: RoomShown): void {
    if (this.#rooms.size >= MAX_ROOMS) this.#rooms.clear();
    this.#rooms.set(keyOf(shown), { version: shown.version + 1, topic: shown.topic, summary: shown.summary });
  }

  forget(rooms: Array<{ platform: string; roomId: string }>): void {
    for (const room of rooms) this.#rooms.delete(keyOf(room));
  }
}

function keyOf(room: { platform: string; roomId: string }): string {
  return `${room.platform}\n${room.roomId}`;
}
