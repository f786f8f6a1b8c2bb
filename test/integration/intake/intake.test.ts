// The intake in front of the router: a bounded queue that answers "busy" at once when full, and a
// claim per inbound event so that of two replicas on one chat account exactly one answers, a
// failed command stays retryable and a dead replica's command is taken over.
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../src/app.ts";
import { ConsolePlatform } from "../../../src/chat/console/console-platform.ts";
import type { Invocation, Reply, ReplyTarget } from "../../../src/chat/invocation.ts";
import { ManualClock } from "../../../src/clock.ts";
import { InboundClaims } from "../../../src/intake/inbound-claims.ts";
import { BUSY_TEXT, Intake } from "../../../src/intake/intake.ts";
import { silentLogger } from "../../../src/logging.ts";
import type { CommandOutcome } from "../../../src/router/router.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import { until } from "../../support/waiting.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

interface Answered {
  key: string;
  text: string;
}

/** A desk whose console answers are recorded, and held at a gate until the test opens it. */
async function desk(options: { concurrency: number; capacity: number; gated?: boolean }) {
  const consolePlatform = new ConsolePlatform({
    input: new PassThrough(),
    output: new PassThrough().resume(),
    interactive: false,
    user: "alice",
  });
  let open: () => void = () => {};
  const gate = options.gated ? new Promise<void>((resolve) => (open = resolve)) : Promise.resolve();
  const answered: Answered[] = [];
  const keyOf = new Map<string, string>();
  consolePlatform.reply = async (target: ReplyTarget, reply: Reply) => {
    const line = JSON.stringify(reply.message.blocks);
    if (!line.includes(BUSY_TEXT)) await gate;
    answered.push({ key: keyOf.get(target.callerId) ?? target.callerId, text: line });
  };
  const app = createApp({
    db: db.prisma,
    clock: new ManualClock("2026-03-10T09:00:00Z"),
    log: silentLogger,
    platforms: [consolePlatform],
    runJobs: false,
    commandLimits: { concurrency: options.concurrency, capacity: options.capacity },
  });
  await app.start();
  return { app, answered, open: () => open(), keyOf };
}

let serial = 0;
function invocation(text: string, key = `intake-test:${++serial}`): Invocation {
  // Each invocation gets its own caller id, so answers can be told apart.
  const caller = `alice-${key}`;
  return {
    platform: "console",
    actor: { externalId: "alice", displayName: "alice" },
    room: { roomId: "#soc", name: "#soc" },
    text,
    dedupeKey: key,
    replyTarget: { platform: "console", roomId: "#soc", callerId: caller },
  };
}

describe("the command queue", () => {
  it("answers busy at once when full, and every queued command still completes", async () => {
    const { app, answered, open } = await desk({ concurrency: 2, capacity: 2, gated: true });
    try {
      const accepted = Array.from({ length: 4 }, () => invocation("/inc list"));
      const done = accepted.map((each) => app.intake.handle(each));
      // Two commands hold the slots (their answers wait at the gate), two wait in line.
      await until(() => app.intake.queue.running === 2 && app.intake.queue.waiting === 2, "a full queue");

      const extra = invocation("/inc list");
      await app.intake.handle(extra);
      // The busy answer came while every accepted command was still held: nothing else answered.
      expect(answered).toHaveLength(1);
      expect(answered[0]?.key).toBe(extra.replyTarget.callerId);
      expect(answered[0]?.text).toContain(BUSY_TEXT);

      open();
      await Promise.all(done);
      const others = answered.slice(1);
      expect(others.map((a) => a.key).sort()).toEqual(accepted.map((a) => a.replyTarget.callerId).sort());
      expect(others.every((a) => !a.text.includes(BUSY_TEXT))).toBe(true);
      expect(app.intake.queue.running).toBe(0);
    } finally {
      open();
      await app.stop();
    }
  });
});

describe("claims: one replica answers", () => {
  it("two replicas handed the same events answer each once, read-only commands included", async () => {
    const a = await desk({ concurrency: 4, capacity: 16 });
    const b = await desk({ concurrency: 4, capacity: 16 });
    try {
      const lines = ["/inc declare Claims sev:3", "/inc list", "/inc help", "/inc note INC-2026-0001 seen"];
      for (const line of lines) {
        const event = invocation(line);
        const outcomes = await Promise.all([a.app.intake.handle(event), b.app.intake.handle({ ...event })]);
        // Each says which it did: the platform's "handled" mark (Matrix's ✅) follows it.
        expect(outcomes.sort()).toEqual(["answered here", "left to another replica"]);
      }
      const all = [...a.answered, ...b.answered];
      expect(all).toHaveLength(lines.length);
      expect(new Set(all.map((answer) => answer.key)).size).toBe(lines.length);
      expect(await db.prisma.incident.count({ where: { title: "Claims" } })).toBe(1);
    } finally {
      await a.app.stop();
      await b.app.stop();
    }
  });

  it("a command that failed before answering is run again on redelivery; an answered one is not", async () => {
    const outcomes: CommandOutcome[] = ["error", "ok"];
    const routed: string[] = [];
    const intake = new Intake({
      route: async (each) => {
        routed.push(each.dedupeKey);
        return outcomes.shift() ?? "ok";
      },
      outbox: undefined as never,
      claims: new InboundClaims(db.prisma, silentLogger, { flushMs: 0 }),
      log: silentLogger,
    });
    const event = invocation("/inc list");
    await intake.handle(event);
    await intake.handle(event);
    await intake.stop();
    // After the stop the answered mark is written: a third delivery is dropped.
    const again = new Intake({
      route: async (each) => {
        routed.push(each.dedupeKey);
        return "ok";
      },
      outbox: undefined as never,
      claims: new InboundClaims(db.prisma, silentLogger),
      log: silentLogger,
    });
    await again.handle(event);
    await again.stop();
    expect(routed).toEqual([event.dedupeKey, event.dedupeKey]);
    const [claim] = await db.prisma.inboundClaim.findMany({ where: { key: event.dedupeKey } });
    expect(claim?.answeredAt).toBeInstanceOf(Date);
  });

  it("a replica that dies mid-command loses the event to one that saw it once the lease ends", async () => {
    const event = invocation("/inc list");
    // Replica A claims and never finishes (as if killed): its route hangs.
    const dying = new Intake({
      route: () => new Promise<CommandOutcome>(() => {}),
      outbox: undefined as never,
      claims: new InboundClaims(db.prisma, silentLogger, { leaseMs: 300, owner: "dying" }),
      log: silentLogger,
    });
    void dying.handle(event);
    await until(
      async () => (await db.prisma.inboundClaim.findFirst({ where: { key: event.dedupeKey } })) ?? undefined,
      "A's claim",
    );
    const routedByB: string[] = [];
    const survivor = new Intake({
      route: async (each) => {
        routedByB.push(each.dedupeKey);
        return "ok";
      },
      outbox: undefined as never,
      claims: new InboundClaims(db.prisma, silentLogger, { leaseMs: 300, owner: "survivor", flushMs: 0 }),
      log: silentLogger,
    });
    // B sees the event while A holds it: B stays silent for now...
    await survivor.handle(event);
    expect(routedByB).toEqual([]);
    // ...and takes it over once A's lease has run out unanswered.
    await until(() => routedByB.length === 1, "the takeover");
    await until(
      async () =>
        (await db.prisma.inboundClaim.findFirst({ where: { key: event.dedupeKey } }))?.answeredAt ??
        undefined,
      "the answered mark",
    );
    const claim = await db.prisma.inboundClaim.findFirst({ where: { key: event.dedupeKey } });
    expect(claim?.owner).toBe("survivor");
    await survivor.stop();
  });
});
