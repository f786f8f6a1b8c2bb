// One embedded PostgreSQL cluster per test run, with a migrated template database that each
// test file clones into a fresh database of its own (test/database.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { createDatabaseIfMissing } from "../src/db/database.ts";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.ts";
import { migrate } from "../src/db/migrate.ts";

export const TEMPLATE_DATABASE = "tocsin_template";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  const root = await mkdtemp(path.join(tmpdir(), "tocsin-test-"));
  const server = await startEmbeddedPostgres({
    dataDir: path.join(root, "postgres"),
    // Throwaway data: durability buys nothing here and costs seconds.
    extraFlags: ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
  });
  await createDatabaseIfMissing(server.adminUrl, TEMPLATE_DATABASE);
  await migrate(server.urlFor(TEMPLATE_DATABASE));
  project.provide("postgresAdminUrl", server.adminUrl);
  project.provide("templateDatabase", TEMPLATE_DATABASE);
  return async () => {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  };
}
