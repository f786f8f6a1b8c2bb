// The hot statements' driver-level path (src/db/sql.ts) reads and writes what Prisma does:
// timestamps as UTC whatever the process's time zone, int8 as bigint, rows checked by their
// schema; prepared statements are reused per text and kept apart between texts. And the hot
// statements that read a growing table find their rows by index.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Sql, sqlOf } from "../../../src/db/sql.ts";
import { sql } from "../../../src/db/statement.ts";
import { markAnsweredStatement } from "../../../src/intake/inbound-claims.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";

let db: TestDatabase;
let driver: Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  driver = sqlOf(db.prisma);
});
afterAll(async () => {
  await db.close();
});

const personRow = z.object({ id: z.string(), displayName: z.string(), createdAt: z.date() });

describe("Sql beside Prisma", () => {
  it("writes and reads timestamps as UTC, as Prisma does, in a process that is not on UTC", async () => {
    const zone = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      const at = new Date("2026-07-01T23:30:00.123Z");
      const id = randomUUID();
      const written = await driver.execute(
        sql`insert into "Person" (id, "displayName", "createdAt") values (${id}, ${"tz"}, ${at})`,
      );
      expect(written).toBe(1);
      const [read] = await driver.rows(
        personRow,
        sql`select id, "displayName", "createdAt" from "Person" where id = ${id}`,
        { prepared: true },
      );
      expect(read?.createdAt.toISOString()).toBe(at.toISOString());
      const viaPrisma = await db.prisma.person.findUniqueOrThrow({ where: { id } });
      expect(viaPrisma.createdAt.toISOString()).toBe(at.toISOString());
      // What Prisma wrote reads back the same through Sql.
      const other = randomUUID();
      await db.prisma.person.create({ data: { id: other, displayName: "p", createdAt: at } });
      const [back] = await driver.rows(
        personRow,
        sql`select id, "displayName", "createdAt" from "Person" where id = ${other}`,
        { prepared: true },
      );
      expect(back?.createdAt.toISOString()).toBe(at.toISOString());
      // A timestamp without a zone (an expression; the columns are timestamptz) is UTC, as in Prisma.
      const [plain] = await driver.rows(
        z.object({ t: z.date() }),
        sql`select "createdAt" at time zone 'UTC' as t from "Person" where id = ${id}`,
      );
      expect(plain?.t.toISOString()).toBe(at.toISOString());
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("reads int8 as bigint and checks every row against its schema", async () => {
    const [count] = await driver.rows(z.object({ n: z.bigint() }), sql`select count(*) as n from "Person"`);
    expect(typeof count?.n).toBe("bigint");
    await expect(driver.rows(z.object({ n: z.string() }), sql`select 1::int as n`)).rejects.toThrow();
  });

  it("reuses a prepared statement per text, and keeps different texts apart", async () => {
    const one = z.object({ v: z.string() });
    for (let i = 0; i < 8; i++) {
      // Each connection the pool lends prepares a text once; a second text never runs the first.
      const [a] = await driver.rows(one, sql`select ${`a${i}`}::text as v`, { prepared: true });
      const [b] = await driver.rows(one, sql`select ${`b${i}`}::text || '' as v`, { prepared: true });
      expect([a?.v, b?.v]).toEqual([`a${i}`, `b${i}`]);
    }
  });
});

describe("marking claims answered", () => {
  it("finds the claims by their key, not by reading every claim", async () => {
    // About what the bench's desk held when the pair-only statement was seen scanning them all.
    await driver.execute(sql`
      insert into "InboundClaim" (platform, key, owner, "leaseUntil")
      select 'slack', 'command:' || n, 'replica-a', now() + interval '1 minute' from generate_series(1, 1000) n`);
    await driver.execute(sql`analyze "InboundClaim"`);
    const batch = [
      { platform: "slack" as const, dedupeKey: "command:17" },
      { platform: "slack" as const, dedupeKey: "command:900" },
    ];
    const statement = markAnsweredStatement("replica-a", batch, []);
    const plan = await driver.rows(z.object({ "QUERY PLAN": z.string() }), sql`explain ${statement}`);
    const text = plan.map((row) => row["QUERY PLAN"]).join("\n");
    if (process.env.SHOW_PLAN) console.log(text);
    expect(text).toContain("InboundClaim_pkey");
    expect(text).not.toMatch(/Seq Scan on "InboundClaim"/);
    expect(await driver.execute(statement)).toBe(2);
    const [marked] = await driver.rows(
      z.object({ n: z.number() }),
      sql`select count(*)::int as n from "InboundClaim" where "answeredAt" is not null`,
    );
    expect(marked?.n).toBe(2);
  });
});

describe("a prepared `select *` after the table gained a column", () => {
  it("still answers (a newer replica's migration must not break an older one's statements)", async () => {
    // ATTACK (availability): in a rolling upgrade the new version migrates the shared database
    // while the old replicas run. Their named statements selecting `*` (incidents, rooms) then
    // fail with "cached plan must not change result type" on every connection that prepared
    // them, so every command failed until the old replicas were restarted. Under Prisma's
    // unnamed statements the extra column was only a key the row schema dropped.
    await driver.execute(sql`create table "ScratchRows" (id text primary key, name text not null)`);
    await driver.execute(sql`insert into "ScratchRows" values ('a', 'first')`);
    const row = z.object({ id: z.string(), name: z.string() });
    const read = () =>
      driver.rows(row, sql`select * from "ScratchRows" where id = ${"a"}`, { prepared: true });
    // Prepared on the pool's connections (each query takes the most recently released one).
    for (let i = 0; i < 3; i++) expect(await read()).toEqual([{ id: "a", name: "first" }]);
    await driver.execute(sql`alter table "ScratchRows" add column added text`);
    for (let i = 0; i < 3; i++) expect(await read()).toEqual([{ id: "a", name: "first" }]);
  });
});
