// One embedded PostgreSQL cluster per test run, with a migrated template database that each
// test file clones into a fresh database of its own (test/database.ts). Only the projects that
// need a database (vitest.config.ts) run this, so `npm run test:unit` starts no PostgreSQL.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { createDatabaseIfMissing } from "../src/db/database.ts";
import { type EmbeddedServer, startEmbeddedPostgres } from "../src/db/embedded-postgres.ts";
import { migrate } from "../src/db/migrate.ts";

export const TEMPLATE_DATABASE = "tocsin_template";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
  }
}

interface SharedCluster {
  server: EmbeddedServer;
  root: string;
  users: number;
}

// Global setups run in vitest's main process, once for each project that needs a database
// (integration, platform); the projects share one cluster through this slot, started by the
// first and stopped by the last teardown.
const SLOT = Symbol.for("tocsin.test.postgres");
type Slot = { [SLOT]?: Promise<SharedCluster> };

async function startCluster(): Promise<SharedCluster> {
  const root = await mkdtemp(path.join(tmpdir(), "tocsin-test-"));
  const server = await startEmbeddedPostgres({
    dataDir: path.join(root, "postgres"),
    // Throwaway data: durability buys nothing here and costs seconds.
    extraFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
  });
  await createDatabaseIfMissing(server.adminUrl, TEMPLATE_DATABASE);
  await migrate(server.urlFor(TEMPLATE_DATABASE));
  return { server, root, users: 0 };
}

export default async function setup(project: TestProject) {
  const slot = globalThis as Slot;
  slot[SLOT] ??= startCluster();
  const cluster = await slot[SLOT];
  cluster.users += 1;
  project.provide("postgresAdminUrl", cluster.server.adminUrl);
  project.provide("templateDatabase", TEMPLATE_DATABASE);
  return async () => {
    cluster.users -= 1;
    if (cluster.users > 0) return;
    delete slot[SLOT];
    await cluster.server.stop();
    await rm(cluster.root, { recursive: true, force: true });
  };
}
