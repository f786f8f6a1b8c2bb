// A developer's view of list and show as the incident table grows: every statement the
// commands send (intake, router, the list or show itself, the answered mark), EXPLAIN (ANALYZE,
// BUFFERS) with the values sent, at each size; and the scans of the generic plan each prepared
// statement may switch to. `node scripts/bench/scale-plans.ts [sizes=10,10000,100000]`.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { startConsoleBenchDesk } from "./console-desk.ts";
import { SCALE_COMMANDS, scaleCommandText } from "./incident-scale.ts";
import { ageOwnIncidents, seedIncidentsUpTo } from "./incident-seed.ts";
import { explainAnalyze, genericPlanScans, isExplainable, statementsSentBy } from "./statement-plans.ts";

const sizes = (process.argv[2] ?? "10,10000,100000").split(",").map(Number);
const root = await mkdtemp(path.join(tmpdir(), "tocsin-scale-plans-"));
const { database, app } = await startConsoleBenchDesk(path.join(root, "postgres"));
const client = new pg.Client({ connectionString: database.url });
await client.connect();
let serial = 0;
const run = async (text: string) => {
  await app.intake.handle({
    platform: "console",
    actor: { externalId: "alice", displayName: "alice" },
    room: { roomId: "#soc", name: "#soc" },
    text,
    dedupeKey: `scale-plans:${++serial}`,
    replyTarget: { platform: "console", roomId: "#soc", callerId: "alice" },
  });
  await app.intake.settled();
};
try {
  for (let i = 0; i < 5; i++) await run(`/inc declare "Scale ${i}" sev:3`);
  await ageOwnIncidents(database.prisma);
  const [own] = await database.prisma.$queryRaw<Array<{ publicId: string }>>`
    select "publicId" from "Incident" order by "publicId" limit 1`;
  for (const size of sizes) {
    const incidents = await seedIncidentsUpTo(database.prisma, size);
    console.log(`\n=== ${incidents.toLocaleString("en")} incidents`);
    for (const command of SCALE_COMMANDS) {
      const text = scaleCommandText(command, own!.publicId);
      await run(text);
      const sent = (await statementsSentBy(() => run(text))).filter(isExplainable);
      let total = 0;
      console.log(`--- ${text}: ${sent.length} statements`);
      for (const statement of sent) {
        const plan = await explainAnalyze(client, statement);
        total += plan.executionMs;
        const generic = statement.values.length
          ? await genericPlanScans(client, statement).catch(() => [])
          : [];
        console.log(
          `  ${plan.executionMs.toFixed(3).padStart(8)} ms  buffers ${String(plan.buffers).padStart(5)}  rows read ${String(plan.mostRowsRead).padStart(6)}  ${statement.text.replace(/\s+/g, " ").slice(0, 110)}`,
        );
        console.log(`      custom: ${plan.scans.join("; ")}`);
        if (generic.length && generic.join() !== plan.scans.join())
          console.log(`      generic: ${generic.join("; ")}`);
      }
      console.log(`  server execution in all ${total.toFixed(3)} ms`);
    }
  }
} finally {
  await client.end();
  await app.stop();
  await database.close();
  await rm(root, { recursive: true, force: true });
}
