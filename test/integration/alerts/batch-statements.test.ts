// The alert intake's write path (issue 15, point 6): a batch costs two statements whatever its
// size (read the open alerts, then one statement that updates, inserts and enqueues), one when
// every alert of it is remembered as this process last wrote it (src/alerts/open-alerts.ts), and
// a concurrent change before the write is never overwritten: the batch is read and folded again.
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { statementsOf as sentDuring } from "../../support/statements.ts";
import { startOncallDesk } from "../oncall/fixture.ts";
import { signal } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

/** Counts the statements tocsin's pg clients send while `work` runs. */
async function statementsOf(work: () => Promise<void>): Promise<number> {
  return (await sentDuring(work)).length;
}

describe("a batch of signals", () => {
  it("is two statements whatever its size for 200 new alerts, then one for 200 updates and resolves of them", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    // Warm-up: the first statements of a process may prepare what later ones reuse.
    await alerts.receive([signal({ dedupKey: "warm-up" })]);
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    const opened = await statementsOf(() => alerts.receive(keys.map((dedupKey) => signal({ dedupKey }))));
    const changed = await statementsOf(() =>
      alerts.receive(
        keys.map((dedupKey, i) =>
          signal({ dedupKey, ...(i % 2 === 0 ? { action: "resolve" as const } : { summary: "again" }) }),
        ),
      ),
    );
    // The 200 were written by this process just before: remembered, so no read.
    expect({ opened, changed }).toEqual({ opened: 2, changed: 1 });
    // What the statements did: 201 alerts, half of the 200 resolved, and their jobs.
    expect(await desk.db.prisma.alert.count()).toBe(201);
    expect(await desk.db.prisma.alert.count({ where: { status: "resolved" } })).toBe(100);
    expect(await desk.db.prisma.alert.count({ where: { summary: "again", signalCount: 2 } })).toBe(100);
    expect(await desk.db.prisma.job.count({ where: { key: { endsWith: ":open" } } })).toBe(201);
    expect(await desk.db.prisma.job.count({ where: { key: { endsWith: ":resolved" } } })).toBe(100);
  });

  it("signals that change nothing (ack of an unknown key) cost the read alone", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    await alerts.receive([signal({ dedupKey: "warm-up" })]);
    const statements = await statementsOf(() =>
      alerts.receive([signal({ dedupKey: "nobody", action: "acknowledge" })]),
    );
    expect(statements).toBe(1);
  });

  it("folds again when another writer changes an alert between the read and the write, keeping both", async () => {
    desk = await startOncallDesk();
    const prisma = desk.db.prisma;
    // Opened by another replica: this process does not remember it, so the batch reads it.
    await openedElsewhere(desk);
    // A person acknowledges the alert just after the batch read it (before its write): the
    // batch's statements go on the pg driver, so the interference sits there.
    const batchStatement = /from "Alert" a\s+join \(select distinct|with upd as/;
    let reads = 0;
    const query = pg.Pool.prototype.query;
    pg.Pool.prototype.query = function interfering(this: pg.Pool, ...args: unknown[]) {
      const first = args[0] as string | { text?: string };
      const text = typeof first === "string" ? first : (first?.text ?? "");
      const answer = (query as (...a: unknown[]) => unknown).apply(this, args);
      if (!batchStatement.test(text)) return answer;
      const call = ++reads;
      if (call !== 1) return answer;
      return (answer as Promise<unknown>).then(async (result) => {
        pg.Pool.prototype.query = query;
        await prisma.alert.update({
          where: { number: 1 },
          data: { status: "acked", ackedAt: new Date(), silencedUntil: new Date("2099-01-01T00:00:00Z") },
        });
        pg.Pool.prototype.query = interfering as typeof query;
        return result;
      });
    } as typeof query;
    try {
      await desk.app.services.alerts.receive([signal({ summary: "after the ack" })]);
    } finally {
      pg.Pool.prototype.query = query;
    }
    // Read, write (refused: the row changed), read again, write.
    expect(reads).toBe(4);
    expect(await prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      status: "acked",
      summary: "after the ack",
      signalCount: 2,
      silencedUntil: new Date("2099-01-01T00:00:00Z"),
    });
    expect(await prisma.alert.count()).toBe(1);
  });

  it("folds again when another writer changed an alert this process remembers, keeping both", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    const prisma = desk.db.prisma;
    await alerts.receive([signal()]);
    // Remembered as written; a person acknowledges it meanwhile (another writer, another version).
    await prisma.alert.update({
      where: { number: 1 },
      data: { status: "acked", ackedAt: new Date(), silencedUntil: new Date("2099-01-01T00:00:00Z") },
    });
    const sent = await sentDuring(() => alerts.receive([signal({ summary: "after the ack" })]));
    // Write (refused: the row changed), read, write.
    expect(sent.map((text) => (text.startsWith("with upd as") ? "write" : "read"))).toEqual([
      "write",
      "read",
      "write",
    ]);
    expect(await prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      status: "acked",
      summary: "after the ack",
      signalCount: 2,
      silencedUntil: new Date("2099-01-01T00:00:00Z"),
    });
    // And the write's own version is remembered again: the next repeat is one statement.
    const next = await sentDuring(() => alerts.receive([signal({ summary: "once more" })]));
    expect(next).toHaveLength(1);
    expect(await prisma.alert.findUniqueOrThrow({ where: { number: 1 } })).toMatchObject({
      status: "acked",
      summary: "once more",
      signalCount: 3,
    });
  });

  it("reads a key again when another writer opened it since this process resolved it", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    const prisma = desk.db.prisma;
    await alerts.receive([signal()]);
    await alerts.receive([signal({ action: "resolve" })]);
    // Another replica opens the key again; this process forgot it when it resolved it.
    await openedElsewhere(desk, "a replica's alert");
    await alerts.receive([signal({ summary: "repeat of the replica's alert" })]);
    expect(await prisma.alert.count()).toBe(2);
    expect(await prisma.alert.findFirstOrThrow({ where: { openKey: "group-1" } })).toMatchObject({
      summary: "repeat of the replica's alert",
      signalCount: 2,
    });
  });
});

/** The alert of signal() as another replica writes it: in the database, unknown to this process. */
async function openedElsewhere(desk: ConsoleDesk, summary = "HighErrorRate on api-gateway"): Promise<void> {
  const { integrationId, dedupKey, severity, tlp, teamId, occurredAt } = signal();
  await desk.db.prisma.alert.create({
    data: {
      id: crypto.randomUUID(),
      integrationId,
      dedupKey,
      openKey: dedupKey,
      status: "firing",
      summary,
      severity,
      tlp,
      teamId: teamId ?? null,
      labels: {},
      links: [],
      details: {},
      members: {},
      signalCount: 1,
      firstSignalAt: occurredAt,
      lastSignalAt: occurredAt,
    },
  });
}
