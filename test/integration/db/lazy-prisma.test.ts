// The Prisma client behind connectPrisma is made on first use (src/db/lazy-prisma.ts): the
// driver-level statements work without it, two first callers at once share one client, and
// closing ends the pool once, disconnecting a client only if one was made.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { connectPrisma } from "../../../src/db/database.ts";
import { TransactionElementRefused } from "../../../src/db/lazy-prisma.ts";
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

  it("runs the function form of $transaction in one transaction: a failure rolls everything back", async () => {
    const client = connectPrisma(db.url, 2);
    try {
      const id = randomUUID();
      await expect(
        client.$transaction(async (tx) => {
          await tx.person.create({ data: { id, displayName: "kept?" } });
          await tx.person.create({ data: { id, displayName: "twice" } });
        }),
      ).rejects.toThrow();
      expect(await client.person.findUnique({ where: { id } })).toBeNull();
    } finally {
      await client.$disconnect();
    }
  });

  it("runs the array form of $transaction inside one transaction: answers in order, a failure rolls all back", async () => {
    const client = connectPrisma(db.url, 2);
    try {
      const [first, second] = [randomUUID(), randomUUID()];
      const answers = await client.$transaction([
        client.person.create({ data: { id: first, displayName: "one" } }),
        client.$executeRaw`update "Person" set "displayName" = ${"uno"} where id = ${first}`,
        client.person.findUnique({ where: { id: first } }),
      ]);
      expect(answers[0].id).toBe(first);
      expect(answers[1]).toBe(1);
      expect(answers[2]?.displayName).toBe("uno");

      await expect(
        client.$transaction([
          client.person.create({ data: { id: second, displayName: "kept?" } }),
          client.person.create({ data: { id: second, displayName: "twice" } }),
        ]),
      ).rejects.toThrow();
      expect(await client.person.findUnique({ where: { id: second } })).toBeNull();
    } finally {
      await client.$disconnect();
    }
  });

  it("refuses, at the call and with a code, an array element that ran outside the transaction", async () => {
    const client = connectPrisma(db.url, 2);
    try {
      const id = randomUUID();
      const awaited = client.person.count();
      await awaited;
      const unstarted = client.person.create({ data: { id, displayName: "never" } });
      const refused = (elements: unknown[]) => {
        try {
          client.$transaction(elements as never);
        } catch (error) {
          return error;
        }
        return undefined;
      };
      for (const elements of [
        [unstarted, awaited],
        [unstarted, Promise.resolve(1)],
      ]) {
        const error = refused(elements);
        expect(error).toBeInstanceOf(TransactionElementRefused);
        expect((error as TransactionElementRefused).code).toBe("db.transaction_element");
      }
      // Nothing of a refused transaction ran: its unstarted element is still not written.
      expect(await client.person.findUnique({ where: { id } })).toBeNull();
      // An element given to a transaction is not run again on its own, nor given to another.
      const once = client.person.create({ data: { id, displayName: "once" } });
      await client.$transaction([once]);
      await expect(once).rejects.toThrow(TransactionElementRefused);
      expect(() => client.$transaction([once])).toThrow(TransactionElementRefused);
      expect(await client.person.count({ where: { id } })).toBe(1);
    } finally {
      await client.$disconnect();
    }
  });
});
