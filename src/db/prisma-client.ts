// Prisma's client over the pg driver adapter: imported on first use only (lazy-prisma.ts), since
// its runtime (query compiler, client class) costs about 150 ms of CPU and memory for the life
// of the process, and nothing tocsin does at start or on its hot paths needs it.
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { Prisma, PrismaClient } from "../generated/prisma/client.ts";

export { Prisma };

/** A client on `pool`; the pool stays its owner's to close (lazy-prisma.ts closes it once). */
export function createPrismaClient(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: false }) });
}
