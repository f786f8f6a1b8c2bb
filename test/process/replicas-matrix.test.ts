// Two tocsin processes on one PostgreSQL and one Matrix bot account: both see every command
// (each syncs the same account), and exactly one answers it: mutations and read-only commands
// alike, and still when one replica is killed. The homeserver is the test double.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import { MatrixHomeserverDouble, type MatrixUser, type RoomEvent } from "../doubles/matrix-homeserver.ts";
import { type SharedDatabase, sharedDatabase } from "../support/shared-database.ts";
import { startTocsin, type TocsinProcess } from "../support/tocsin-process.ts";
import { until } from "../support/waiting.ts";

let shared: SharedDatabase;
let root: string;
let databaseUrl: string;
let hs: MatrixHomeserverDouble;
let bot: MatrixUser;
let alice: MatrixUser;
let roomId: string;

beforeAll(async () => {
  shared = await sharedDatabase("replicas-matrix");
  ({ root, databaseUrl } = shared);
  hs = await MatrixHomeserverDouble.start();
  bot = hs.addUser("tocsin", "tocsin");
  alice = hs.addUser("alice", "Alice");
  roomId = hs.createRoom(alice.userId, { name: "soc", invite: [bot.userId] });
  hs.join(bot.userId, roomId);
});

afterAll(async () => {
  await hs?.close();
  await shared?.close();
});

async function startReplica(name: string): Promise<TocsinProcess> {
  const replica = startTocsin({
    TOCSIN_DATA_DIR: path.join(root, name),
    DATABASE_URL: databaseUrl,
    MATRIX_HOMESERVER_URL: hs.url,
    MATRIX_ACCESS_TOKEN: bot.accessToken,
    MATRIX_USER_ID: bot.userId,
    HTTP_PORT: String(await freeLoopbackPort()),
    LOG_LEVEL: "info",
  });
  await until(() => {
    if (replica.child.exitCode !== null) throw new Error(`replica ${name} exited:\n${replica.stderr()}`);
    return replica.stderr().includes('"Matrix sync ready"');
  }, `replica ${name} syncing`);
  return replica;
}

/** The bot's answers to one command event (replies point at it). */
function answersTo(eventId: string): RoomEvent[] {
  return hs.messages(roomId, bot.userId).filter((event) => {
    const relation = event.content["m.relates_to"] as { "m.in_reply_to"?: { event_id?: string } } | undefined;
    return relation?.["m.in_reply_to"]?.event_id === eventId;
  });
}

/** The ✅ reactions sent for one command event: only the replica that answered puts one on. */
function reactionsSentFor(eventId: string): number {
  return hs.requests.filter((request) => {
    if (request.endpoint !== "send" || !request.path.includes("/m.reaction/")) return false;
    const relation = (request.body as { "m.relates_to"?: { event_id?: string } } | undefined)?.[
      "m.relates_to"
    ];
    return relation?.event_id === eventId;
  }).length;
}

/** Waits until one replica answered the event and the other logged that it left it alone. */
async function answeredByOne(eventId: string, line: string, both: TocsinProcess[]): Promise<void> {
  await until(() => answersTo(eventId).length > 0, `an answer to ${line}`);
  // The replica that did not answer has seen the event too, and left it to the other (or, as
  // before claims, answered it a second time).
  await until(
    () =>
      answersTo(eventId).length > 1 ||
      both.some(
        (replica) =>
          replica.stderr().includes(eventId) && replica.stderr().includes("event claimed by another replica"),
      ),
    `the other replica passing on ${line}`,
  );
}

function say(body: string): string {
  return hs.sendEvent(alice.userId, roomId, "m.room.message", { msgtype: "m.text", body });
}

describe("two replicas on one Matrix account", () => {
  it("answer every command once, also after one of them is killed", { timeout: 120_000 }, async () => {
    const a = await startReplica("a");
    const b = await startReplica("b");
    const both = [a, b];
    try {
      const lines = [
        "!inc declare Replica answers sev:3",
        "!inc list",
        "!inc help",
        "!inc show INC-2026-0001",
      ];
      const events: string[] = [];
      for (const line of lines.map((l) => l.replace("2026", String(new Date().getUTCFullYear())))) {
        const eventId = say(line);
        events.push(eventId);
        await answeredByOne(eventId, line, both);
      }
      // A barrier: each replica handles one room's events in order, reaction included, so once
      // both are done with this one, every reaction to the earlier ones has been sent.
      await answeredByOne(say("!inc help"), "the barrier", both);
      for (const eventId of events) {
        expect(answersTo(eventId)).toHaveLength(1);
        expect(reactionsSentFor(eventId)).toBe(1);
      }

      a.child.kill("SIGKILL");
      await a.exited;
      const afterKill = [
        say("!inc list"),
        say("!inc note INC-2026-0001 after the kill".replace("2026", String(new Date().getUTCFullYear()))),
      ];
      // A barrier: B handles one room's events in order, so once the last is answered the others were.
      const barrier = say("!inc help");
      await until(() => answersTo(barrier).length > 0, "the answer to the barrier");
      for (const eventId of [...afterKill, barrier]) expect(answersTo(eventId)).toHaveLength(1);
      for (const eventId of afterKill) expect(reactionsSentFor(eventId)).toBe(1);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- a:\n${a.stderr()}\n--- b:\n${b.stderr()}`);
    } finally {
      a.child.kill("SIGKILL");
      b.child.kill("SIGTERM");
      await Promise.all([a.exited, b.exited]);
    }
  });
});
