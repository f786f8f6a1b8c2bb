// The PlatformStateStore port over PlatformState rows (src/db/platform-state.ts): what the Matrix
// platform keeps across restarts (sync token, direct chat rooms) without importing the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlatformStateStore } from "../../src/chat/platform.ts";
import { PrismaPlatformState } from "../../src/db/platform-state.ts";
import { createTestDatabase, type TestDatabase } from "../database.ts";

let db: TestDatabase;
let matrix: PlatformStateStore;
let other: PlatformStateStore;

beforeAll(async () => {
  db = await createTestDatabase();
  matrix = new PrismaPlatformState(db.prisma, "matrix");
  other = new PrismaPlatformState(db.prisma, "other");
});

afterAll(async () => {
  await db?.close();
});

describe("platform state", () => {
  it("sets, replaces, reads and deletes a key", async () => {
    expect(await matrix.get("sync_token")).toBeUndefined();
    await matrix.set("sync_token", "s1");
    await matrix.set("sync_token", "s2");
    expect(await matrix.get("sync_token")).toBe("s2");
    await matrix.delete("sync_token");
    expect(await matrix.get("sync_token")).toBeUndefined();
  });

  it("deletes with a value only while the key still holds it", async () => {
    await matrix.set("dm:@alice:example.org", "!new:example.org");
    await matrix.delete("dm:@alice:example.org", "!old:example.org");
    expect(await matrix.get("dm:@alice:example.org")).toBe("!new:example.org");
    await matrix.delete("dm:@alice:example.org", "!new:example.org");
    expect(await matrix.get("dm:@alice:example.org")).toBeUndefined();
  });

  it("lists by exact prefix, one platform's keys only", async () => {
    await matrix.set("dm:@bob:example.org", "!b:example.org");
    await matrix.set("dm:@carol:example.org", "!c:example.org");
    await matrix.set("dmx", "not a direct room");
    await matrix.set("d_:like wildcard", "not a direct room either");
    await other.set("dm:@bob:example.org", "!other:example.org");
    expect(await matrix.list("dm:")).toEqual([
      { key: "dm:@bob:example.org", value: "!b:example.org" },
      { key: "dm:@carol:example.org", value: "!c:example.org" },
    ]);
    expect(await matrix.list("d_:")).toEqual([
      { key: "d_:like wildcard", value: "not a direct room either" },
    ]);
    expect(await other.list("")).toEqual([{ key: "dm:@bob:example.org", value: "!other:example.org" }]);
  });
});
