// A developer's view of SQL round trips: runs each hot command a few times through the intake
// and the router on an idle desk and prints, per command, the statements sent and the CPU this
// process used (process.cpuUsage). `node scripts/bench/round-trips-trace.ts [dataDir] [--sql]`.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { startConsoleBenchDesk } from "./console-desk.ts";

const showSql = process.argv.includes("--sql");
const dataDir =
  process.argv.slice(2).find((a) => !a.startsWith("--")) ??
  (await mkdtemp(path.join(tmpdir(), "tocsin-rt-")));
let sent: string[] = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { text?: string };
  sent.push((typeof first === "string" ? first : (first?.text ?? "?")).replace(/\s+/g, " ").slice(0, 160));
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const { database, app } = await startConsoleBenchDesk(dataDir);
let serial = 0;
const run = async (text: string) => {
  sent = [];
  const cpu0 = process.cpuUsage();
  await app.intake.handle({
    platform: "console",
    actor: { externalId: "alice", displayName: "alice" },
    room: { roomId: "#soc", name: "#soc" },
    text,
    dedupeKey: `trace:${process.pid}:${++serial}`,
    replyTarget: { platform: "console", roomId: "#soc", callerId: "alice" },
  });
  await app.intake.settled();
  const cpu = process.cpuUsage(cpu0);
  await new Promise((resolve) => setTimeout(resolve, 60));
  return { statements: [...sent], cpuMs: (cpu.user + cpu.system) / 1000 };
};
await run("/inc declare Trace warm-up sev:3");
const [counter] = await database.prisma.$queryRaw<
  Array<{ n: number }>
>`select count(*)::int as n from "Incident"`;
const id = `INC-${new Date().getUTCFullYear()}-${String(counter?.n ?? 1).padStart(4, "0")}`;
const times = Number(process.env.TRACE_TIMES ?? 20);
const kinds: Record<string, { n: number[]; cpu: number[]; last: string[] }> = {};
for (let i = 0; i < times; i++) {
  const lines: Array<[string, string]> = [
    ["declare", `/inc declare "Trace ${i}" sev:3`],
    ["note", `/inc note ${id} trace ${i}`],
    ["status", `/inc status ${id} ${i % 2 === 0 ? "investigating" : "contained"}`],
    ["list", "/inc list"],
    ["show", `/inc show ${id}`],
  ];
  for (const [kind, line] of lines) {
    const r = await run(line);
    const k = kinds[kind] ?? { n: [], cpu: [], last: [] };
    kinds[kind] = k;
    k.n.push(r.statements.length);
    k.cpu.push(r.cpuMs);
    if (r.statements.length >= Math.max(...k.n)) k.last = r.statements;
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
for (const [kind, k] of Object.entries(kinds)) {
  console.log(
    `${kind.padEnd(8)} round trips median ${median(k.n)} max ${Math.max(...k.n)}; CPU median ${median(k.cpu).toFixed(1)} ms`,
  );
  // The statements of the command that sent the most.
  if (showSql) for (const s of k.last) console.log(`    ${s}`);
}
await app.stop();
await database.close();
console.error(`data dir: ${dataDir}`);
