// Fault tolerance: tocsin is killed with SIGKILL at random moments while incidents are declared,
// pages escalate and a bulletin runs, restarted each time, and afterwards the record must hold:
// no lost or doubled incident, timeline entry, page, escalation step or bulletin.
//
// The kill points come from a seeded generator, printed on failure, so a failing run can be
// replayed with TOCSIN_CHAOS_SEED.
import { chmod, cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabaseIfMissing } from "../../src/db/database.ts";
import { type EmbeddedServer, startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts";
import { QUICK_ESCALATION_ONCALL } from "../support/quick-escalation.ts";
import { startTocsin, type TocsinProcess } from "../support/tocsin-process.ts";
import { scaledDeadline, until } from "../support/waiting.ts";

const BULLETINS = `subscriptions:
  - id: soc-digest
    kind: digest
    destination: { console: "#soc" }
    clearance: amber
    schedule: "0 8 * * *"
    timeZone: UTC
    sources: [csaf]
    lookback: 3650d
`;

/** A small seeded generator (mulberry32): the same seed, the same kill points. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let root: string;
let server: EmbeddedServer;
let databaseUrl: string;
let env: Record<string, string>;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tocsin-chaos-"));
  await chmod(root, 0o755);
  server = await startEmbeddedPostgres({ dataDir: path.join(root, "postgres") });
  await createDatabaseIfMissing(server.adminUrl, "chaos");
  databaseUrl = server.urlFor("chaos");
  await writeFile(path.join(root, "oncall.yaml"), QUICK_ESCALATION_ONCALL);
  await cp(new URL("../../examples/data/csaf", import.meta.url).pathname, path.join(root, "csaf"), {
    recursive: true,
  });
  await writeFile(path.join(root, "bulletins.yaml"), BULLETINS);
  env = {
    TOCSIN_DATA_DIR: path.join(root, "data"),
    DATABASE_URL: databaseUrl,
    ONCALL_CONFIG: path.join(root, "oncall.yaml"),
    BULLETIN_CONFIG: path.join(root, "bulletins.yaml"),
    HTTP_PORT: "0",
    TOCSIN_CONSOLE_USER: "carol",
  };
});

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

async function tablesExist(): Promise<boolean> {
  const [row] = await query<{ job: string | null }>(`select to_regclass('"Job"')::text as job`);
  return Boolean(row?.job);
}

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("killed at random moments", () => {
  it("keeps every invariant", { timeout: scaledDeadline(300_000) }, async () => {
    const seed = Number(process.env.TOCSIN_CHAOS_SEED ?? Date.now() % 100_000);
    const next = random(seed);
    const outputs: string[] = [];
    let lastRun: TocsinProcess | undefined;
    let declared = 0;
    try {
      for (let round = 0; round < 5; round++) {
        const desk: TocsinProcess = startTocsin(env);
        // Each round types a few declarations (SEV1 pages the on-call) and dies part-way.
        for (let i = 0; i < 3; i++) desk.type(`/inc declare "Chaos ${round}.${i}" sev:1 team:csirt`);
        declared += 3;
        // The kill lands at a random moment of the work, counted from the first answer (the
        // database is migrated and commands run): on a loaded machine a start can take longer
        // than the whole random window, and killing every round before it proves nothing.
        await until(
          () => (desk.stdout().length > 0 || desk.child.exitCode !== null ? true : undefined),
          "the desk's first answer",
          60_000,
        );
        await new Promise((resolve) => setTimeout(resolve, Math.floor(next() * 2500)));
        desk.child.kill("SIGKILL");
        await desk.exited;
        outputs.push(desk.stdout());
      }
      // A last run lives until every page has walked both levels (2 s each) and nothing due is
      // left; later jobs (reminders in minutes, the "nobody acknowledged" notice) may stay.
      const last = startTocsin({ ...env, LOG_LEVEL: "info" });
      lastRun = last;
      await until(
        async () => {
          // Until the last run has migrated a fresh database, there are no tables to count.
          if (!(await tablesExist())) return undefined;
          const [due] = await query<{ n: number }>(
            `select count(*)::int as n from "Job" where outcome is null and "dueAt" <= now()`,
          );
          const [incidents] = await query<{ n: number }>(`select count(*)::int as n from "Incident"`);
          const [escalated] = await query<{ n: number }>(
            `select count(distinct "pageId")::int as n from "PageDelivery" where level = 1 and target = 'alice'`,
          );
          return due?.n === 0 && escalated?.n === incidents?.n ? true : undefined;
        },
        "every page to escalate",
        // Jobs a killed process had claimed wait out their 60 s lease before another takes them.
        150_000,
      );
      expect(await last.finish()).toBe(0);
      outputs.push(last.stdout());

      const incidents = await query<{ id: string; publicId: string }>(
        `select id, "publicId" from "Incident"`,
      );
      // Some declarations typed before a kill never ran; none ran twice.
      expect(incidents.length).toBeGreaterThan(0);
      expect(incidents.length).toBeLessThanOrEqual(declared);
      const [counter] = await query<{ last: number }>(`select last from "IncidentCounter"`);
      expect(counter?.last).toBe(incidents.length);

      // Every incident has exactly one declaration on its timeline, an audit entry for it, one room.
      const declaredEntries = await query<{ incidentId: string; n: number }>(
        `select "incidentId", count(*)::int as n from "TimelineEntry" where kind = 'declared' group by 1`,
      );
      expect(declaredEntries).toHaveLength(incidents.length);
      expect(declaredEntries.every((e) => e.n === 1)).toBe(true);
      const audits = await query<{ n: number }>(
        `select count(*)::int as n from "AuditEntry" where action = 'incident.declared'`,
      );
      expect(audits[0]?.n).toBe(incidents.length);

      // Every SEV1 incident paged exactly once, and each page walked both levels exactly once.
      const pages = await query<{ incidentId: string; number: number; n: number }>(
        `select "incidentId", min(number) as number, count(*)::int as n from "Page" group by 1`,
      );
      expect(pages).toHaveLength(incidents.length);
      expect(pages.every((p) => p.n === 1)).toBe(true);
      const steps = await query<{ key: string; n: number }>(
        `select key, count(*)::int as n from "Job" where key like 'page:%' group by 1 having count(*) > 1`,
      );
      expect(steps).toEqual([]);
      // One recorded DM per page and level (mentions in the incident room are deliveries too).
      const dms = await query<{ level: number; target: string }>(
        `select level, target from "PageDelivery" where round = 0 and platform = 'console' and target in ('bob', 'alice')`,
      );
      expect(dms.filter((d) => d.level === 0 && d.target === "bob")).toHaveLength(incidents.length);
      expect(dms.filter((d) => d.level === 1 && d.target === "alice")).toHaveLength(incidents.length);

      // DMs are at least once: every page reached bob and, escalated, alice; a repeat is possible
      // only when the kill fell between sending and recording, at most once per kill.
      const transcript = outputs.join("\n");
      for (const page of pages) {
        const toBob = transcript
          .split("\n")
          .filter((l) => l.startsWith(`[DM @bob] 📟 Page #${page.number} `)).length;
        const toAlice = transcript
          .split("\n")
          .filter((l) => l.startsWith(`[DM @alice] 📟 Page #${page.number} `)).length;
        expect(toBob).toBeGreaterThanOrEqual(1);
        expect(toAlice).toBeGreaterThanOrEqual(1);
        expect(toBob + toAlice).toBeLessThanOrEqual(2 + 5);
      }

      // The bulletin's fire ran once: one job for its fire time, each advisory recorded once.
      const bulletinJobs = await query<{ outcome: string }>(
        `select outcome from "Job" where kind = 'bulletin.publish'`,
      );
      expect(bulletinJobs).toEqual([{ outcome: "done" }]);
      const doubled = await query(
        `select "advisoryId" from "PostedAdvisory" group by "destination", "advisoryId" having count(*) > 1`,
      );
      expect(doubled).toEqual([]);
      expect(transcript).toContain("[#soc]");
    } catch (error) {
      const pending = (await tablesExist())
        ? await query(`select kind, key, "dueAt", attempts, "lastError" from "Job" where outcome is null`)
        : "no tables: no run got as far as migrating the database";
      lastRun?.child.kill("SIGKILL");
      throw new Error(
        `last run's log: ${lastRun?.stderr().slice(-3000)}\nchaos run with TOCSIN_CHAOS_SEED=${seed} failed: ${(error as Error).message}\n${(error as Error).stack}\npending jobs: ${JSON.stringify(pending).slice(0, 2000)}`,
      );
    }
  });
});
