// Rate limits, lost answers and lost connections between the bot and its homeserver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { message, text } from "../../../src/chat/message.ts";
import { scaledDeadline, until } from "../../support/waiting.ts";
import { type MatrixDesk, startMatrixDesk, teamRoom } from "./harness.ts";

let desk: MatrixDesk;
let soc = "";
let alice = "";

beforeAll(async () => {
  desk = await startMatrixDesk({
    platform: { retryPolicy: { backoffMs: 10, maxBackoffMs: 50, rateLimitWaits: 3 } },
    before(hs, bot) {
      alice = hs.addUser("alice", "Alice").userId;
      soc = teamRoom(hs, alice, [], { name: "soc", botId: bot.userId });
    },
  });
});
afterAll(async () => {
  await desk?.close();
});

const rateLimitLogs = (call: string) =>
  desk.logs.filter((l) => l.msg === "Matrix rate limit: waiting before retrying" && l.call === call);

describe("M_LIMIT_EXCEEDED (429) is waited out for every call", () => {
  it("createRoom, invite, state, sends and profile lookups are retried after retry_after_ms", async () => {
    const { hs } = desk;
    // Counted from here: the other tests on this desk make calls of their own.
    const counted = { requests: hs.requests.length, logs: desk.logs.length };
    const since = (endpoint: string, status: number) =>
      hs.requests.slice(counted.requests).filter((r) => r.endpoint === endpoint && r.status === status)
        .length;
    const limitedLogs = (call: string) =>
      desk.logs
        .slice(counted.logs)
        .filter((l) => l.msg === "Matrix rate limit: waiting before retrying" && l.call === call);
    const limited = { kind: "rate-limit", retryAfterMs: 30 } as const;
    hs.failNext("createRoom", 2, limited);
    hs.failNext("invite", 1, limited);
    hs.failNext("state", 1, limited, (r) => r.method === "PUT");
    hs.failNext("send", 2, limited);
    const started = performance.now();
    const said = await desk.say(alice, soc, "!inc declare Rate limited sev:3");
    expect(performance.now() - started).toBeGreaterThanOrEqual(60);
    const id = /INC-2026-(\d{4}) declared: Rate limited/.exec(said.text)?.[1];
    expect(id, said.text).toBeDefined();
    const room = hs.roomIdForAlias(`#inc-2026-${id}:example.org`)!;
    expect(hs.membership(room, alice)).toBe("invite");
    expect(hs.state(room, "m.room.pinned_events")?.pinned).toHaveLength(1);
    expect(since("createRoom", 429)).toBe(2);
    expect(since("createRoom", 200)).toBe(1);
    expect(since("send", 429)).toBe(2);
    expect(limitedLogs("createRoom")).toHaveLength(2);
    expect(limitedLogs("createRoom")[0]).toMatchObject({ waitMs: 30, attempt: 1 });
    expect(limitedLogs("invite")).toHaveLength(1);

    hs.join(alice, room);
    hs.failNext("profile", 1, limited);
    desk.person("bob", "Bob");
    const lead = await desk.say(alice, room, "!inc lead @bob:example.org");
    expect(lead.text).toContain("Bob is now commander");
    expect(limitedLogs("profile")).toHaveLength(1);
  });

  it("a send rate-limited beyond the allowed waits is logged with its room and first line, and fails", async () => {
    // One attempt and three waits (rateLimitWaits: 3), all answered 429.
    const waitsBefore = rateLimitLogs("post").length;
    desk.hs.failNext("send", 4, { kind: "rate-limit", retryAfterMs: 5 });
    await expect(
      desk.platform.post(soc, message(text("Bulletin 7 of the week\nsecond line"))),
    ).rejects.toThrow(/Too Many Requests/);
    const lost = desk.logs.find(
      (l) => l.msg === "Matrix message not delivered" && l.firstLine === "Bulletin 7 of the week",
    );
    expect(lost).toMatchObject({ roomId: soc, what: "post", firstLine: "Bulletin 7 of the week", level: 50 });
    expect(rateLimitLogs("post").length - waitsBefore).toBe(3);
  });
});

describe("lost answers and lost connections", () => {
  it("a send whose answer is lost is retried with the same transaction id and posted once", async () => {
    const before = desk.hs.position;
    desk.hs.failNext("send", 1, { kind: "drop-answer" });
    const eventId = await desk.platform.post(soc, message(text("Posted exactly once")));
    const posted = desk.hs
      .eventsSince(before, desk.bot.userId)
      .filter((e) => e.content.body === "Posted exactly once");
    expect(posted.map((e) => e.event_id)).toEqual([eventId]);
    const sends = desk.hs.requests.filter((r) => r.endpoint === "send").slice(-2);
    expect(sends[0]?.path).toBe(sends[1]?.path);
  });

  it("a createRoom whose answer is lost is not repeated (it may exist): the declare says so", async () => {
    const dropped = desk.hs.callCount("createRoom", -1);
    desk.hs.failNext("createRoom", 1, { kind: "drop-answer" });
    const said = await desk.say(alice, soc, "!inc declare Lost answer");
    expect(said.text).toContain("The room could not be opened");
    expect(said.text).toContain("the incident is recorded");
    expect(desk.hs.callCount("createRoom", -1) - dropped).toBe(1);
  });

  it(
    "the sync reconnects after the homeserver was unreachable, logs it, and handles what was typed meanwhile",
    async () => {
      const { hs } = desk;
      hs.setOffline(true);
      await until(
        () => desk.logs.some((l) => l.msg === "Matrix sync interrupted; reconnecting"),
        "the sync cut off",
      );
      const whileDown = hs.sendMessage(alice, soc, "!inc declare Typed while the bot was cut off");
      // The bot tries again (and is refused) after the message was typed: it really was cut off.
      const requestsSoFar = hs.requests.length;
      await until(() => hs.requests.length > requestsSoFar, "a refused attempt to reach the homeserver");
      hs.setOffline(false);
      // matrix-js-sdk probes /versions 2-7 s after a failed /sync, then syncs again.
      await desk.handled(whileDown, 15_000);
      expect(
        await desk.db.prisma.incident.count({ where: { title: "Typed while the bot was cut off" } }),
      ).toBe(1);
      const messages = desk.logs.map((l) => l.msg);
      expect(messages).toContain("Matrix sync interrupted; reconnecting");
      expect(messages).toContain("Matrix sync running again");
    },
    scaledDeadline(30_000),
  );
});
