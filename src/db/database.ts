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
    const migrations = await migrate(url);
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
