// The Prisma client behind connectPrisma is made on first use (src/db/lazy-prisma.ts): the
// driver-level statements work without it, two first callers at once share one client, and
// closing ends the pool once, disconnecting a client only if one was made.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { connectPrisma } from "../../../src/db/database.ts";
import { sqlOf } from "../../../src/db/sql.ts";
import { sql } from "../../../src/db/statement.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";

const made = vi.hoisted(() => ({ clients: 0, failNext: false }));
vi.mock("../../../src/db/prisma-client.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../../src/db/prisma-client.ts")>();
  return {
    ...original,
    createPrismaClient: (...args: Parameters<typeof original.createPrismaClient>) => {
      if (made.failNext) {
        made.failNext = false;
        throw new Error("could not load Prisma's client (EMFILE)");
      }
      made.clients++;
      return original.createPrismaClient(...args);
    },
  };
});

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});
beforeEach(() => {
  made.clients = 0;
  made.failNext = false;
});

const one = z.object({ one: z.number() });

describe("a Prisma client made on first use", () => {
  it("runs driver-level statements without making a client, and closes without making one", async () => {
    const client = connectPrisma(db.url, 2);
    expect(await sqlOf(client).rows(one, sql`select ${1}::int as one`)).toEqual([{ one: 1 }]);
    await client.$disconnect();
    expect(made.clients).toBe(0);
    // The pool is ended, once: a second close is harmless, a statement after it fails.
    await client.$disconnect();
    await expect(sqlOf(client).rows(one, sql`select 1 as one`)).rejects.toThrow();
  });

  it("gives two first callers at once one client, on the same pool as the driver", async () => {
    const client = connectPrisma(db.url, 2);
    try {
      const id = randomUUID();
      const [created, counted] = await Promise.all([
        client.person.create({ data: { id, displayName: "lazy" } }),
        client.$transaction(async (tx) => tx.person.count()),
      ]);
      expect(created.id).toBe(id);
      expect(counted).toBeGreaterThanOrEqual(0);
      const [read] = await client.$queryRaw<Array<{ displayName: string }>>(
        sql`select "displayName" from "Person" where id = ${id}`,
      );
      expect(read?.displayName).toBe("lazy");
      expect(await client.$executeRaw`update "Person" set "displayName" = ${"lazier"} where id = ${id}`).toBe(
        1,
      );
      expect(made.clients).toBe(1);
    } finally {
      await client.$disconnect();
    }
    expect(made.clients).toBe(1);
  });

  it("refuses calls after it was closed, in a sentence", async () => {
    const client = connectPrisma(db.url, 1);
    await client.$disconnect();
    await expect(client.person.count()).rejects.toThrow("the database is closed");
    expect(made.clients).toBe(0);
  });

  it("loads again on the next call after a failed load, instead of failing forever", async () => {
    const client = connectPrisma(db.url, 1);
    try {
      made.failNext = true;
      await expect(client.person.count()).rejects.toThrow("could not load Prisma's client");
      expect(await client.person.count()).toBeGreaterThanOrEqual(0);
      expect(made.clients).toBe(1);
    } finally {
      await client.$disconnect();
    }
  });
});
