// Opens tocsin's database: the embedded PostgreSQL (default) or DATABASE_URL, applies pending
// migrations, and returns a Prisma client over the pg driver adapter (made on its first use:
// lazy-prisma.ts) beside the pool the hot statements run on (sql.ts).
import pg from "pg";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { type EmbeddedServer, startEmbeddedPostgres } from "./embedded-postgres.ts";
import { lazyPrismaClient } from "./lazy-prisma.ts";
import { migrate } from "./migrate.ts";
import { PostgresSupervisor } from "./postgres-supervisor.ts";
import { newPool, registerPool } from "./sql.ts";

export type Db = PrismaClient;
/** A Prisma interactive-transaction client: what domain code writes through inside a transaction. */
export type DbTransaction = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export interface Database {
  prisma: PrismaClient;
  url: string;
  /** Set when tocsin runs its own PostgreSQL. */
  embedded?: EmbeddedServer;
  migrations: { applied: string[]; modified: string[] };
  /** Why the database tocsin runs itself is down (being restarted), or undefined. */
  down(): string | undefined;
  /** A cheap round trip on a connection of its own, bounded by `timeoutMs` (readiness). */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  /**
   * How long to keep trying an external database that is not reachable yet (it may be starting
   * alongside tocsin, or failing over); 0 tries once.
   */
  waitMs?: number;
  /** Told about each failed attempt, with the delay before the next. */
  onRetry?: (error: Error, delayMs: number) => void;
  embeddedDataDir: string;
  embeddedPort?: number;
  log?: (line: string) => void;
  /** Longest a statement may run, and a query wait for its answer; default 30 s. */
  timeoutMs?: number;
  /** The embedded PostgreSQL died and could not be restarted: tocsin should exit. */
  onEmbeddedGiveUp?: (error: Error) => void;
  /** What the supervisor of the embedded PostgreSQL has to say (restarts). */
  supervisorLog?: ConstructorParameters<typeof PostgresSupervisor>[0]["log"];
}

export const DEFAULT_TIMEOUT_MS = 30_000;

const EMBEDDED_DATABASE = "tocsin";

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  let embedded: EmbeddedServer | undefined;
  let url = options.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: options.embeddedDataDir,
      port: options.embeddedPort,
      log: options.log,
    });
    await createDatabaseIfMissing(embedded.adminUrl, EMBEDDED_DATABASE);
    url = embedded.urlFor(EMBEDDED_DATABASE);
  }
  try {
    const migrations = await retryWhileUnreachable(() => migrate(url), options.waitMs ?? 0, options.onRetry);
    // The pool of the embedded server goes over its Unix socket where it has one (cheaper per
    // statement); migrations and the readiness ping keep the TCP address.
    const prisma = connectPrisma(embedded?.socketUrlFor(EMBEDDED_DATABASE) ?? url, 10, options.timeoutMs);
    const supervisor =
      embedded &&
      new PostgresSupervisor({
        server: embedded,
        restart: (previous) =>
          startEmbeddedPostgres({
            dataDir: options.embeddedDataDir,
            port: previous.port,
            log: options.log,
          }),
        onGiveUp: (error) => options.onEmbeddedGiveUp?.(error),
        log: options.supervisorLog,
      });
    supervisor?.start();
    const databaseUrl = url;
    return {
      prisma,
      url,
      get embedded() {
        return supervisor?.server ?? embedded;
      },
      migrations,
      down: () => supervisor?.down,
      ping: (timeoutMs) => ping(databaseUrl, timeoutMs),
      async close() {
        await supervisor?.stop();
        await prisma.$disconnect().catch(() => {});
        await (supervisor?.server ?? embedded)?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** `select 1` on a fresh connection, so a hung server never holds one of the pool's. */
async function ping(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A connection that dies after the answer must not become an uncaught 'error' event.
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    void client.end().catch(() => {});
    // end() waits for the server's goodbye, which a stopped server never sends.
    const socket = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection;
    setTimeout(() => socket?.stream?.destroy(), timeoutMs).unref();
  }
}

/** Errors meaning "not reachable (yet)", as opposed to a wrong password or a broken migration. */
const TRANSIENT = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P03",
]);

async function retryWhileUnreachable<T>(
  attempt: () => Promise<T>,
  waitMs: number,
  onRetry?: (error: Error, delayMs: number) => void,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      const wait = Math.min(delay, deadline - Date.now());
      if (!TRANSIENT.has(code) || wait <= 0) throw error;
      onRetry?.(error as Error, wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/**
 * Every call is bounded: the server cancels a statement after `timeoutMs`, and the client gives
 * up on an answer a little later (a hung or stopped server never answers at all), so no command
 * or job waits on the database forever.
 */
export function connectPrisma(
  url: string,
  maxConnections = 10,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): PrismaClient {
  // One pool for the hot statements on the driver (sql.ts) and Prisma's adapter, made now: the
  // driver works without Prisma, whose client is made on first use. $disconnect closes the pool.
  const settings = { url, timeoutMs };
  const pool = newPool(settings, maxConnections);
  const client = lazyPrismaClient(pool);
  registerPool(client, pool, settings);
  return client;
}

export async function createDatabaseIfMissing(
  adminUrl: string,
  name: string,
  template?: string,
): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) {
      const from = template ? ` template ${client.escapeIdentifier(template)}` : "";
      await client.query(`create database ${client.escapeIdentifier(name)}${from}`);
    }
  } finally {
    await client.end();
  }
}
