// Several tocsin replicas on one chat service, in one test process: each replica has its own
// Pigeon platform, and what they set (topics, summary edits) lands in one shared world, the
// rooms as the chat service holds them. Used by the tests of what a room was last shown.
import { accessPolicy } from "../../../src/access/policy.ts";
import { type App, createApp } from "../../../src/app.ts";
import type { Message } from "../../../src/chat/message.ts";
import type { CreatedRoom, IncidentRoomSpec } from "../../../src/chat/platform.ts";
import type { Clock } from "../../../src/clock.ts";
import { silentLogger } from "../../../src/logging.ts";
import type { TestDatabase } from "../../database.ts";
import { PigeonPlatform } from "./index.ts";

/** What every replica's platform did, in one list, and the rooms as the chat service holds them. */
export interface World {
  topics: Array<{ roomId: string; topic: string }>;
  edits: Array<{ roomId: string; text: string }>;
  topicOf: Map<string, string>;
  summaryOf: Map<string, string>;
  /** Rooms shared with another organisation (they get the withheld topic and summary). */
  external: Set<string>;
  /** Archived rooms: their topic and summary can no longer be changed (Slack's is_archived). */
  archived: Set<string>;
}

/** The chat service's 429 (its lanes gave up waiting): how long it asks to wait. */
export class RateLimited extends Error {
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super("ratelimited");
    this.retryAfterMs = retryAfterMs;
  }
}

export function emptyWorld(): World {
  return {
    topics: [],
    edits: [],
    topicOf: new Map(),
    summaryOf: new Map(),
    external: new Set(),
    archived: new Set(),
  };
}

/** A refresh held inside its topic call until the test lets it go on. */
export interface Held {
  reached: Promise<void>;
  release: () => void;
}

/** One replica's Pigeon: the rooms and what was set in them live in the shared world. */
export class ReplicaPigeon extends PigeonPlatform {
  readonly world: World;
  /** The next topic call waits here (once). */
  #hold?: { reached: () => void; released: Promise<void> };
  /** The next summary edit fails (the chat service answered with an error). */
  failNextUpdate = false;
  /** The next topic calls, this many, fail with a 429 asking to wait `retryAfterMs`. */
  rateLimitTopics = { calls: 0, retryAfterMs: 0 };
  /** Topic calls made, including the failed ones. */
  topicCalls = 0;

  constructor(world: World) {
    super();
    this.world = world;
  }

  override async createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    this.world.topicOf.set(`&${spec.publicId.toLowerCase()}`, spec.topic);
    return super.createIncidentRoom(spec);
  }

  override async setTopic(roomId: string, topic: string): Promise<void> {
    const hold = this.#hold;
    this.#hold = undefined;
    if (hold) {
      hold.reached();
      await hold.released;
    }
    this.topicCalls++;
    if (this.world.archived.has(roomId)) throw new Error("is_archived");
    if (this.rateLimitTopics.calls > 0) {
      this.rateLimitTopics.calls--;
      throw new RateLimited(this.rateLimitTopics.retryAfterMs);
    }
    this.world.topics.push({ roomId, topic });
    this.world.topicOf.set(roomId, topic);
  }

  override async update(roomId: string, messageId: string, message: Message): Promise<void> {
    if (this.world.archived.has(roomId)) throw new Error("is_archived");
    if (this.failNextUpdate) {
      this.failNextUpdate = false;
      throw new Error("the chat service failed the edit");
    }
    const text = JSON.stringify(message.blocks);
    this.world.edits.push({ roomId, text });
    this.world.summaryOf.set(roomId, text);
    await super.update(roomId, messageId, message);
  }

  retryAfterMs(error: unknown): number | undefined {
    return error instanceof RateLimited ? error.retryAfterMs : undefined;
  }

  async archiveRoom(roomId: string): Promise<void> {
    this.world.archived.add(roomId);
  }

  async isExternal(roomId: string): Promise<boolean> {
    return this.world.external.has(roomId);
  }

  /** Holds the next topic call: `reached` once it is made, and it goes on after `release()`. */
  holdNextTopic(): Held {
    let reached = () => {};
    let release = () => {};
    const reachedPromise = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#hold = { reached, released };
    return { reached: reachedPromise, release };
  }
}

/** A replica of tocsin (no job runner) on `db`, its platform in `world`; added to `started` to stop. */
export async function startReplica(
  db: TestDatabase,
  world: World,
  clock: Clock,
  started: App[],
  options: { archiveRoomsAfterMs?: number } = {},
): Promise<{ app: App; pigeon: ReplicaPigeon }> {
  const pigeon = new ReplicaPigeon(world);
  const app = createApp({
    db: db.prisma,
    clock,
    log: silentLogger,
    platforms: [pigeon],
    runJobs: false,
    ...options,
    permissions: accessPolicy(db.prisma, {}),
  });
  await app.start();
  started.push(app);
  return { app, pigeon };
}
