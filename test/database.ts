// A fresh database per test file, cloned from the migrated template (milliseconds, not a
// migration run), on the cluster started by test/global-setup.ts.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { connectPrisma, createDatabaseIfMissing, type Db } from "../src/db/database.ts";

export interface TestDatabase {
  prisma: Db;
  url: string;
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("postgresAdminUrl");
  const name = `test_${randomBytes(6).toString("hex")}`;
  await createDatabaseIfMissing(adminUrl, name, inject("templateDatabase"));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const prisma = connectPrisma(url.toString(), 5);
  return {
    prisma,
    url: url.toString(),
    async close() {
      await prisma.$disconnect();
    },
  };
}
