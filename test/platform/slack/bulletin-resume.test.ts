// A multi-part signed digest posted to Slack whose file upload fails once (as it did for every
// upload while the manifest lacked files:write): the retried run continues after the last part
// Slack took, so no part is posted twice, and the run completes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../../src/app.ts";
import { generateSigningKey, loadSigningKey } from "../../../src/bulletins/signing.ts";
import { parseBulletinConfig } from "../../../src/bulletins/subscriptions.ts";
import { SlackPlatform } from "../../../src/chat/slack/slack-platform.ts";
import { ManualClock } from "../../../src/clock.ts";
import { silentLogger } from "../../../src/logging.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";
import { type DoubleChannel, SlackWebApiDouble } from "../../doubles/slack-web-api.ts";
import { SAMPLE_DATA } from "../../unit/bulletins/samples.ts";
import { FAST_RETRIES, SIGNING_SECRET } from "./harness.ts";

let db: TestDatabase;
let slack: SlackWebApiDouble;
let app: App;
let soc: DoubleChannel;
// 08:00 in Berlin the day after the KEV sample's release.
const clock = new ManualClock("2025-08-26T06:30:00Z");

beforeAll(async () => {
  db = await createTestDatabase();
  slack = await SlackWebApiDouble.start();
  soc = slack.addChannel({ name: "soc" });
  const passphrase = "resume";
  const pair = await generateSigningKey({
    name: "CERT-Test",
    email: "cert@example.org",
    passphrase,
    date: new Date("2025-01-01T00:00:00Z"),
  });
  const config = parseBulletinConfig(
    `
version: 1
subscriptions:
  - id: soc
    kind: digest
    destination: { slack: ${soc.id} }
    clearance: amber
    schedule: "0 8 * * *"
    timeZone: Europe/Berlin
    sources: [csaf, kev/known_exploited_vulnerabilities-first30.json]
    lookback: 3000d
`,
    "bulletins.yaml",
    SAMPLE_DATA,
  );
  const platform = new SlackPlatform({
    botToken: slack.botToken,
    signingSecret: SIGNING_SECRET,
    apiUrl: slack.apiUrl,
    port: 0,
    host: "127.0.0.1",
    log: silentLogger,
    retryPolicy: FAST_RETRIES,
  });
  app = createApp({
    db: db.prisma,
    clock,
    log: silentLogger,
    platforms: [platform],
    runJobs: false,
    bulletins: {
      config,
      signingKey: await loadSigningKey(pair.privateKeyArmored, passphrase),
      // Small parts, so the 34 sample advisories make several.
      limits: { slack: { maxChars: 4000, maxBlocks: 46 } },
    },
  });
  await app.start();
});

afterAll(async () => {
  await app?.stop();
  await slack?.close();
  await db?.close();
});

/** The digest parts' messages Slack took, by their heading ("... (part 2 of 3)"). */
function postedPartHeadings(): string[] {
  return slack
    .callsTo("chat.postMessage")
    .filter((call) => call.ok && call.params.channel === soc.id)
    .map((call) => String(call.params.text ?? "").match(/Security advisories digest \([^)]*\)/)?.[0] ?? "")
    .filter((heading) => heading !== "");
}

describe("a multi-part bulletin whose file upload fails once", () => {
  it("continues after the last step Slack took instead of posting part 1 again", async () => {
    slack.failWith("files.getUploadURLExternal", "missing_scope");
    expect(await app.services.jobs.runDue()).toBe(1);
    // Part 1's message went out, its signed file did not: the job failed and will retry.
    expect(postedPartHeadings()).toEqual([expect.stringMatching(/\(part 1 of \d+\)$/)]);
    expect(slack.files).toHaveLength(0);
    const job = await db.prisma.job.findFirstOrThrow({ where: { kind: "bulletin.publish" } });
    expect(job).toMatchObject({ outcome: null, lastError: expect.stringContaining("missing_scope") });
    expect(await db.prisma.bulletinPostStep.count({ where: { runKey: job.key ?? "" } })).toBe(1);

    clock.advance(2_000);
    expect(await app.services.jobs.runDue()).toBe(1);
    const headings = postedPartHeadings();
    const total = Number(headings[0]?.match(/of (\d+)\)$/)?.[1]);
    expect(total).toBeGreaterThan(1);
    // Each part once, in order, and each part's signed file once.
    expect(headings).toEqual(
      Array.from(
        { length: total },
        (_, index) => `Security advisories digest (part ${index + 1} of ${total})`,
      ),
    );
    expect(slack.files.map((file) => file.filename)).toEqual(
      Array.from({ length: total }, (_, index) => `soc-2025-08-26-part${index + 1}.txt.asc`),
    );
    expect(await db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      outcome: "done",
    });
    // The steps are forgotten with the completed job; the advisories are remembered instead.
    expect(await db.prisma.bulletinPostStep.count()).toBe(0);
    expect(await db.prisma.postedAdvisory.count({ where: { destination: `slack:${soc.id}` } })).toBe(34);
  });
});
