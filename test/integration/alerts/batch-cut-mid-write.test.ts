// A batch's write is one statement: a connection cut while it runs leaves all of the batch or
// none of it (never one alert updated and the other not opened), and since its outcome is not
// known, the alerts this process remembered for the batch are forgotten: the next batch reads
// what the database holds instead of trusting versions that may be gone (src/alerts/open-alerts.ts).
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../../support/console-desk.ts";
import { statementsOf } from "../../support/statements.ts";
import { startOncallDesk } from "../oncall/fixture.ts";
import { signal } from "./fixture.ts";

let desk: ConsoleDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

const isWrite = (text: string) => text.replace(/\s+/g, " ").trim().startsWith("with upd as");

describe("a batch whose connection is cut during its write", () => {
  it("leaves all of the batch or none of it, and the next batch folds onto what was stored", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    const prisma = desk.db.prisma;
    await alerts.receive([signal({ dedupKey: "a" })]);

    // The next write's backend is terminated from a connection of the test's own as soon as it is sent.
    const killer = new pg.Client({ connectionString: desk.db.url });
    await killer.connect();
    const query = pg.Client.prototype.query;
    let cut: Promise<unknown> | undefined;
    pg.Client.prototype.query = function cutting(this: pg.Client, ...args: unknown[]) {
      const first = args[0] as string | { text?: string };
      const text = typeof first === "string" ? first : (first?.text ?? "");
      const sent = (query as (...a: unknown[]) => unknown).apply(this, args);
      if (!cut && isWrite(text)) {
        const pid = (this as pg.Client & { processID: number }).processID;
        pg.Client.prototype.query = query;
        cut = killer.query("select pg_terminate_backend($1)", [pid]);
      }
      return sent;
    } as typeof query;
    let outcome: "stored" | "refused";
    try {
      outcome = await alerts
        .receive([signal({ dedupKey: "a", summary: "second" }), signal({ dedupKey: "b" })])
        .then(
          () => "stored" as const,
          () => "refused" as const,
        );
    } finally {
      pg.Client.prototype.query = query;
    }
    await cut;
    await killer.end();

    const a = await prisma.alert.findFirstOrThrow({ where: { dedupKey: "a" } });
    const b = await prisma.alert.count({ where: { dedupKey: "b" } });
    // All or nothing, whichever the cut reached first (a 2xx only ever follows "all").
    expect([a.signalCount, b], `the receive was ${outcome}`).toEqual(a.signalCount === 2 ? [2, 1] : [1, 0]);
    if (outcome === "stored") expect(b).toBe(1);

    // Refused, the writer cannot know what was stored: it reads before its next write. (Stored:
    // the cut came after the answer, and the writer knows what it wrote.)
    const sent = await statementsOf(() =>
      alerts.receive([signal({ dedupKey: "a", summary: "third" }), signal({ dedupKey: "b" })]),
    );
    if (outcome === "refused") expect(isWrite(sent[0] ?? "")).toBe(false);
    expect(await prisma.alert.findFirstOrThrow({ where: { dedupKey: "a" } })).toMatchObject({
      summary: "third",
      signalCount: a.signalCount + 1,
    });
    expect(await prisma.alert.findFirstOrThrow({ where: { dedupKey: "b" } })).toMatchObject({
      signalCount: b + 1,
    });
    expect(await prisma.alert.count()).toBe(2);
  });

  it("reads again after a write that committed but whose answer was lost", async () => {
    desk = await startOncallDesk();
    const alerts = desk.app.services.alerts;
    const prisma = desk.db.prisma;
    await alerts.receive([signal({ dedupKey: "a" })]);
    // The write commits; the connection then fails before its answer reaches the writer.
    const query = pg.Pool.prototype.query;
    pg.Pool.prototype.query = function losing(this: pg.Pool, ...args: unknown[]) {
      const first = args[0] as string | { text?: string };
      const text = typeof first === "string" ? first : (first?.text ?? "");
      const answer = (query as (...a: unknown[]) => unknown).apply(this, args);
      if (!isWrite(text)) return answer;
      pg.Pool.prototype.query = query;
      return (answer as Promise<unknown>).then(() => {
        throw Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" });
      });
    } as typeof query;
    try {
      await expect(alerts.receive([signal({ dedupKey: "a", summary: "second" })])).rejects.toMatchObject({
        code: "database_unavailable",
      });
    } finally {
      pg.Pool.prototype.query = query;
    }
    expect(await prisma.alert.findFirstOrThrow({ where: { dedupKey: "a" } })).toMatchObject({
      signalCount: 2,
    });
    // The sender retries (it got a 503): the writer reads what was stored and folds onto it.
    const sent = await statementsOf(() => alerts.receive([signal({ dedupKey: "a", summary: "second" })]));
    expect(sent.map((text) => (isWrite(text) ? "write" : "read"))).toEqual(["read", "write"]);
    expect(await prisma.alert.findFirstOrThrow({ where: { dedupKey: "a" } })).toMatchObject({
      summary: "second",
      signalCount: 3,
    });
  });
});
