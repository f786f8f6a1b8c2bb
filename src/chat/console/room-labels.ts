// The short labels the console prints before each line: `[INC-2026-0001]` for an incident's
// room (whose name, `#inc-2026-0001-phishing-wave-against-finance`, would take half the line),
// `[#general]` for other rooms. A label is never shared: should two rooms claim the same one,
// the second keeps its full name.

/** The incident id at the start of an incident room's name (`#inc-2026-0001-...`). */
const INCIDENT_ROOM = /^#([a-z][a-z0-9]*-\d{4}-\d{4,6})(?:-[a-z0-9_-]*)?$/;

export class RoomLabels {
  readonly #labelOf = new Map<string, string>();
  readonly #roomOf = new Map<string, string>();

  /** Records the room of an incident created in this session. */
  incidentRoom(roomId: string, publicId: string): void {
    this.#assign(roomId, publicId.toUpperCase());
  }

  /** The label of `roomId`; rooms from before a restart are recognised by their name. */
  labelOf(roomId: string): string {
    const known = this.#labelOf.get(roomId);
    if (known) return known;
    const id = INCIDENT_ROOM.exec(roomId)?.[1];
    return this.#assign(roomId, id ? id.toUpperCase() : roomId);
  }

  /** The room a label (`INC-2026-0001`, any case) stands for, if one was shown. */
  roomOf(label: string): string | undefined {
    return this.#roomOf.get(label.toUpperCase());
  }

  #assign(roomId: string, wanted: string): string {
    const holder = this.#roomOf.get(wanted.toUpperCase());
    const label = holder === undefined || holder === roomId ? wanted : roomId;
    this.#labelOf.set(roomId, label);
    this.#roomOf.set(label.toUpperCase(), roomId);
    return label;
  }
}
