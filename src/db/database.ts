// Opens tocsin's database: the embedded PostgreSQL (default) or DATABASE_URL, applies pending
// migrations, and returns a Prisma client over the pg driver adapter.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { type EmbeddedServer, startEmbeddedPostgres } from "./embedded-postgres.ts";
import { migrate } from "./migrate.ts";

export type Db = PrismaClient;
/** A Prisma interactive-transaction client: what domain code writes through inside a transaction. */
export type DbTransaction = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export interface Database {
  prisma: PrismaClient;
  url: string;
  /** Set when tocsin runs its own PostgreSQL. */
  embedded?: EmbeddedServer;
  migrations: { applied: string[]; modified: string[] };
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
}

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
    const prisma = connectPrisma(url);
    return {
      prisma,
      url,
      embedded,
      migrations,
      async close() {
        await prisma.$disconnect().catch(() => {});
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
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

export function connectPrisma(url: string, maxConnections = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: maxConnections }) });
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
