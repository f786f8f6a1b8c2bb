// pg_stat_statements on tocsin's embedded PostgreSQL, for the developer's measuring scripts
// (cpu-per-command.ts, alert-profile.ts with BENCH_PG_STATS=1): where PostgreSQL's time per unit
// of work goes, statement by statement, planning apart from execution.
import { appendFile, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/** Loads the library from the cluster's next start on (the cluster must exist: start tocsin once). */
export async function preloadPgStats(postgresDir: string): Promise<void> {
  await appendFile(
    path.join(postgresDir, "postgresql.auto.conf"),
    "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_planning = on\n",
  );
}

export interface PgStats {
  /** Sessions opened on tocsin's database so far. */
  sessions(): Promise<number>;
  reset(): Promise<void>;
  /** The top statements by plan + exec time, per `unit` (an answered command, an accepted alert). */
  print(per: number, unit: string): Promise<void>;
  end(): Promise<void>;
}

/** Connects to the running cluster in `postgresDir` as its superuser and creates the extension. */
export async function connectPgStats(postgresDir: string): Promise<PgStats> {
  const password = (await readFile(`${postgresDir}.password`, "utf8")).trim();
  const pgPort = /^(\d+)$/m.exec(
    (await readFile(path.join(postgresDir, "postmaster.pid"), "utf8")).split("\n")[3] ?? "",
  )?.[1];
  const client = new pg.Client({
    connectionString: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/tocsin`,
  });
  await client.connect();
  await client.query("create extension if not exists pg_stat_statements");
  return {
    async sessions() {
      const { rows } = await client.query("select sessions from pg_stat_database where datname = 'tocsin'");
      return Number(rows[0]?.sessions);
    },
    async reset() {
      await client.query("select pg_stat_statements_reset()");
    },
    async print(per, unit) {
      const { rows } = await client.query(`
        select calls, plans, total_plan_time as plan, total_exec_time as exec, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as query
          from pg_stat_statements where dbid = (select oid from pg_database where datname = 'tocsin')
         order by total_plan_time + total_exec_time desc limit 15`);
      console.log(
        `PostgreSQL statements: calls per ${unit}, plan + exec ms per ${unit}, plan/exec ms per call, plannings per call`,
      );
      for (const row of rows)
        console.log(
          `  ${(row.calls / per).toFixed(2)}  ${((row.plan + row.exec) / per).toFixed(3)}  ${(row.plan / row.calls).toFixed(3)}/${(row.exec / row.calls).toFixed(3)}  ${(row.plans / row.calls).toFixed(2)}  ${row.query}`,
        );
    },
    end: () => client.end(),
  };
}
