// Scheduled advisory digests end to end: the real sample documents, a real database, the console
// platform, signatures checked by openpgp and by the system's gpg. Time only moves when a test
// moves the ManualClock; cron fires are simulated with the same wake-up node-cron calls.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fireKey } from "../../../src/bulletins/service.ts";
import {
  type GeneratedKeyPair,
  generateSigningKey,
  loadSigningKey,
  type SigningKey,
  verifyClearSigned,
} from "../../../src/bulletins/signing.ts";
import { type BulletinConfig, parseBulletinConfig } from "../../../src/bulletins/subscriptions.ts";
import { ManualClock } from "../../../src/clock.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import { type ConsoleDesk, startConsoleDesk } from "../../support/console-desk.ts";
import { postedFile, postedFileNames, roomLines } from "../../support/console-output.ts";
import { verifyWithGpg, verifyWithGpgv } from "../../unit/bulletins/gpg.ts";
import { SAMPLE_DATA } from "../../unit/bulletins/samples.ts";

const PASSPHRASE = "bulletin test passphrase";
// 08:00 in Berlin (CEST) is 06:00 UTC; the KEV sample was released on 2025-08-25.
const FIRST_FIRE = "2025-08-26T06:00:00.000Z";

const CONFIG = `
version: 1
subscriptions:
  - id: soc
    kind: digest
    destination: { console: "#soc" }
    clearance: amber
    schedule: "0 8 * * *"
    timeZone: Europe/Berlin
    sources: [csaf, kev/known_exploited_vulnerabilities-first30.json]
    lookback: 3000d
    announceEmpty: true
  - id: partners
    kind: digest
    destination: { console: "#partners" }
    clearance: green
    external: true
    schedule: "0 8 * * *"
    timeZone: Europe/Berlin
    sources: [csaf/cisco-sa-20180328-smi2.json, csaf/bsi-2022-0001.json]
    lookback: 3000d
  - id: weekly-stats
    kind: stats
    destination: { console: "#management" }
    clearance: amber
    schedule: "0 8 * * *"
    timeZone: Europe/Berlin
    period: 7d
`;

let pair: GeneratedKeyPair;
let key: SigningKey;
let config: BulletinConfig;
let db: TestDatabase;
const desks: ConsoleDesk[] = [];

beforeAll(async () => {
  pair = await generateSigningKey({
    name: "CERT-Test bulletins",
    email: "cert@example.org",
    passphrase: PASSPHRASE,
    date: new Date("2025-01-01T00:00:00Z"),
  });
  key = await loadSigningKey(pair.privateKeyArmored, PASSPHRASE);
  config = parseBulletinConfig(CONFIG, "bulletins.yaml", SAMPLE_DATA);
  db = await createTestDatabase();
});

afterAll(async () => {
  for (const desk of desks) await desk.close();
  await db?.close();
});

async function startDesk(
  clock: ManualClock,
  settings: { signed?: boolean; db?: TestDatabase } = {},
): Promise<ConsoleDesk> {
  const desk = await startConsoleDesk({
    db: settings.db ?? db,
    clock,
    bulletins: { config, signingKey: settings.signed === false ? undefined : key },
  });
  desks.push(desk);
  return desk;
}

async function stopDesk(desk: ConsoleDesk): Promise<void> {
  desks.splice(desks.indexOf(desk), 1);
  await desk.close();
}

async function jobKeys(database = db): Promise<string[]> {
  const jobs = await database.prisma.job.findMany({
    where: { kind: "bulletin.publish" },
    orderBy: { key: "asc" },
  });
  return jobs.map((job) => job.key ?? "");
}

const ownDatabases: TestDatabase[] = [];
afterAll(async () => {
  for (const database of ownDatabases) await database.close();
});

/**
 * A desk on a database of its own where the first fire (2025-08-26) has run: for tests that go
 * on from there (later runs, restarts, replicas), so that each can run alone.
 */
async function deskAfterFirstRun(): Promise<{ desk: ConsoleDesk; database: TestDatabase }> {
  const database = await createTestDatabase();
  ownDatabases.push(database);
  const desk = await startDesk(new ManualClock("2025-08-26T06:30:00Z"), { db: database });
  expect(await desk.app.services.jobs.runDue()).toBe(3);
  await desk.printed();
  return { desk, database };
}

const soc = () => config.subscriptions.find((s) => s.id === "soc")!;

describe("scheduled advisory digests", () => {
  // The first fire's run, read by the first tests; the later ones go on from it on their own
  // database (deskAfterFirstRun), so each test runs alone.
  let desk: ConsoleDesk;
  let firstKeys: string[];
  let firstRuns: number;
  let firstOutput: string;

  beforeAll(async () => {
    desk = await startDesk(new ManualClock("2025-08-26T06:30:00Z"));
    firstKeys = await jobKeys();
    firstRuns = await desk.app.services.jobs.runDue();
    firstOutput = await desk.printed();
  });

  it("catches up the last fire time at start and posts the digest of the real samples, signed", async () => {
    expect(firstKeys).toEqual([
      `bulletin:partners:${FIRST_FIRE}`,
      `bulletin:soc:${FIRST_FIRE}`,
      `bulletin:weekly-stats:${FIRST_FIRE}`,
    ]);
    expect(firstRuns).toBe(3);
    const posted = roomLines(firstOutput, "#soc");

    // The readable digest: TLP marking first, header, groups by severity, entries with fields.
    expect(posted[0]).toBe("TLP:AMBER");
    expect(posted[1]).toBe("== Security advisories digest ==");
    expect(posted).toContain("Sources:    2");
    expect(posted).toContain("Advisories: 34");
    const groups = posted.filter((line) =>
      /^== (Critical|High|Medium|Low|Severity unknown) \(\d+\) ==$/.test(line),
    );
    expect(groups[0]).toMatch(/^== Critical \(\d+\) ==$/);
    for (const id of [
      "BSI-2022-0001",
      "cisco-sa-20180328-smi2",
      "RHSA-2021:5186",
      "RHSA-2022:0011",
      "CVE-2025-48384",
    ]) {
      expect(posted.some((line) => line.startsWith(`${id}: `))).toBe(true);
    }
    expect(firstOutput).toContain("Exploited:");
    expect(posted.join("\n")).toContain(`Clear-signed with OpenPGP key ${pair.fingerprint}.`);

    // The signed text, posted as a file: verifies with openpgp and with gpg, which read it back.
    expect(postedFileNames(firstOutput, "#soc")).toEqual(["soc-2025-08-26.txt.asc"]);
    const signed = postedFile(firstOutput, "#soc", "soc-2025-08-26.txt.asc");
    const verified = await verifyClearSigned(signed, pair.publicKeyArmored, { date: desk.clock.now() });
    expect(verified).toMatchObject({ valid: true, fingerprint: pair.fingerprint });
    if (!verified.valid) return;
    expect(verified.signedText.split("\n").slice(0, 5)).toEqual([
      "TLP:AMBER",
      "Security advisories digest",
      "Period: 2017-06-09 to 2025-08-26 (Europe/Berlin)",
      "Sources: 2",
      "Advisories: 34",
    ]);
    const gpgv = verifyWithGpgv(signed, pair.publicKeyArmored);
    expect(gpgv.stderr).toContain('Good signature from "CERT-Test bulletins <cert@example.org>"');
    const gpg = verifyWithGpg(signed, pair.publicKeyArmored);
    expect(gpg.ok).toBe(true);
    expect(gpg.stdout.replace(/\n$/, "")).toBe(verified.signedText);

    // Each advisory is remembered for the room, in the job's own transaction.
    expect(
      await db.prisma.postedAdvisory.count({ where: { destination: "console:#soc", withheld: false } }),
    ).toBe(34);
    expect(
      await db.prisma.job.findFirstOrThrow({ where: { key: fireKey(soc(), new Date(FIRST_FIRE)) } }),
    ).toMatchObject({
      outcome: "done",
    });
  });

  it("withholds what a room may not receive and says so without showing it", async () => {
    const partners = roomLines(firstOutput, "#partners");
    // BSI's advisory is TLP:WHITE (CLEAR) and goes out; Cisco's is unlabelled, so AMBER, and stays.
    expect(partners[0]).toBe("TLP:CLEAR");
    expect(partners.some((line) => line.startsWith("BSI-2022-0001: "))).toBe(true);
    expect(partners.join("\n")).not.toMatch(/cisco|Smart Install/i);
    expect(partners).toContain(
      "🔒 1 new advisory was withheld from this room by TLP (1 TLP:AMBER). TLP:AMBER content may not go to #partners on console: the room is shared outside the organisation (at most TLP:GREEN).",
    );
    expect(
      await db.prisma.postedAdvisory.findMany({
        where: { destination: "console:#partners" },
        select: { advisoryId: true, withheld: true },
        orderBy: { advisoryId: "asc" },
      }),
    ).toEqual([
      { advisoryId: "csaf:BSI-2022-0001", withheld: false },
      { advisoryId: "csaf:cisco-sa-20180328-smi2", withheld: true },
    ]);
  });

  it("posts scheduled statistics with their signed text and a chart", async () => {
    const management = roomLines(firstOutput, "#management");
    expect(management[0]).toBe("TLP:GREEN");
    expect(management[1]).toBe("== Incident statistics: 2025-08-19 – 2025-08-26 ==");
    expect(postedFileNames(firstOutput, "#management")).toEqual([
      "weekly-stats-2025-08-26.txt.asc",
      "weekly-stats-2025-08-26.svg",
    ]);
    expect(postedFile(firstOutput, "#management", ".svg")).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*TLP:GREEN[\s\S]*<\/svg>$/,
    );
    const signed = postedFile(firstOutput, "#management", ".txt.asc");
    expect(await verifyClearSigned(signed, pair.publicKeyArmored, { date: desk.clock.now() })).toMatchObject({
      valid: true,
    });
  });

  it("posts nothing twice: the next run has no new advisories, and says so where configured", async () => {
    const { desk, database } = await deskAfterFirstRun();
    desk.clock.set("2025-08-27T06:00:05Z");
    // What node-cron calls at the fire time (the slot it woke up for).
    await desk.app.services.bulletins!.triggers.wake("bulletin:soc", new Date("2025-08-27T06:00:00Z"));
    await desk.app.services.bulletins!.triggers.wake("bulletin:partners", new Date("2025-08-27T06:00:00Z"));
    expect(await desk.app.services.jobs.runDue()).toBe(2);
    const output = await desk.printed();
    const posted = roomLines(output, "#soc");
    expect(posted).toContain("No new advisories in this period.");
    expect(posted).toContain("Advisories: 0");
    expect(posted[0]).toBe("TLP:CLEAR");
    expect(postedFileNames(output, "#soc")).toEqual(["soc-2025-08-27.txt.asc"]);
    // #partners does not announce empty runs, and was already told about the withheld one.
    expect(roomLines(output, "#partners")).toEqual([]);
    expect(await database.prisma.postedAdvisory.count({ where: { destination: "console:#soc" } })).toBe(34);
  });

  it("catches up a run missed while down once, and does not repeat it on the next start", async () => {
    const first = await deskAfterFirstRun();
    await stopDesk(first.desk);
    // Down for three fire times (27th to 29th): only the latest one runs at start.
    const clock = new ManualClock("2025-08-29T10:00:00Z");
    let desk = await startDesk(clock, { db: first.database });
    const keys = await jobKeys(first.database);
    expect(keys.filter((key) => key.startsWith("bulletin:soc:"))).toEqual([
      `bulletin:soc:${FIRST_FIRE}`,
      "bulletin:soc:2025-08-29T06:00:00.000Z",
    ]);
    expect(await desk.app.services.jobs.runDue()).toBe(3);
    expect(roomLines(await desk.printed(), "#soc")).toContain("No new advisories in this period.");

    await stopDesk(desk);
    desk = await startDesk(clock, { db: first.database });
    expect(await jobKeys(first.database)).toEqual(keys);
    expect(await desk.app.services.jobs.runDue()).toBe(0);
    expect(roomLines(await desk.printed(), "#soc")).toEqual([]);
  });

  it("runs a cron fire once when two replicas wake up for it", async () => {
    const { desk, database } = await deskAfterFirstRun();
    const other = await startDesk(desk.clock, { db: database });
    desk.clock.set("2025-08-30T06:00:00.200Z");
    const slot = new Date("2025-08-30T06:00:00Z");
    await Promise.all(
      [desk, other].map((replica) => replica.app.services.bulletins!.triggers.wake("bulletin:soc", slot)),
    );
    expect((await jobKeys(database)).filter((key) => key.endsWith("2025-08-30T06:00:00.000Z"))).toEqual([
      "bulletin:soc:2025-08-30T06:00:00.000Z",
    ]);
    const runs = await Promise.all([desk, other].map((replica) => replica.app.services.jobs.runDue()));
    expect(runs[0]! + runs[1]!).toBe(1);
    const outputs = await Promise.all([desk, other].map((replica) => replica.printed()));
    const posts = outputs.map((output) => postedFileNames(output, "#soc"));
    expect(posts.flat()).toEqual(["soc-2025-08-30.txt.asc"]);
    await stopDesk(other);
  });
});

describe("/bulletin commands", () => {
  // A desk of its own for every test (a database cloned in milliseconds), its scheduled run done
  // and #soc's advisories forgotten, so 34 are new again: what one test publishes, no other sees.
  let desk: ConsoleDesk;
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase();
    ownDatabases.push(db);
    desk = await startDesk(new ManualClock("2025-08-30T12:00:00Z"), { db });
    await desk.app.services.jobs.runDue();
    await desk.printed();
    await db.prisma.postedAdvisory.deleteMany({ where: { destination: "console:#soc" } });
  });

  afterEach(async () => {
    await stopDesk(desk);
  });

  /** `/bulletin publish` in #soc and its run: the signed digest it posted. */
  async function publishNow(): Promise<{ out: string; posted: string; signedDigest: string }> {
    await desk.type("/room #soc");
    const out = await desk.type("/bulletin publish");
    expect(await desk.app.services.jobs.runDue()).toBe(1);
    const posted = await desk.printed();
    return { out, posted, signedDigest: postedFile(posted, "#soc", ".txt.asc") };
  }

  it("preview shows what a run would post, and posts and remembers nothing", async () => {
    await desk.type("/room #soc");
    const jobsBefore = await db.prisma.job.count();
    const out = await desk.type("/bulletin preview");
    expect(out).toContain("[#soc · you] == Preview of soc → #soc on console ==");
    expect(out).toContain("New for the room: 34");
    expect(out).toContain("BSI-2022-0001: ");
    expect(out).toContain("Preview only: nothing was posted or remembered.");
    expect(await db.prisma.job.count()).toBe(jobsBefore);
    expect(await db.prisma.postedAdvisory.count({ where: { destination: "console:#soc" } })).toBe(0);
  });

  it("preview keeps AMBER content out of a GREEN room, even for the caller alone", async () => {
    await desk.type("/room #general");
    const out = await desk.type("/bulletin preview soc");
    expect(out).toContain("New for the room: 34");
    expect(out).toContain(
      "The content is not shown here: TLP:AMBER content may not go here: this room is cleared up to TLP:GREEN.",
    );
    expect(out).not.toContain("BSI-2022-0001: ");
  });

  it("publish runs the subscription now through the same job", async () => {
    const { out, posted } = await publishNow();
    expect(out).toContain("Publishing now: soc → #soc on console.");
    expect((await jobKeys(db)).filter((key) => key.startsWith("bulletin:soc:manual:"))).toEqual([
      "bulletin:soc:manual:2025-08-30T12:00:00.000Z",
    ]);
    expect(roomLines(posted, "#soc")).toContain("Advisories: 34");
    const audit = await db.prisma.auditEntry.findFirstOrThrow({ where: { action: "bulletin.publish" } });
    expect(audit).toMatchObject({ platform: "console", roomId: "#soc", detail: { subscription: "soc" } });
  });

  it("schedules lists next and last runs", async () => {
    await publishNow();
    const out = await desk.type("/bulletin schedules");
    expect(out).toMatch(
      /soc +digest +#soc \(console, up to TLP:AMBER\) +0 8 \* \* \* Europe\/Berlin +2025-08-31 08:00 CEST +2025-08-30 14:00 CEST done/,
    );
    expect(out).toContain("partners");
    expect(out).toContain("external");
  });

  it("sources reads each source and says what it yields", async () => {
    const out = await desk.type("/bulletin sources");
    expect(out).toMatch(/examples\/data\/csaf: 4 advisories, \d+ skipped/);
    expect(out).toContain("known_exploited_vulnerabilities-first30.json: 30 advisories; used by soc");
  });

  it("verify accepts a good multi-line signed text and rejects a tampered one", async () => {
    const { signedDigest } = await publishNow();
    expect(signedDigest.split("\n").length).toBeGreaterThan(100);
    expect(signedDigest.length).toBeGreaterThan(4000);
    const good = await desk.type(`/bulletin verify ${signedDigest}`);
    expect(good).toContain(
      `✅ Good signature by the team key ${pair.fingerprint}, made 2025-08-30 12:00 UTC.`,
    );
    const tampered = signedDigest.replace("Critical", "Crit1cal");
    expect(tampered).not.toBe(signedDigest);
    const bad = await desk.type(`/bulletin verify ${tampered}`);
    expect(bad).toContain("❌ Not a valid bulletin from this team: the signature does not match the text");
    expect(await desk.type("/bulletin verify just words")).toContain(
      "❌ Not a valid bulletin from this team: not a clear-signed OpenPGP message",
    );
  });

  it("verify keeps the text verbatim, unbalanced quotes included", async () => {
    const signed = await import("../../../src/bulletins/signing.ts").then(({ clearSign }) =>
      clearSign(
        "An \"unbalanced quote, 'another and «one more\n- a dashed line\nkey:value 10.0.0.1:443",
        key,
        {
          date: desk.clock.now(),
        },
      ),
    );
    expect(await desk.type(`/bulletin verify ${signed}`)).toContain("✅ Good signature");
  });

  it("post signs a manual advisory into the room, within the room's clearance", async () => {
    await desk.type("/room #general");
    const refused = await desk.type("/bulletin post Patch the VPN concentrators today.");
    expect(refused).toContain(
      "[#general · you] ⚠️ Not posted: TLP:AMBER content may not go here: this room is cleared up to TLP:GREEN.",
    );
    const out = await desk.type(
      "/bulletin post tlp:green Patch the VPN concentrators today.\nCVE-2025-0282 is exploited.",
    );
    const posted = roomLines(out, "#general");
    expect(posted.slice(0, 3)).toEqual([
      "TLP:GREEN",
      "== Security advisory ==",
      "Patch the VPN concentrators today.",
    ]);
    const signed = postedFile(out, "#general", /advisory-20250830-1200\.txt\.asc/);
    const verified = await verifyClearSigned(signed, pair.publicKeyArmored, { date: desk.clock.now() });
    expect(verified).toMatchObject({
      valid: true,
      signedText: [
        "TLP:GREEN",
        "Security advisory",
        "Date: 2025-08-30 12:00 UTC",
        "Posted by: alice",
        "",
        "Patch the VPN concentrators today.",
        "CVE-2025-0282 is exploited.",
      ].join("\n"),
    });
    expect(verifyWithGpgv(signed, pair.publicKeyArmored).ok).toBe(true);
  });

  it("key shows the public key and its fingerprint", async () => {
    const out = await desk.type("/bulletin key");
    expect(out).toContain(`Fingerprint: ${pair.fingerprint}`);
    expect(out).toContain("-----BEGIN PGP PUBLIC KEY BLOCK-----");
  });

  it("explains what it needs", async () => {
    expect(await desk.type("/bulletin preview nosuch")).toContain(
      'There is no subscription "nosuch". Subscriptions: soc, partners, weekly-stats.',
    );
    expect(await desk.type("/bulletin verify")).toContain("Paste the clear-signed text after the command.");
    expect(await desk.type("/bulletin post tlp:purple x")).toContain('"purple" is not a TLP 2.0 label');
  });
});

describe("without a signing key", () => {
  it("posts unsigned, with a warning in the post", async () => {
    const first = await deskAfterFirstRun();
    await stopDesk(first.desk);
    const clock = new ManualClock("2025-08-31T09:00:00Z");
    const desk = await startDesk(clock, { signed: false, db: first.database });
    await desk.app.services.jobs.runDue();
    const output = await desk.printed();
    const posted = roomLines(output, "#soc");
    expect(posted).toContain(
      "  (⚠️ Not signed: no signing key is configured (BULLETIN_SIGNING_KEY); readers cannot check where this came from.)",
    );
    expect(postedFileNames(output, "#soc")).toEqual(["soc-2025-08-31.txt"]);
    expect(postedFile(output, "#soc", "soc-2025-08-31.txt")).toMatch(
      /^TLP:CLEAR\nSecurity advisories digest\n/,
    );
    expect(await desk.type("/bulletin key")).toContain("No signing key is configured");
    await stopDesk(desk);
  });
});

describe("long digests and rooms cleared below the content", () => {
  const OTHER_CONFIG = `
subscriptions:
  - id: split
    kind: digest
    destination: { console: "#soc" }
    clearance: amber
    schedule: "0 6 * * *"
    sources: [csaf, kev/known_exploited_vulnerabilities-first30.json]
    lookback: 3000d
  - id: green-room
    kind: digest
    destination: { console: "#green" }
    clearance: green
    schedule: "0 6 * * *"
    sources: [csaf/cisco-sa-20180328-smi2.json]
    lookback: 3000d
`;
  let otherDb: TestDatabase;
  let desk: ConsoleDesk;
  let output: string;

  beforeAll(async () => {
    otherDb = await createTestDatabase();
    desk = await startConsoleDesk({
      db: otherDb,
      clock: new ManualClock("2025-08-26T07:00:00Z"),
      bulletins: {
        config: parseBulletinConfig(OTHER_CONFIG, "bulletins.yaml", SAMPLE_DATA),
        signingKey: key,
        limits: { console: { maxChars: 2500 } },
      },
    });
    expect(await desk.app.services.jobs.runDue()).toBe(2);
    output = await desk.printed();
  });

  afterAll(async () => {
    await desk?.close();
    await otherDb?.close();
  });

  it("splits a long digest into parts that each carry the header and verify on their own", async () => {
    const files = postedFileNames(output, "#soc");
    expect(files.length).toBeGreaterThan(3);
    expect(files[0]).toBe("split-2025-08-26-part1.txt.asc");
    const headings = roomLines(output, "#soc").filter((line) =>
      line.startsWith("== Security advisories digest"),
    );
    expect(headings).toEqual(
      files.map((_, i) => `== Security advisories digest (part ${i + 1} of ${files.length}) ==`),
    );
    const ids = new Set<string>();
    for (const file of files) {
      const verified = await verifyClearSigned(postedFile(output, "#soc", file), pair.publicKeyArmored, {
        date: desk.clock.now(),
      });
      expect(verified.valid).toBe(true);
      if (!verified.valid) continue;
      expect(verified.signedText.length).toBeLessThanOrEqual(2500);
      for (const match of verified.signedText.matchAll(/^\* ([^:]+(?::\d+)?): /gm)) ids.add(match[1]!);
    }
    expect(ids.size).toBe(34);
    expect(await otherDb.prisma.postedAdvisory.count({ where: { destination: "console:#soc" } })).toBe(34);
  });

  it("withholds an AMBER digest from a GREEN room and posts only a notice", () => {
    expect(roomLines(output, "#green")).toEqual([
      "🔒 1 new advisory was withheld from this room by TLP (1 TLP:AMBER). TLP:AMBER content may not go to #green on console: the room is cleared up to TLP:GREEN.",
      "  (Their content is not shown here; ask the team for them in a room cleared for those labels.)",
    ]);
  });
});
