// People.resolve remembers the Person it just wrote for the identity's next command; a directory
// change (People.link, then linked()) that lands while resolve runs must not be overtaken by that
// memory: the email it removed may have granted roles (access configuration: email:...).
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { Db } from "../../../src/db/database.ts";
import { People } from "../../../src/people/people.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  await db.prisma.personIdentity.deleteMany();
  await db.prisma.person.deleteMany();
});

it("does not remember an email-linked Person read before a directory change that ended meanwhile", async () => {
  const alice = await db.prisma.person.create({
    data: { displayName: "Alice", email: "alice@example.org" },
  });
  let people: People | undefined;
  // The directory moves Alice's email while her first Matrix command's transaction runs (it read
  // her Person before), and says so (linked) before that transaction's caller resumes.
  const racing = new Proxy(db.prisma, {
    get(target, property) {
      if (property === "$transaction") {
        return async (work: Parameters<Db["$transaction"]>[0]) => {
          const result = await target.$transaction(work as never);
          await target.person.update({ where: { id: alice.id }, data: { email: "alice@elsewhere.example" } });
          people?.linked();
          return result;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Db;
  people = new People(racing);
  const resolved = await people.resolve("matrix", {
    externalId: "@alice:example.org",
    displayName: "Alice",
    email: "alice@example.org",
  });
  expect(resolved.id).toBe(alice.id);
  const next = await people.findByIdentity("matrix", "@alice:example.org");
  expect(next?.email).toBe("alice@elsewhere.example");
});
