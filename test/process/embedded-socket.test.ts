import pg from "pg";
import { describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts";
import { tempRootPerFile } from "../support/temp-root.ts";
import { scaledDeadline } from "../support/waiting.ts";

const temp = tempRootPerFile("tocsin-socket-");

async function serverAddress(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ addr: string | null }>("select inet_server_addr()::text as addr");
    return rows[0]?.addr ?? null;
  } finally {
    await client.end();
  }
}

describe("embedded PostgreSQL's Unix socket", () => {
  it("is offered where its path fits, and reaches the same server", {
    timeout: scaledDeadline(60_000),
  }, async () => {
    const server = await startEmbeddedPostgres({ dataDir: temp.path("short") });
    try {
      const url = server.socketUrlFor("postgres");
      expect(url).toBeDefined();
      // No server address: the connection is not TCP.
      expect(await serverAddress(url ?? "")).toBeNull();
      expect(await serverAddress(server.urlFor("postgres"))).toBe("127.0.0.1/32");
    } finally {
      await server.stop();
    }
  });

  it("is not offered for a data directory too deep for a socket path", {
    timeout: scaledDeadline(60_000),
  }, async () => {
    const deep = temp.path("d".repeat(60), "e".repeat(40), "postgres");
    const server = await startEmbeddedPostgres({ dataDir: deep });
    try {
      expect(server.socketUrlFor("postgres")).toBeUndefined();
      expect(await serverAddress(server.urlFor("postgres"))).toBe("127.0.0.1/32");
    } finally {
      await server.stop();
    }
  });
});
