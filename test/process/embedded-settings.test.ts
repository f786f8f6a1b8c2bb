// The embedded PostgreSQL's own settings (src/db/embedded-postgres.ts): what it changes from
// PostgreSQL's defaults, read back from the running server.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts";
import { scaledDeadline } from "../support/waiting.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tocsin-settings-"));
  // mkdtemp makes it 0700; the embedded PostgreSQL runs as "postgres" when the tests run as root.
  await chmod(root, 0o755);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it("creates WAL segments without zero-filling them, and still syncs every commit", {
  timeout: scaledDeadline(60_000),
}, async () => {
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, "postgres") });
  const client = new pg.Client({ connectionString: server.urlFor("postgres") });
  try {
    await client.connect();
    const setting = async (name: string) =>
      (await client.query<{ setting: string }>("select setting from pg_settings where name = $1", [name]))
        .rows[0]?.setting;
    expect(await setting("wal_init_zero")).toBe("off");
    expect(await setting("fsync")).toBe("on");
    expect(await setting("synchronous_commit")).toBe("on");
  } finally {
    await client.end();
    await server.stop();
  }
});
