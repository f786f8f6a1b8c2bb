// How PostgreSQL plans tocsin's prepared hot statements (sql.ts): per statement, how often it was
// planned for its parameters (a custom plan, every call) or ran its generic plan (planned once
// per connection), from pg_prepared_statements, and the PostgreSQL backend's CPU per change.
// A developer's tool for changes to the statements' text: one connection, no Slack, no HTTP.
//
//   node scripts/bench/plan-choices.ts [status changes=400]
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import type { Origin } from "../../src/activity/origin.ts";
import { systemClock } from "../../src/clock.ts";
import { connectPrisma, createDatabaseIfMissing } from "../../src/db/database.ts";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts";
import { migrate } from "../../src/db/migrate.ts";
import { sqlOf } from "../../src/db/sql.ts";
import { sql } from "../../src/db/statement.ts";
import { Incidents } from "../../src/incidents/incidents.ts";

const changes = Number(process.argv[2] ?? 400);
const root = await mkdtemp(path.join(tmpdir(), "tocsin-plans-"));
const server = await startEmbeddedPostgres({ dataDir: path.join(root, "pg") });
try {
  await createDatabaseIfMissing(server.adminUrl, "plans");
  const url = server.urlFor("plans");
  await migrate(url);
  // One connection: pg_prepared_statements shows the statements of the session that asks.
  const prisma = connectPrisma(url, 1);
  const driver = sqlOf(prisma);
  const incidents = new Incidents(prisma, systemClock);
  const actor = await prisma.person.create({ data: { displayName: "Alice" } });
  let key = 0;
  const origin = (): Origin => ({
    actor,
    actorExternalId: "alice",
    platform: "console",
    room: { roomId: "#soc", name: "#soc" },
    correlationId: `c${key}`,
    dedupeKey: `plans-${++key}`,
  });
  const ids: string[] = [];
  for (let i = 0; i < 8; i++)
    ids.push((await incidents.declare(origin(), { title: `Plans ${i}` })).incident.id);
  const [backend] = await driver.rows(z.object({ pid: z.number() }), sql`select pg_backend_pid() as pid`);
  const cpu = async () => {
    const fields = (await readFile(`/proc/${backend?.pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  };
  const status = new Map(ids.map((id) => [id, "triage" as "triage" | "investigating" | "contained"]));
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const id = ids[i % ids.length] as string;
      const from = status.get(id) ?? "triage";
      const to = from === "investigating" ? "contained" : "investigating";
      await incidents.changeStatus(origin(), id, to, undefined, { status: from });
      status.set(id, to);
      await incidents.addEntry(origin(), id, "note", `note ${i}`);
    }
  };
  await run(40);
  const cpu0 = await cpu();
  await run(changes);
  const cpu1 = await cpu();
  console.log(
    `${changes} status changes and ${changes} notes: PostgreSQL backend ${((cpu1 - cpu0) / changes).toFixed(3)} ms CPU per (status change + note) (10 ms ticks)`,
  );
  const rows = await driver.rows(
    z.object({ generic: z.number(), custom: z.number(), statement: z.string() }),
    sql`
      select generic_plans::int as generic, custom_plans::int as custom,
             left(regexp_replace(statement, '\\s+', ' ', 'g'), 140) as statement
        from pg_prepared_statements order by custom_plans desc, generic_plans desc`,
  );
  for (const row of rows) console.log(`  generic ${row.generic}  custom ${row.custom}  ${row.statement}`);
  await prisma.$disconnect();
} finally {
  await server.stop();
  await rm(root, { recursive: true, force: true });
}
