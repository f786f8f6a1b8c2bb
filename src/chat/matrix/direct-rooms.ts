// Direct chats between the bot and a person: one room per person, opened on the first direct
// message (or taken over when the person opens one with the bot), remembered in the platform's state
// (`dm:<user id>`) so a restart does not open another, and listed in the bot's `m.direct` account
// data so clients logged in as the bot show it as a DM.
import { EventType, type MatrixClient, Preset, Visibility } from "matrix-js-sdk";
import type { Logger } from "pino";
import type { PlatformStateStore } from "../platform.ts";
import type { MatrixCalls } from "./matrix-calls.ts";

const KEY_PREFIX = "dm:";

export class DirectRooms {
  readonly #state: PlatformStateStore;
  readonly #calls: MatrixCalls;
  readonly #log: Logger;
  readonly #roomByUser = new Map<string, string>();
  readonly #roomIds = new Set<string>();
  readonly #opening = new Map<string, Promise<string>>();

  constructor(state: PlatformStateStore, calls: MatrixCalls, log: Logger) {
    this.#state = state;
    this.#calls = calls;
    this.#log = log;
  }

  /** Takes the rooms stored by earlier runs. */
  async load(): Promise<void> {
    for (const row of await this.#state.list(KEY_PREFIX)) {
      this.#roomByUser.set(row.key.slice(KEY_PREFIX.length), row.value);
      this.#roomIds.add(row.value);
    }
  }

  isDirect(roomId: string): boolean {
    return this.#roomIds.has(roomId);
  }

  /** The person's direct chat room, opened (once, even when asked twice at a time) if needed. */
  async roomFor(userId: string, client: MatrixClient): Promise<string> {
    const known = this.#roomByUser.get(userId);
    if (known) return known;
    const opening = this.#opening.get(userId);
    if (opening) return opening;
    const open = this.#open(userId, client);
    this.#opening.set(userId, open);
    try {
      return await open;
    } finally {
      this.#opening.delete(userId);
    }
  }

  async remember(userId: string, roomId: string): Promise<void> {
    this.#roomByUser.set(userId, roomId);
    this.#roomIds.add(roomId);
    await this.#state.set(`${KEY_PREFIX}${userId}`, roomId);
  }

  /** Drops a room the bot can no longer post in (it left, or was removed). */
  async forget(userId: string, roomId: string): Promise<void> {
    if (this.#roomByUser.get(userId) === roomId) this.#roomByUser.delete(userId);
    this.#roomIds.delete(roomId);
    await this.#state.delete(`${KEY_PREFIX}${userId}`, roomId);
  }

  async #open(userId: string, client: MatrixClient): Promise<string> {
    const created = await this.#calls.run(
      "create direct room",
      () =>
        client.createRoom({
          preset: Preset.TrustedPrivateChat,
          visibility: Visibility.Private,
          is_direct: true,
          invite: [userId],
        }),
      // The room may exist even when the answer was lost: never open two.
      { repeatable: false },
    );
    await this.remember(userId, created.room_id);
    await this.#listInAccountData(userId, created.room_id, client);
    return created.room_id;
  }

  async #listInAccountData(userId: string, roomId: string, client: MatrixClient): Promise<void> {
    try {
      const current = (client.getAccountData(EventType.Direct)?.getContent() ?? {}) as Record<
        string,
        string[]
      >;
      const rooms = [...new Set([...(current[userId] ?? []), roomId])];
      await this.#calls.run(
        "set m.direct",
        () => client.setAccountData(EventType.Direct, { ...current, [userId]: rooms }),
        { repeatable: true },
      );
    } catch (error) {
      this.#log.warn({ err: error, user: userId, roomId }, "could not list the direct chat in m.direct");
    }
  }
}
