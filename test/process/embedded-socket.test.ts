// The embedded PostgreSQL also listens on a Unix socket in its data directory when the socket's
// path fits (cheaper per statement than loopback TCP); tocsin's pool uses it, and a data
// directory too deep for a socket path keeps TCP only.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts";
import { scaledDeadline } from "../support/waiting.ts";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tocsin-socket-"));
  // mkdtemp makes it 0700; the embedded PostgreSQL runs as "postgres" when the tests run as root.
  await chmod(root, 0o755);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

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
    const server = await startEmbeddedPostgres({ dataDir: path.join(root, "short") });
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
    const deep = path.join(root, "d".repeat(60), "e".repeat(40), "postgres");
    const server = await startEmbeddedPostgres({ dataDir: deep });
    try {
      expect(server.socketUrlFor("postgres")).toBeUndefined();
      expect(await serverAddress(server.urlFor("postgres"))).toBe("127.0.0.1/32");
    } finally {
      await server.stop();
    }
  });
});
