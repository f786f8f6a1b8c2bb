// `list` and `show` as the incident table grows: the same commands timed at 10, 10,000 and
// 100,000 incidents, which stay flat when every query is bounded by an index and a LIMIT.
// In this process, through the app's intake and the router with the console platform (as the
// round trips are counted), on a database of its own. The incidents beyond the first few are
// seeded by one SQL statement per size (generate_series), not through the app: most of them
// closed, one in ten restricted, all reported by someone else and newer than the caller's own,
// so `list mine` has to look past every one of them.
import { startConsoleBenchDesk } from "./console-desk.ts";
import { percentile } from "./stats.ts";

export const SCALE_COMMANDS = ["list", "list all", "list mine", "show"] as const;
export type ScaleCommand = (typeof SCALE_COMMANDS)[number];

export interface ScalePoint {
  incidents: number;
  /** Median milliseconds per command, over `times` runs. */
  medianMs: Record<ScaleCommand, number>;
}

export async function measureIncidentScale(
  dataDir: string,
  sizes: readonly number[],
  times: number,
): Promise<ScalePoint[]> {
  const { database, app } = await startConsoleBenchDesk(dataDir);
  const db = database.prisma;
  let serial = 0;
  const run = async (text: string) => {
    const started = performance.now();
    await app.intake.handle({
      platform: "console",
      actor: { externalId: "alice", displayName: "alice" },
      room: { roomId: "#soc", name: "#soc" },
      text,
      dedupeKey: `scale:${process.pid}:${++serial}`,
      replyTarget: { platform: "console", roomId: "#soc", callerId: "alice" },
    });
    return performance.now() - started;
  };
  try {
    // The caller's own incidents, older than every seeded one.
    for (let i = 0; i < Math.min(5, sizes[0] ?? 5); i++) await run(`/inc declare "Scale ${i}" sev:3`);
    await db.$executeRaw`update "Incident" set "declaredAt" = now() - interval '400 days'`;
    const [own] = await db.$queryRaw<Array<{ publicId: string }>>`
      select "publicId" from "Incident" order by "publicId" limit 1`;
    const points: ScalePoint[] = [];
    for (const size of sizes) {
      const [existing] = await db.$queryRaw<Array<{ n: number }>>`select count(*)::int as n from "Incident"`;
      const from = (existing?.n ?? 0) + 1;
      await db.$executeRaw`
        with seeder as (
          insert into "Person" (id, "displayName") values (gen_random_uuid()::text, 'Seeder') returning id)
        insert into "Incident"
          (id, "publicId", title, status, severity, restricted, tlp, "reporterId", "declaredAt", "updatedAt")
        select gen_random_uuid()::text, 'SEED-' || lpad(g::text, 7, '0'), 'Seeded incident ' || g,
               (array['triage', 'investigating', 'closed', 'closed', 'closed', 'closed', 'declined', 'recovered'])[1 + g % 8]::"IncidentStatus",
               1 + g % 4, g % 10 = 0, case when g % 10 = 0 then 'red' else 'amber' end,
               seeder.id, now() - interval '300 days' + g * interval '1 minute', now()
          from seeder, generate_series(${from}::int, ${size}::int) g`;
      await db.$executeRaw`analyze "Incident"`;
      const medianMs = {} as Record<ScaleCommand, number>;
      for (const command of SCALE_COMMANDS) {
        const text = command === "show" ? `/inc show ${own?.publicId}` : `/inc ${command}`;
        await run(text); // warm-up: plans and caches of the first call
        const samples: number[] = [];
        for (let i = 0; i < times; i++) samples.push(await run(text));
        medianMs[command] = percentile(samples, 50);
      }
      points.push({ incidents: Math.max(size, from - 1), medianMs });
    }
    return points;
  } finally {
    await app.stop();
    await database.close();
  }
}
