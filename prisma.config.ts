// Prisma CLI configuration. Prisma 6.19 with the JS engine works offline (Prisma 7's CLI and the
// classic engines download native binaries at run time, which these machines cannot).
// The CLI is only used to `generate` the client and `migrate diff` new migrations; start-up
// applies migrations itself (src/db/migrate.ts) because `migrate deploy` through the wasm engine
// takes ~12 s.
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  engine: "js",
  experimental: { adapter: true },
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL ?? "" });
  },
});
