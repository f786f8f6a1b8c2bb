// What the bot knows about a room (members, their servers, names, direct or not), read from the
// SDK's room state when it has the whole of it, else over HTTP with a short cache: after a
// resumed sync the SDK only knows what changed. Used by inbound (who typed where) and outbound
// (is this still a direct chat, is the room shared outside the organisation).
import type { Room } from "matrix-js-sdk";
import { type MatrixCalls, matrixErrcode } from "./matrix-calls.ts";
import type { ClientSlot } from "./matrix-client.ts";
import { type RoomFacts, roomFactsFromState, type StateEventLike, serverOf } from "./room-facts.ts";

/** Room facts read over HTTP (rooms the SDK only knows partly after a resumed sync). */
const ROOM_FACTS_TTL_MS = 5 * 60_000;

export class RoomKnowledge {
  readonly #slot: ClientSlot;
  readonly #calls: MatrixCalls;
  readonly #userId: string;
  readonly #cache = new Map<string, { facts: RoomFacts; expiresAt: number }>();

  constructor(slot: ClientSlot, calls: MatrixCalls, userId: string) {
    this.#slot = slot;
    this.#calls = calls;
    this.#userId = userId;
  }

  /**
   * Facts from the SDK's room state when it has the whole state (the room came in an initial
   * sync or a join), else from GET /state: after a resumed sync the SDK only knows what changed.
   */
  async facts(roomId: string): Promise<RoomFacts> {
    const client = this.#slot.require();
    const room = client.getRoom(roomId);
    if (room?.currentState.getStateEvents("m.room.create", "")) {
      return roomFactsFromState(stateEventsOf(room), this.#userId);
    }
    const cached = this.#cache.get(roomId);
    if (cached && cached.expiresAt > Date.now()) return cached.facts;
    const events = await this.#calls.run("room state", () => client.roomState(roomId), { repeatable: true });
    const facts = roomFactsFromState(events as StateEventLike[], this.#userId);
    this.#cache.set(roomId, { facts, expiresAt: Date.now() + ROOM_FACTS_TTL_MS });
    return facts;
  }

  /** A state event's content read from the homeserver, or undefined when the room has none. */
  async readState(roomId: string, type: string): Promise<Record<string, unknown> | undefined> {
    const client = this.#slot.require();
    try {
      return await this.#calls.run(`read ${type}`, () => client.getStateEvent(roomId, type, ""), {
        repeatable: true,
      });
    } catch (error) {
      if (matrixErrcode(error) === "M_NOT_FOUND") return undefined;
      throw error;
    }
  }

  /** A direct chat with this person: its joined and invited members are exactly the person and the bot. */
  async isDirectWith(roomId: string, externalId: string): Promise<boolean> {
    const members = (await this.facts(roomId)).members;
    return members.size === 2 && members.has(externalId) && members.has(this.#userId);
  }

  /** Members from another homeserver take the room outside the organisation (TLP gate). */
  async isExternal(roomId: string): Promise<boolean> {
    const own = serverOf(this.#userId);
    const facts = await this.facts(roomId);
    return [...facts.memberServers].some((server) => server !== own);
  }
}

function* stateEventsOf(room: Room): Generator<StateEventLike> {
  for (const byKey of room.currentState.events.values()) {
    for (const event of byKey.values()) {
      yield {
        type: event.getType(),
        state_key: event.getStateKey(),
        sender: event.getSender(),
        content: event.getContent(),
      };
    }
  }
}
