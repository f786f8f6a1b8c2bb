import pg from "pg";
import { expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts";
import { tempRootPerFile } from "../support/temp-root.ts";
import { scaledDeadline } from "../support/waiting.ts";

const temp = tempRootPerFile("tocsin-settings-");

it("creates WAL segments without zero-filling them, and still syncs every commit", {
  timeout: scaledDeadline(60_000),
}, async () => {
  const server = await startEmbeddedPostgres({ dataDir: temp.path("postgres") });
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
