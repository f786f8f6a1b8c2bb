// A platform's state that survives restarts (the PlatformStateStore port of src/chat/platform.ts),
// stored as PlatformState rows keyed by (platform, key). It matches the port by shape rather than
// importing it: only the outbox, the platforms and the composition root may import the seam.
import type { Db } from "./database.ts";

export class PrismaPlatformState {
  readonly #db: Db;
  readonly #platform: string;

  /** The store of one platform (`matrix`): it sees and changes that platform's rows only. */
  constructor(db: Db, platform: string) {
    this.#db = db;
    this.#platform = platform;
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.#db.platformState.findUnique({
      where: { platform_key: { platform: this.#platform, key } },
    });
    return row?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.#db.platformState.upsert({
      where: { platform_key: { platform: this.#platform, key } },
      create: { platform: this.#platform, key, value },
      update: { value },
    });
  }

  async delete(key: string, value?: string): Promise<void> {
    await this.#db.platformState.deleteMany({
      where: { platform: this.#platform, key, ...(value === undefined ? {} : { value }) },
    });
  }

  async list(prefix: string): Promise<Array<{ key: string; value: string }>> {
    const rows = await this.#db.platformState.findMany({
      where: { platform: this.#platform, key: { startsWith: prefix } },
      orderBy: { key: "asc" },
      select: { key: true, value: true },
    });
    // startsWith becomes LIKE, where `_` and `%` in the prefix would match more than themselves.
    return rows.filter((row) => row.key.startsWith(prefix));
  }
}
