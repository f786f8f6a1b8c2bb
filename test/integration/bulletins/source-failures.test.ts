// Digest runs whose sources cannot be read, end to end on the console platform with a signing
// key: the room is told which sources failed and why, and never gets a signed "no new
// advisories" that is not known to be true.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSigningKey, loadSigningKey, type SigningKey } from "../../../src/bulletins/signing.ts";
import { parseBulletinConfig } from "../../../src/bulletins/subscriptions.ts";
import { ManualClock } from "../../../src/clock.ts";
import { type ConsoleDesk, startConsoleDesk } from "../../support/console-desk.ts";
import { postedFile, postedFileNames, roomLines } from "../../support/console-output.ts";
import { SAMPLE_DATA } from "../../unit/bulletins/samples.ts";

const CONFIG = `
version: 1
subscriptions:
  - id: blind
    kind: digest
    destination: { console: "#blind" }
    clearance: amber
    schedule: "0 8 * * *"
    timeZone: Europe/Berlin
    sources: [/nonexistent/csaf, no-such-feed.json]
    announceEmpty: true
  - id: partial
    kind: digest
    destination: { console: "#partial" }
    clearance: amber
    schedule: "0 8 * * *"
    timeZone: Europe/Berlin
    sources: [kev/known_exploited_vulnerabilities-first30.json, /nonexistent/csaf]
    lookback: 3d
    announceEmpty: true
`;

let key: SigningKey;
let desk: ConsoleDesk;
let output: string;

beforeAll(async () => {
  const passphrase = "source failures";
  const pair = await generateSigningKey({
    name: "CERT-Test",
    email: "cert@example.org",
    passphrase,
    date: new Date("2025-01-01T00:00:00Z"),
  });
  key = await loadSigningKey(pair.privateKeyArmored, passphrase);
  const config = parseBulletinConfig(CONFIG, "bulletins.yaml", SAMPLE_DATA);
  // 08:00 in Berlin on the day after the KEV sample's release.
  desk = await startConsoleDesk({
    clock: new ManualClock("2025-08-26T06:30:00Z"),
    bulletins: { config, signingKey: key },
  });
  expect(await desk.app.services.jobs.runDue()).toBe(2);
  output = await desk.printed();
});

afterAll(async () => {
  await desk?.close();
  await desk?.db.close();
});

describe("a digest run with unreadable sources", () => {
  it("with every source unreadable posts an unsigned warning naming each source, not a digest", () => {
    const posted = roomLines(output, "#blind");
    expect(posted.join("\n")).toContain(
      "⚠️ Security advisories digest: no digest this time. 2 of 2 sources could not be read",
    );
    expect(posted.join("\n")).toContain("this does not mean there are no new advisories");
    expect(posted).toContainEqual(expect.stringContaining("/nonexistent/csaf: no such file or directory"));
    expect(posted).toContainEqual(expect.stringMatching(/no-such-feed\.json: no such file or directory$/));
    expect(posted.join("\n")).not.toContain("No new advisories");
    expect(posted.join("\n")).not.toContain("Clear-signed");
    expect(postedFileNames(output, "#blind")).toEqual([]);
  });

  it("with some sources unreadable posts the others' advisories, signed, with the gap stated in them", () => {
    const posted = roomLines(output, "#partial");
    expect(posted.join("\n")).toContain(
      "⚠️ Incomplete: 1 of 2 sources could not be read, so advisories from it may be missing:",
    );
    const [file] = postedFileNames(output, "#partial");
    const signed = postedFile(output, "#partial", file as string);
    expect(signed).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----/);
    expect(signed).toContain("  - /nonexistent/csaf: no such file or directory");
    expect(signed).toContain("* CVE-2025-48384: Git Link Following Vulnerability");
  });

  it("previews the warning too, never a nothing-new", async () => {
    const preview = await desk.type("/bulletin preview blind");
    expect(preview).toContain("no digest this time. 2 of 2 sources could not be read");
    expect(preview).not.toContain("Nothing new");
  });

  it("leaves the advisories it could not read for a later run", async () => {
    // Nothing from the unreadable sources was recorded as posted; what was listed was.
    const rows = await desk.db.prisma.postedAdvisory.findMany({ where: { destination: "console:#partial" } });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.advisoryId.startsWith("kev:"))).toBe(true);
    expect(await desk.db.prisma.postedAdvisory.count({ where: { destination: "console:#blind" } })).toBe(0);
  });
});
