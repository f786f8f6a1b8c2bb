import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadBulletinConfig, parseBulletinConfig } from "../../../src/bulletins/subscriptions.ts";
import { ConfigFileError } from "../../../src/config-file.ts";

const EXAMPLE = fileURLToPath(new URL("../../../examples/bulletins.yaml", import.meta.url));

function problems(yaml: string): string[] {
  try {
    parseBulletinConfig(yaml, "bulletins.yaml", "/etc/tocsin");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigFileError);
    return (error as ConfigFileError).message
      .split("\n")
      .slice(1)
      .map((line) => line.trim());
  }
  throw new Error("expected the configuration to be refused");
}

const VALID_DIGEST = `
version: 1
subscriptions:
  - id: soc-daily
    kind: digest
    destination: { console: "#soc" }
    clearance: amber
    schedule: "0 8 * * 1-5"
    timeZone: Europe/Berlin
    sources: [advisories, "https://example.org/.well-known/csaf/provider-metadata.json"]
`;

describe("bulletin subscriptions configuration", () => {
  it("reads the example file, with sources resolved against its folder", async () => {
    const config = await loadBulletinConfig(EXAMPLE);
    expect(config.subscriptions.map((s) => [s.id, s.kind, s.destination.roomId])).toEqual([
      ["soc-daily", "digest", "#soc"],
      ["partners-kev", "digest", "#partners"],
      ["monthly-stats", "stats", "#management"],
    ]);
    const [daily, partners] = config.subscriptions;
    if (daily?.kind !== "digest" || partners?.kind !== "digest") throw new Error("expected digests");
    expect(daily.sources[0]).toBe(path.resolve(path.dirname(EXAMPLE), "data/csaf/bsi-2022-0001.json"));
    expect(daily.schedule.next(new Date("2026-03-13T12:00:00Z"))).toEqual(new Date("2026-03-16T07:00:00Z"));
    expect(partners).toMatchObject({
      external: true,
      clearance: "green",
      language: "de",
      unlabelled: "amber",
    });
    expect(partners.lookbackMs).toBe(14 * 86_400_000);
  });

  it("fills in defaults: UTC, English, 7 days back, unlabelled advisories as AMBER", () => {
    const config = parseBulletinConfig(
      VALID_DIGEST.replace("    timeZone: Europe/Berlin\n", ""),
      "bulletins.yaml",
      "/etc/tocsin",
    );
    expect(config.defaultClearance).toBe("green");
    expect(config.subscriptions[0]).toMatchObject({
      external: false,
      language: "en",
      lookbackMs: 7 * 86_400_000,
      announceEmpty: false,
      unlabelled: "amber",
      filters: { keywords: [], kevOnly: false },
      sources: ["/etc/tocsin/advisories", "https://example.org/.well-known/csaf/provider-metadata.json"],
    });
    expect(config.subscriptions[0]?.schedule.timeZone).toBe("UTC");
  });

  it("lets unscored advisories pass minCvss unless told to exclude them", () => {
    const withFilters = (filters: string) =>
      VALID_DIGEST.replace("    sources:", `    filters: ${filters}\n    sources:`);
    const included = parseBulletinConfig(withFilters("{ minCvss: 7 }"), "bulletins.yaml", "/etc/tocsin");
    expect(included.subscriptions[0]).toMatchObject({ filters: { minCvss: 7, unscored: "include" } });
    const excluded = parseBulletinConfig(
      withFilters("{ minCvss: 7, unscored: exclude }"),
      "bulletins.yaml",
      "/etc/tocsin",
    );
    expect(excluded.subscriptions[0]).toMatchObject({ filters: { unscored: "exclude" } });
    expect(() =>
      parseBulletinConfig(withFilters("{ unscored: drop }"), "bulletins.yaml", "/etc/tocsin"),
    ).toThrow(/filters\.unscored: unscored is include or exclude/);
  });

  it("reports every problem at once, with file, line, column and YAML path", () => {
    expect(
      problems(`version: 1
subscriptions:
  - id: Bad Id
    kind: digest
    destination: { console: "#soc", slack: C123 }
    clearance: purple
    schedule: "0 8 * *"
    sources: []
    filters: { minCvss: 11, bogus: 1 }
  - id: stats
    kind: stats
    destination: { matrix: "!r:example.org" }
    clearance: green
    schedule: "0 8 * * *"
    timeZone: Mars/Base
    period: 2026-10
  - kind: nothing
`),
    ).toEqual([
      'bulletins.yaml:3:9: subscriptions[0].id: ids are lowercase letters, digits, ".", "_" and "-", e.g. "soc-daily"',
      'bulletins.yaml:5:18: subscriptions[0].destination: give exactly one of console: "#room", slack: <channel id>, matrix: "!room:server"',
      'bulletins.yaml:6:16: subscriptions[0].clearance: "purple" is not a TLP 2.0 label: clear, green, amber, amber+strict, red',
      'bulletins.yaml:7:15: subscriptions[0].schedule: "0 8 * *" is not a cron expression (expected 5 or 6 fields but got 4); write minute hour day-of-month month day-of-week, e.g. "0 8 * * 1-5"',
      "bulletins.yaml:8:14: subscriptions[0].sources: name at least one source: a directory, file or URL",
      "bulletins.yaml:9:25: subscriptions[0].filters.minCvss: a CVSS base score is 0 to 10",
      'bulletins.yaml:9:29: subscriptions[0].filters: unknown field "bogus"',
      'bulletins.yaml:15:15: subscriptions[1].timeZone: "Mars/Base" is not an IANA time zone; write e.g. Europe/Berlin or UTC',
      'bulletins.yaml:16:13: subscriptions[1].period: "2026-10" is not a period: "7d", "30d", "4w" (ending at the run) or "month" (the last full calendar month)',
      'bulletins.yaml:17:11: subscriptions[2].kind: kind must be "digest" (advisories) or "stats" (incident statistics)',
    ]);
  });

  it("points a missing field at the entry that lacks it", () => {
    expect(problems(VALID_DIGEST.replace('    destination: { console: "#soc" }\n', ""))).toEqual([
      'bulletins.yaml:4:5: subscriptions[0].destination: missing required field "destination"',
    ]);
  });

  it("checks what needs the whole file: duplicate ids, one clearance per room, labels a room can take", () => {
    const twice = `${VALID_DIGEST}
  - id: soc-daily
    kind: digest
    destination: { console: "#soc" }
    clearance: green
    schedule: "0 9 * * *"
    sources: [x]
  - id: partner-stats
    kind: stats
    destination: { console: "#partners" }
    clearance: amber
    external: true
    schedule: "0 9 1 * *"
    tlp: amber
`;
    expect(problems(twice)).toEqual([
      'bulletins.yaml:12:9: subscriptions[1].id: duplicate subscription id "soc-daily" (first at subscriptions[0])',
      "bulletins.yaml:15:16: subscriptions[1].clearance: #soc on console is also the destination of subscriptions[0] with clearance amber; a room has one clearance",
      "bulletins.yaml:24:10: subscriptions[2].tlp: the report would never be posted: TLP:AMBER content may not go to #partners on console: the room is shared outside the organisation (at most TLP:GREEN).",
    ]);
  });

  it("refuses cron forms that implementations read differently", () => {
    expect(problems(VALID_DIGEST.replace('"0 8 * * 1-5"', '"0 8 1-7 * mon"'))).toEqual([
      'bulletins.yaml:8:15: subscriptions[0].schedule: "0 8 1-7 * mon" restricts both the day of month and the day of week, which cron implementations read differently; restrict only one of them',
    ]);
  });

  it("explains YAML syntax errors and empty files", () => {
    expect(problems("subscriptions:\n  - id: x\n   kind: digest\n")[0]).toMatch(
      /^bulletins\.yaml:3:\d+: YAML syntax: /,
    );
    expect(problems("# nothing here\n")).toEqual([
      "bulletins.yaml: the file is empty; see examples/bulletins.yaml for the format",
    ]);
  });

  it("names the file it cannot read", async () => {
    await expect(loadBulletinConfig("/nonexistent/bulletins.yaml")).rejects.toThrow(
      "/nonexistent/bulletins.yaml: cannot read the bulletin configuration: no such file",
    );
  });
});
