// `list` and `show` as the incident table grows: the same commands timed at 10, 10,000 and
// 100,000 incidents, which stay flat when every query is bounded by an index and a LIMIT.
// In this process, through the app's intake and the router with the console platform (as the
// round trips are counted), each size on a database (and PostgreSQL) of its own, seeded by
// incident-seed.ts.
//
// The medians are a few milliseconds, and a loaded machine moves them by more than the 2x
// margin from one minute to the next; so the sizes are measured in alternation, sample by
// sample (which size goes first rotates), in several rounds, and every sample is kept. Beside
// the wall time, each round takes the server's execution time of the command's statements
// (EXPLAIN ANALYZE of each, with the values it was sent with): the part that grows with the
// table, if anything does, apart from what the machine adds.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startConsoleBenchDesk } from "./console-desk.ts";
import { ageOwnIncidents, seedIncidentsUpTo } from "./incident-seed.ts";
import { explainAnalyze, isExplainable, statementsSentBy } from "./statement-plans.ts";
import { percentile, printTable, type Spread, spread } from "./stats.ts";

export const SCALE_COMMANDS = ["list", "list all", "list mine", "show"] as const;
export type ScaleCommand = (typeof SCALE_COMMANDS)[number];

/** The line typed for `command`; `show` shows one of the caller's own incidents. */
export function scaleCommandText(command: ScaleCommand, ownPublicId: string): string {
  return command === "show" ? `/inc show ${ownPublicId}` : `/inc ${command}`;
}

export interface ScaleFigures {
  /** Median of every sample of every round (ms). */
  medianMs: number;
  /** min / median / max of the rounds' medians (ms). */
  rounds: Spread;
  samples: number;
  /** This process's CPU per command (tocsin's side: intake, router, driver, rendering), median of every sample (ms). */
  cpuMs: number;
  /** Server-side execution of the command's statements, min / median / max over the rounds (ms). */
  serverMs: Spread;
  /** How many statements the command sent (the last round's). */
  statements: number;
}

export interface ScalePoint {
  incidents: number;
  figures: Record<ScaleCommand, ScaleFigures>;
}

interface SizedDesk {
  incidents: number;
  own: string;
  /** Runs the command; its wall time and this process's CPU time meanwhile (ms). */
  run(text: string): Promise<{ ms: number; cpuMs: number }>;
  /** The answered mark is written in a batch after the answer: now, so it is counted too. */
  settled(): Promise<void>;
  explainClient: pg.Client;
  close(): Promise<void>;
}

async function sizedDesk(dataDir: string, size: number): Promise<SizedDesk> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  const { database, app } = await startConsoleBenchDesk(dataDir);
  const db = database.prisma;
  let serial = 0;
  const run = async (text: string) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    await app.intake.handle({
      platform: "console",
      actor: { externalId: "alice", displayName: "alice" },
      room: { roomId: "#soc", name: "#soc" },
      text,
      dedupeKey: `scale:${process.pid}:${size}:${++serial}`,
      replyTarget: { platform: "console", roomId: "#soc", callerId: "alice" },
    });
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { ms, cpuMs: (used.user + used.system) / 1000 };
  };
  const explainClient = new pg.Client({ connectionString: database.url });
  try {
    for (let i = 0; i < Math.min(5, size); i++) await run(`/inc declare "Scale ${i}" sev:3`);
    await ageOwnIncidents(db);
    const [own] = await db.$queryRaw<Array<{ publicId: string }>>`
      select "publicId" from "Incident" order by "publicId" limit 1`;
    const incidents = await seedIncidentsUpTo(db, size);
    await explainClient.connect();
    return {
      incidents,
      own: own?.publicId ?? "INC-0000-0001",
      run,
      settled: () => app.intake.settled(),
      explainClient,
      async close() {
        await explainClient.end().catch(() => {});
        await app.stop();
        await database.close();
      },
    };
  } catch (error) {
    await explainClient.end().catch(() => {});
    await app.stop();
    await database.close();
    throw error;
  }
}

/** The server's execution time of every statement one run of `text` sends (ms), and how many. */
async function serverTime(desk: SizedDesk, text: string): Promise<{ ms: number; statements: number }> {
  const sent = await statementsSentBy(async () => {
    await desk.run(text);
    await desk.settled();
  });
  let ms = 0;
  for (const statement of sent.filter(isExplainable))
    ms += (await explainAnalyze(desk.explainClient, statement)).executionMs;
  return { ms, statements: sent.length };
}

export async function measureIncidentScale(
  dataDir: string,
  sizes: readonly number[],
  options: { times: number; rounds: number },
): Promise<ScalePoint[]> {
  const desks: SizedDesk[] = [];
  try {
    for (const size of sizes) desks.push(await sizedDesk(path.join(dataDir, String(size)), size));
    // samples[desk][command][round] = the round's samples (ms).
    const samples = desks.map(() => SCALE_COMMANDS.map(() => [] as number[][]));
    const cpu = desks.map(() => SCALE_COMMANDS.map(() => [] as number[]));
    const server = desks.map(() => SCALE_COMMANDS.map(() => [] as number[]));
    const statements = desks.map(() => SCALE_COMMANDS.map(() => 0));
    // Warm-up, once per desk and command: the first call's plans and caches.
    for (const desk of desks)
      for (const command of SCALE_COMMANDS) await desk.run(scaleCommandText(command, desk.own));
    for (let round = 0; round < options.rounds; round++) {
      for (const [c, command] of SCALE_COMMANDS.entries()) {
        for (const perDesk of samples) perDesk[c]!.push([]);
        for (let i = 0; i < options.times; i++) {
          // Every size once per step, the first one rotating: none is always measured first.
          for (let k = 0; k < desks.length; k++) {
            const d = (k + i + round) % desks.length;
            const desk = desks[d]!;
            const sample = await desk.run(scaleCommandText(command, desk.own));
            samples[d]![c]![round]!.push(sample.ms);
            cpu[d]![c]!.push(sample.cpuMs);
          }
        }
        for (const [d, desk] of desks.entries()) {
          const measured = await serverTime(desk, scaleCommandText(command, desk.own));
          server[d]![c]!.push(measured.ms);
          statements[d]![c] = measured.statements;
        }
      }
    }
    return desks.map((desk, d) => ({
      incidents: desk.incidents,
      figures: Object.fromEntries(
        SCALE_COMMANDS.map((command, c) => {
          const rounds = samples[d]![c]!;
          return [
            command,
            {
              medianMs: percentile(rounds.flat(), 50),
              rounds: spread(rounds.map((values) => percentile(values, 50))),
              samples: rounds.flat().length,
              cpuMs: percentile(cpu[d]![c]!, 50),
              serverMs: spread(server[d]![c]!),
              statements: statements[d]![c]!,
            },
          ];
        }),
      ) as Record<ScaleCommand, ScaleFigures>,
    }));
  } finally {
    for (const desk of desks) await desk.close();
  }
}

/** Issue 14's goal: every command's median at the largest size within 2x of its median at the smallest. */
export function scaleGoal(points: ScalePoint[]): { goal: string; measured: string; met: boolean } {
  const first = points[0]!;
  const last = points.at(-1)!;
  const ratio = (c: ScaleCommand) => last.figures[c].medianMs / first.figures[c].medianMs;
  const serverRatio = (c: ScaleCommand) => last.figures[c].serverMs.median / first.figures[c].serverMs.median;
  const worst = SCALE_COMMANDS.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
  const worstServer = Math.max(...SCALE_COMMANDS.map(serverRatio));
  const worstCpu = Math.max(...SCALE_COMMANDS.map((c) => last.figures[c].cpuMs / first.figures[c].cpuMs));
  return {
    goal: `list/show flat at ${last.incidents.toLocaleString("en")} incidents (<= 2x at ${first.incidents})`,
    measured: `worst ${ratio(worst).toFixed(2)}x (${worst}); CPU worst ${worstCpu.toFixed(2)}x, server-side worst ${worstServer.toFixed(2)}x`,
    met: SCALE_COMMANDS.every((c) => ratio(c) <= 2),
  };
}

export function printScaleTable(points: ScalePoint[], options: { times: number; rounds: number }): void {
  printTable(
    `list and show as incidents accumulate (ms, in-process through the intake with the console platform; median of every sample [min / median / max of the ${options.rounds} rounds' medians], ${options.times} samples per round, sizes alternating; CPU: this process's per command, median; server: EXPLAIN ANALYZE execution of the command's statements (answered mark included), median of the rounds; st.: statements sent)`,
    ["incidents", ...SCALE_COMMANDS.flatMap((c) => [c, `${c} CPU / server`]), "samples each"],
    points.map((point) => [
      point.incidents.toLocaleString("en"),
      ...SCALE_COMMANDS.flatMap((c) => {
        const f = point.figures[c];
        return [
          `${f.medianMs.toFixed(1)} [${f.rounds.min.toFixed(1)} / ${f.rounds.median.toFixed(1)} / ${f.rounds.max.toFixed(1)}]`,
          `${f.cpuMs.toFixed(1)} / ${f.serverMs.median.toFixed(2)} (${f.statements} st.)`,
        ];
      }),
      String(point.figures.list.samples),
    ]),
  );
}
