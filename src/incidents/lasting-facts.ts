// Facts about incidents that, once true, stay true, remembered so that commands and audiences do
// not ask the database for them again:
//   - a room bound to an incident stays bound to it (rooms are created for their incident by the
//     platform; a binding is never moved or deleted);
//   - someone who takes part in an incident keeps taking part (the reporter is fixed, participant
//     rows are only ever added, and whoever holds an incident role is also a participant).
// So a remembered "yes" is never wrong, on any replica. A "no" can turn into a "yes" on another
// replica: "this room is no incident's room" is kept for NOT_BOUND_TTL_MS at most (and dropped at
// once by a binding on this replica); "does not take part" is never kept. A stale "no" only ever
// shows less (an ordinary room's clearance instead of the incident room's), never more.
import type { PlatformName } from "../chat/invocation.ts";

/** How long "this room is no incident's room" is believed without asking again. */
export const NOT_BOUND_TTL_MS = 5_000;
/** Past this many entries a map starts again empty (memory stays bounded). */
const MAX_ENTRIES = 50_000;

export class LastingFacts {
  readonly #incidentOfRoom = new Map<string, string>();
  readonly #notBoundUntil = new Map<string, number>();
  readonly #takesPart = new Set<string>();

  /** The incident the room is bound to; null when known to be none; undefined when not known. */
  incidentOfRoom(platform: PlatformName | string, roomId: string): string | null | undefined {
    const key = roomKey(platform, roomId);
    const bound = this.#incidentOfRoom.get(key);
    if (bound !== undefined) return bound;
    const until = this.#notBoundUntil.get(key);
    if (until !== undefined && until > performance.now()) return null;
    return undefined;
  }

  roomBound(platform: PlatformName | string, roomId: string, incidentId: string): void {
    const key = roomKey(platform, roomId);
    this.#notBoundUntil.delete(key);
    if (this.#incidentOfRoom.size >= MAX_ENTRIES) this.#incidentOfRoom.clear();
    this.#incidentOfRoom.set(key, incidentId);
  }

  roomNotBound(platform: PlatformName | string, roomId: string): void {
    if (this.#notBoundUntil.size >= MAX_ENTRIES) this.#notBoundUntil.clear();
    this.#notBoundUntil.set(roomKey(platform, roomId), performance.now() + NOT_BOUND_TTL_MS);
  }

  takesPart(incidentId: string, personId: string): boolean {
    return this.#takesPart.has(`${incidentId}\u0000${personId}`);
  }

  tookPart(incidentId: string, personId: string): void {
    if (this.#takesPart.size >= MAX_ENTRIES) this.#takesPart.clear();
    this.#takesPart.add(`${incidentId}\u0000${personId}`);
  }
}

function roomKey(platform: string, roomId: string): string {
  return `${platform}\u0000${roomId}`;
}
