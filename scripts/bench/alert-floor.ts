// The alerts floors: tocsin's own HTTP server class (src/http/server.ts) in a process of its own,
// with a handler on the alert endpoints' paths that reads the body and answers 202.
//
// - The floor (no BENCH_FLOOR_DATA_DIR): the handler does nothing else. What accepting an alert
//   costs before tocsin does anything with it (no parsing, no database).
// - The durable floor (BENCH_FLOOR_DATA_DIR set): the 202 waits until the body is committed, as
//   tocsin's does. An embedded PostgreSQL of its own, started as tocsin starts its own
//   (src/db/embedded-postgres.ts, the same settings), and tocsin's group commit
//   (src/alerts/group-commit.ts) writing each batch's bodies in one insert into a table with only
//   a primary key. What an answer that waits for a durable commit costs on this machine, with
//   nothing of tocsin's parsing, folding, dedupe or paging: when this floor's p99 misses a goal
//   in the same phase as tocsin's, the machine (its disk and cores), not tocsin, set the tail.
//   BENCH_PORT, BENCH_FLOOR_DATA_DIR
import type { IncomingMessage } from "node:http";
import pg from "pg";
import { GroupCommit } from "../../src/alerts/group-commit.ts";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts";
import { HttpServer, type RouteHandler, sendText } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logging.ts";

function read(req: IncomingMessage, keep: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      if (keep) chunks.push(chunk);
    });
    req.on("end", () => resolve(keep ? Buffer.concat(chunks).toString("utf8") : ""));
    req.on("error", reject);
  });
}

const dataDir = process.env.BENCH_FLOOR_DATA_DIR;
let stopDatabase = async () => {};
let commit: ((body: string) => Promise<void>) | undefined;
if (dataDir) {
  const embedded = await startEmbeddedPostgres({ dataDir });
  const url = embedded.socketUrlFor("postgres") ?? embedded.urlFor("postgres");
  // Two connections, as the edge's writer has (src/alerts/intake/edge-writer.ts).
  const pool = new pg.Pool({ connectionString: url, max: 2, idleTimeoutMillis: 0 });
  await pool.query(
    "create table if not exists floor_alert (id bigint generated always as identity primary key, body text not null)",
  );
  const commits = new GroupCommit<string>(
    async (bodies) => {
      // One statement outside a transaction block: one commit, one WAL flush, per batch.
      await pool.query("insert into floor_alert (body) select unnest($1::text[])", [bodies]);
    },
    { maxItems: 500, isFatal: () => true },
  );
  commit = (body) => commits.submit([body]);
  stopDatabase = async () => {
    await commits.idle();
    await pool.end();
    await embedded.stop();
  };
}

const server = new HttpServer(silentLogger);
const handler: RouteHandler = async (req, res) => {
  const body = await read(req, commit !== undefined);
  if (commit) await commit(body);
  sendText(res, 202, "{}\n", "application/json");
};
server.route("POST", "/alerts/alertmanager/*", handler);
server.route("POST", "/v2/enqueue", handler);
await server.listen(Number(process.env.BENCH_PORT), "127.0.0.1");
process.stdout.write("ready\n");
process.on(
  "SIGTERM",
  () =>
    void server
      .close()
      .then(stopDatabase)
      .then(() => process.exit(0)),
);
