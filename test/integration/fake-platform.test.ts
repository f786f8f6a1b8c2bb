// A platform is one folder with one descriptor: Pigeon (test/support/fake-platform/) is defined
// there alone and registered, and the console scenario (declare, status, note, list, close)
// runs through it: no other file of tocsin names it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessPolicy } from "../../src/access/policy.ts";
import { type App, createApp } from "../../src/app.ts";
import { ManualClock } from "../../src/clock.ts";
import { silentLogger } from "../../src/logging.ts";
import { parseOncallConfig } from "../../src/oncall/config.ts";
import { createTestDatabase, type TestDatabase } from "../database.ts";
import { PigeonPlatform } from "../support/fake-platform/index.ts";

let db: TestDatabase;
let app: App;
const pigeon = new PigeonPlatform();

beforeAll(async () => {
  db = await createTestDatabase();
  app = createApp({
    db: db.prisma,
    clock: new ManualClock("2026-03-10T09:00:00Z"),
    log: silentLogger,
    platforms: [pigeon],
    runJobs: false,
    permissions: accessPolicy(db.prisma, {}),
  });
  await app.start();
});

afterAll(async () => {
  await app?.stop();
  await db?.close();
});

/** What tocsin said in answer to one line, rendered as text. */
async function say(text: string, room = "&general", user = "alice"): Promise<string> {
  const before = pigeon.lines.length;
  await pigeon.send(user, room, text);
  return pigeon.lines
    .slice(before)
    .map((line) => `[${line.roomId}] ${line.text}`)
    .join("\n");
}

describe("a platform registered from its own folder", () => {
  it("declares, moves, notes, lists and closes an incident", async () => {
    const declared = await say('/inc declare "Phishing wave" sev:2');
    expect(declared).toContain("INC-2026-0001 declared: Phishing wave");
    expect(declared).toContain("Room: &inc-2026-0001");
    expect(pigeon.rooms.get("&inc-2026-0001")?.members.has("alice")).toBe(true);

    const room = "&inc-2026-0001";
    expect(await say("/inc status investigating", room)).toContain("investigating");
    expect(await say("/inc note Mail gateway logs show 40 recipients", room)).toContain(
      "Mail gateway logs show 40 recipients",
    );
    const list = await say("/inc list");
    expect(list).toContain("INC-2026-0001");
    expect(list).toContain("Phishing wave");
    const closed = await say("/inc close Blocked the sender and purged the mails", room);
    expect(closed).toContain("closed");
    expect(await say("/inc list")).not.toContain("Phishing wave");
  });

  it("resolves its own mention syntax and refuses bad input with a sentence", async () => {
    await say('/inc declare "Port scan"');
    const role = await say("/inc role scribe ~bob", "&inc-2026-0002");
    expect(role).toContain("bob");
    const refused = await say("/inc sev 9", "&inc-2026-0002");
    expect(refused).toContain("⚠️");
    expect(refused).toContain("Usage: /inc sev [<id>] <1-4>");
  });

  it("takes its people in the on-call configuration, checked by its own descriptor", () => {
    const config = (identity: string) => `
people:
  - id: alice
    name: Alice
    timeZone: UTC
    identities: { pigeon: "${identity}" }
teams:
  - id: csirt
    name: CSIRT
    members: [alice]
    escalationPolicy: default
    channels: { pigeon: "&csirt" }
    rotations:
      - { id: primary, type: weekly, participants: [alice], start: "2026-01-05", handoff: "09:00", timeZone: UTC }
escalationPolicies:
  - id: default
    levels:
      - target: { oncall: csirt }
        after: 5m
`;
    expect(parseOncallConfig(config("~alice"), "oncall.yaml").people[0]?.identities.pigeon).toBe("~alice");
    expect(() => parseOncallConfig(config("Alice Smith"), "oncall.yaml")).toThrow(
      'a Pigeon user looks like "~alice"',
    );
  });
});
