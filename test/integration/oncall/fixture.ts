// The on-call configuration the integration tests run with, and a desk started with it.
// The clock starts on Tuesday 2026-03-10 09:00 UTC (10:00 in Paris); bob holds the weekly
// rotation from Monday 2026-03-09 09:00 Paris to Monday 2026-03-16 09:00, then carol.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ConsoleOptions, ConsolePlatform } from "../../../src/chat/console/console-platform.ts";
import { ManualClock } from "../../../src/clock.ts";
import { parseOncallConfig } from "../../../src/oncall/config.ts";
import type { TestDatabase } from "../../database.ts";
import { type ConsoleDesk, startConsoleDesk } from "../../support/console-desk.ts";

export const START = "2026-03-10T09:00:00Z";
export const MINUTE = 60_000;

export const ONCALL_YAML = `people:
  - id: alice
    name: Alice
    timeZone: Europe/Paris
    identities: { console: alice }
  - id: bob
    name: Bob
    email: bob@example.org
    timeZone: Europe/Paris
    identities: { console: bob }
  - id: carol
    name: Carol
    timeZone: Europe/Paris
    identities: { console: carol }
  - id: dave
    name: Dave
    timeZone: Europe/Paris
    identities: { console: dave }
  - id: erin
    name: Erin
    timeZone: Europe/Paris
    identities: { console: erin }
teams:
  - id: csirt
    name: CSIRT
    channels: { console: "#csirt" }
    leads: [alice]
    members: [alice, bob, carol]
    escalationPolicy: csirt-standard
    rotations:
      - id: primary
        name: Primary
        type: weekly
        participants: [bob, carol]
        start: "2026-03-09"
        handoff: "09:00"
        timeZone: Europe/Paris
  - id: soc
    name: SOC
    channels: { console: "#soc" }
    leads: [dave]
    members: [dave, erin]
    escalationPolicy: soc-standard
    paging: { severities: [1] }
    rotations:
      - id: days
        name: Day shift
        type: daily
        participants: [erin, dave]
        start: "2026-03-09"
        handoff: "08:00"
        timeZone: Europe/Paris
        restrict:
          - { days: [mon, tue, wed, thu, fri, sat, sun], from: "08:00", to: "20:00" }
escalationPolicies:
  - id: csirt-standard
    levels:
      - target: { oncall: csirt }
        after: 5m
      - target: { person: alice }
        after: 10m
      - target: { team: csirt }
        after: 15m
    repeat: 1
    fallback: { teamChannel: csirt }
  - id: soc-standard
    levels:
      - target: { oncall: soc }
        after: 5m
    fallback: { teamChannel: soc }
`;

export async function writeOncallFile(text = ONCALL_YAML): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "tocsin-oncall-"));
  const file = path.join(dir, "oncall.yaml");
  await writeFile(file, text);
  return file;
}

export async function startOncallDesk(
  options: {
    db?: TestDatabase;
    clock?: ManualClock;
    yaml?: string;
    file?: string;
    workerId?: string;
    feeds?: { secret?: string; publicUrl?: string };
    /** Makes the console platform (see startConsoleDesk). */
    platform?: (options: ConsoleOptions) => ConsolePlatform;
  } = {},
): Promise<ConsoleDesk> {
  const yaml = options.yaml ?? ONCALL_YAML;
  return startConsoleDesk({
    platform: options.platform,
    db: options.db,
    clock: options.clock ?? new ManualClock(START),
    oncall: { config: parseOncallConfig(yaml, "oncall.yaml"), path: options.file, feeds: options.feeds },
    jobs: options.workerId ? { workerId: options.workerId } : undefined,
  });
}

/** Lines of console output that are DMs to `handle` starting a page message. */
export function pageDms(out: string, handle: string): string[] {
  return out.split("\n").filter((line) => line.startsWith(`[DM @${handle}] 📟 Page #`));
}

/** Advances the clock and runs what became due; returns what was printed meanwhile. */
export async function advance(desk: ConsoleDesk, ms: number): Promise<string> {
  await desk.printed(); // what was printed before is not news
  desk.clock.advance(ms);
  await desk.app.services.jobs.runDue();
  return desk.printed();
}
