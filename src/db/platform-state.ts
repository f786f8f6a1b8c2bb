// A platform's state that survives restarts (the PlatformStateStore port of src/chat/platform.ts),
// stored as PlatformState rows keyed by (platform, key). It matches the port by shape rather than
// importing it: only the outbox, the platforms and the composition root may import the seam.
//
// On the driver (sql.ts), not Prisma's client: Slack and Matrix read their state while they start
// and Matrix writes its sync token after every sync, and through Prisma the first of these paid
// for loading Prisma's query compiler (a WebAssembly module, ~300 ms of CPU and ~25 MB) on the
// start's critical path. A desk that only idles never loads it.
import { z } from "zod";
import type { Db } from "./database.ts";
import { type Sql, sqlOf } from "./sql.ts";
import { sql } from "./statement.ts";

const valueRow = z.object({ value: z.string() });
const entryRow = z.object({ key: z.string(), value: z.string() });

export class PrismaPlatformState {
  readonly #db: Db;
  readonly #platform: string;
  #sqlOfDb: Sql | undefined;

  /** The store of one platform (`matrix`): it sees and changes that platform's rows only. */
  constructor(db: Db, platform: string) {
    this.#db = db;
    this.#platform = platform;
  }

  get #sql(): Sql {
    this.#sqlOfDb ??= sqlOf(this.#db);
    return this.#sqlOfDb;
  }

  async get(key: string): Promise<string | undefined> {
    const [row] = await this.#sql.rows(
      valueRow,
      sql`select value from "PlatformState" where platform = ${this.#platform} and key = ${key}`,
    );
    return row?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.#sql.execute(
      sql`insert into "PlatformState" (platform, key, value, "updatedAt")
                 values (${this.#platform}, ${key}, ${value}, now())
                 on conflict (platform, key) do update set value = excluded.value, "updatedAt" = now()`,
    );
  }

  async delete(key: string, value?: string): Promise<void> {
    await this.#sql.execute(
      value === undefined
        ? sql`delete from "PlatformState" where platform = ${this.#platform} and key = ${key}`
        : sql`delete from "PlatformState"
                      where platform = ${this.#platform} and key = ${key} and value = ${value}`,
    );
  }

  async list(prefix: string): Promise<Array<{ key: string; value: string }>> {
    // starts_with, not LIKE: `_` and `%` in the prefix match only themselves.
    return this.#sql.rows(
      entryRow,
      sql`select key, value from "PlatformState"
                  where platform = ${this.#platform} and starts_with(key, ${prefix})
                  order by key`,
    );
  }
}
