// The real MatrixPlatform (real matrix-js-sdk) against the homeserver double, wired into the real
// app (router, domain) on a test database. Tests type as people through the double and read
// what the bot did there; `say` waits for the ✅ the bot puts on a command once it is handled.
import type { AccessConfig } from "../../../src/access/access-config.ts";
import { accessPolicy } from "../../../src/access/policy.ts";
import { type App, createApp } from "../../../src/app.ts";
import type { BulletinSettings } from "../../../src/bulletins/settings.ts";
import type { MatrixRetryPolicy } from "../../../src/chat/matrix/matrix-calls.ts";
import { MatrixPlatform, type MatrixPlatformOptions } from "../../../src/chat/matrix/matrix-platform.ts";
import { ManualClock } from "../../../src/clock.ts";
import { PrismaPlatformState } from "../../../src/db/platform-state.ts";
import type { TlpLabel } from "../../../src/incidents/tlp.ts";
import type { OncallSettings } from "../../../src/oncall/oncall-services.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import { MatrixHomeserverDouble, type MatrixUser, type RoomEvent } from "../../doubles/matrix-homeserver.ts";
import { type CapturedLog, captureLog } from "../../support/waiting.ts";

/** Quick retries; the advised waits themselves are the double's to choose. */
export const FAST_RETRIES: Partial<MatrixRetryPolicy> = { backoffMs: 10, maxBackoffMs: 50 };

export { type CapturedLog, captureLog } from "../../support/waiting.ts";

export interface Said {
  /** The command's event id. */
  eventId: string;
  /** Everything the bot did while handling it, in order (messages, state, reactions). */
  events: RoomEvent[];
  /** The bot's messages as lines `[room] text`, like the console transcript. */
  text: string;
}

export interface MatrixDesk {
  hs: MatrixHomeserverDouble;
  db: TestDatabase;
  clock: ManualClock;
  app: App;
  platform: MatrixPlatform;
  bot: MatrixUser;
  logs: CapturedLog["entries"];
  /** A person (created on first use) as `@name:example.org` with a display name. */
  person(localpart: string, displayName?: string): string;
  /** `user` types `body` in `roomId`; resolves once the bot has handled it. */
  say(
    user: string,
    roomId: string,
    body: string,
    options?: { formattedBody?: string; timeoutMs?: number },
  ): Promise<Said>;
  /** Resolves when the bot has reacted ✅ to `eventId`. */
  handled(eventId: string, timeoutMs?: number): Promise<void>;
  /** Renders bot events the way `say` does. */
  transcript(events: RoomEvent[]): string;
  /** Stops the app and its platform, and starts a new app with a new MatrixPlatform on the same database. */
  restart(options?: Partial<MatrixPlatformOptions>): Promise<void>;
  /** Stops the app only (the database and the double stay). */
  stop(): Promise<void>;
  /** Starts a new app and platform (after stop()). */
  start(options?: Partial<MatrixPlatformOptions>): Promise<void>;
  close(): Promise<void>;
}

export async function startMatrixDesk(
  options: {
    platform?: Partial<MatrixPlatformOptions>;
    /** On-call configuration for paging tests. */
    oncall?: OncallSettings;
    /** Runs before the bot starts for the first time (rooms, old messages, invites). */
    before?: (hs: MatrixHomeserverDouble, bot: MatrixUser) => void | Promise<void>;
    /** The clearance of ordinary rooms (BULLETIN_CONFIG defaultClearance); tocsin's default is GREEN. */
    roomClearance?: TlpLabel;
    /** Bulletin settings, made once `before` has created the rooms they name (overrides roomClearance). */
    bulletins?: () => BulletinSettings;
    /** The access configuration (ACCESS_CONFIG); without it the organisation may do all but admin. */
    access?: AccessConfig;
  } = {},
): Promise<MatrixDesk> {
  const hs = await MatrixHomeserverDouble.start();
  const db = await createTestDatabase();
  const clock = new ManualClock("2026-03-10T09:00:00Z");
  const captured = captureLog();
  const bot = hs.addUser("tocsin", "tocsin");
  await options.before?.(hs, bot);
  const bulletins: BulletinSettings | undefined =
    options.bulletins?.() ??
    (options.roomClearance
      ? { config: { defaultClearance: options.roomClearance, subscriptions: [] } }
      : undefined);

  let app: App | undefined;
  let platform: MatrixPlatform | undefined;
  const start = async (overrides: Partial<MatrixPlatformOptions> = {}) => {
    platform = new MatrixPlatform({
      homeserverUrl: hs.url,
      accessToken: bot.accessToken,
      userId: bot.userId,
      deviceId: bot.deviceId,
      state: new PrismaPlatformState(db.prisma, "matrix"),
      log: captured.log,
      retryPolicy: FAST_RETRIES,
      pollTimeoutMs: 10_000,
      ...options.platform,
      ...overrides,
    });
    app = createApp({
      db: db.prisma,
      clock,
      log: captured.log,
      platforms: [platform],
      runJobs: false,
      oncall: options.oncall,
      bulletins,
      // The bot's homeserver is the organisation's, as main.ts derives it from MATRIX_USER_ID.
      permissions: accessPolicy(db.prisma, { config: options.access, matrixUserId: bot.userId }),
    });
    await app.start();
  };
  const stop = async () => {
    await app?.stop();
    app = undefined;
  };
  await start();

  const handled = async (eventId: string, timeoutMs = 5000) => {
    await hs.waitForEvent(
      (e) =>
        e.type === "m.reaction" &&
        e.sender === bot.userId &&
        (e.content["m.relates_to"] as { event_id?: string } | undefined)?.event_id === eventId,
      timeoutMs,
    );
  };

  const roomLabel = (roomId: string): string => {
    const alias = hs.state(roomId, "m.room.canonical_alias")?.alias;
    if (typeof alias === "string") return alias;
    const name = hs.state(roomId, "m.room.name")?.name;
    if (typeof name === "string") return name;
    const others = hs
      .members(roomId)
      .concat(hs.members(roomId, "invite"))
      .filter((m) => m !== bot.userId);
    return `DM → ${others.join(", ")}`;
  };

  const transcript = (events: RoomEvent[]): string =>
    events
      .flatMap((event) => {
        const room = roomLabel(event.room_id);
        if (event.type === "m.room.message") {
          const relation = event.content["m.relates_to"] as
            | { rel_type?: string; event_id?: string }
            | undefined;
          if (relation?.rel_type === "m.replace") return [`[${room}] (edited ${relation.event_id})`];
          return String(event.content.body)
            .split("\n")
            .map((line) => `[${room}] ${line}`.trimEnd());
        }
        if (event.type === "m.room.pinned_events") return [`[${room}] (pinned)`];
        if (event.type === "m.room.topic") return [`[${room}] (topic: ${String(event.content.topic)})`];
        if (event.type === "m.room.member" && event.content.membership === "invite")
          return [`[${room}] (invited ${event.state_key})`];
        return [];
      })
      .join("\n");

  return {
    hs,
    db,
    clock,
    get app() {
      if (!app) throw new Error("the desk is stopped");
      return app;
    },
    get platform() {
      if (!platform) throw new Error("the desk is stopped");
      return platform;
    },
    bot,
    logs: captured.entries,
    person(localpart, displayName) {
      return hs.addUser(localpart, displayName ?? localpart).userId;
    },
    async say(user, roomId, body, sayOptions = {}) {
      const before = hs.position;
      const eventId = hs.sendMessage(user, roomId, body, { formattedBody: sayOptions.formattedBody });
      await handled(eventId, sayOptions.timeoutMs);
      const events = hs.eventsSince(before, bot.userId);
      return { eventId, events, text: transcript(events) };
    },
    handled,
    transcript,
    async restart(overrides) {
      await stop();
      await start(overrides);
    },
    stop,
    start,
    async close() {
      await stop();
      await hs.close();
      await db.close();
    },
  };
}

/** A room made by `creator` with the bot and `members` joined (a team's usual channel). */
export function teamRoom(
  hs: MatrixHomeserverDouble,
  creator: string,
  members: string[],
  options: { name?: string; botId: string },
): string {
  const roomId = hs.createRoom(creator, { name: options.name ?? "soc", preset: "private_chat" });
  for (const member of [...members, options.botId]) {
    if (member === creator) continue;
    hs.invite(creator, roomId, member);
    hs.join(member, roomId);
  }
  return roomId;
}
