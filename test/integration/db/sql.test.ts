// The hot statements' driver-level path (src/db/sql.ts) reads and writes what Prisma does:
// timestamps as UTC whatever the process's time zone, int8 as bigint, rows checked by their
// schema; prepared statements are reused per text and kept apart between texts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Sql, sqlOf } from "../../../src/db/sql.ts";
import { Prisma } from "../../../src/generated/prisma/client.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";

let db: TestDatabase;
let sql: Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = sqlOf(db.prisma);
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
      const written = await sql.execute(
        Prisma.sql`insert into "Person" (id, "displayName", "createdAt") values (${id}, ${"tz"}, ${at})`,
      );
      expect(written).toBe(1);
      const [read] = await sql.rows(
        personRow,
        Prisma.sql`select id, "displayName", "createdAt" from "Person" where id = ${id}`,
        { prepared: true },
      );
      expect(read?.createdAt.toISOString()).toBe(at.toISOString());
      const viaPrisma = await db.prisma.person.findUniqueOrThrow({ where: { id } });
      expect(viaPrisma.createdAt.toISOString()).toBe(at.toISOString());
      // What Prisma wrote reads back the same through Sql.
      const other = randomUUID();
      await db.prisma.person.create({ data: { id: other, displayName: "p", createdAt: at } });
      const [back] = await sql.rows(
        personRow,
        Prisma.sql`select id, "displayName", "createdAt" from "Person" where id = ${other}`,
        { prepared: true },
      );
      expect(back?.createdAt.toISOString()).toBe(at.toISOString());
      // A timestamp without a zone (an expression; the columns are timestamptz) is UTC, as in Prisma.
      const [plain] = await sql.rows(
        z.object({ t: z.date() }),
        Prisma.sql`select "createdAt" at time zone 'UTC' as t from "Person" where id = ${id}`,
      );
      expect(plain?.t.toISOString()).toBe(at.toISOString());
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("reads int8 as bigint and checks every row against its schema", async () => {
    const [count] = await sql.rows(
      z.object({ n: z.bigint() }),
      Prisma.sql`select count(*) as n from "Person"`,
    );
    expect(typeof count?.n).toBe("bigint");
    await expect(sql.rows(z.object({ n: z.string() }), Prisma.sql`select 1::int as n`)).rejects.toThrow();
  });

  it("reuses a prepared statement per text, and keeps different texts apart", async () => {
    const one = z.object({ v: z.string() });
    for (let i = 0; i < 8; i++) {
      // Each connection the pool lends prepares a text once; a second text never runs the first.
      const [a] = await sql.rows(one, Prisma.sql`select ${`a${i}`}::text as v`, { prepared: true });
      const [b] = await sql.rows(one, Prisma.sql`select ${`b${i}`}::text || '' as v`, { prepared: true });
      expect([a?.v, b?.v]).toEqual([`a${i}`, `b${i}`]);
    }
  });
});
