// One PostgreSQL database shared by several tocsin processes (replica tests): on the server named
// by TOCSIN_TEST_POSTGRES_URL (CI points it at Debian's), else on an embedded server of its own.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDatabaseIfMissing } from "../../src/db/database.ts";
import { type EmbeddedServer, startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts";

export interface SharedDatabase {
  /** A folder for the processes' data dirs (traversable by the postgres user when CI is root). */
  root: string;
  databaseUrl: string;
  close(): Promise<void>;
}

export async function sharedDatabase(name: string): Promise<SharedDatabase> {
  const root = await mkdtemp(path.join(tmpdir(), `tocsin-${name}-`));
  await chmod(root, 0o755);
  const database = `${name.replace(/-/g, "_")}_${Date.now()}`;
  const external = process.env.TOCSIN_TEST_POSTGRES_URL;
  let server: EmbeddedServer | undefined;
  let databaseUrl: string;
  if (external) {
    await createDatabaseIfMissing(external, database);
    const url = new URL(external);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
  } else {
    server = await startEmbeddedPostgres({ dataDir: path.join(root, "shared-postgres") });
    await createDatabaseIfMissing(server.adminUrl, database);
    databaseUrl = server.urlFor(database);
  }
  return {
    root,
    databaseUrl,
    async close() {
      await server?.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
