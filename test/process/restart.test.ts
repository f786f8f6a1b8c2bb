// tocsin as a real process: data survives restarts, also after kill -9 left the embedded
// PostgreSQL running, and an external PostgreSQL URL works the same.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createDatabaseIfMissing } from "../../src/db/database.ts";
import { type EmbeddedServer, startEmbeddedPostgres } from "../../src/db/embedded-postgres.ts";
import { tempRootPerFile } from "../support/temp-root.ts";
import { isAlive, postmasterPid, startTocsin, waitUntilReady } from "../support/tocsin-process.ts";
import { scaledDeadline } from "../support/waiting.ts";

const temp = tempRootPerFile("tocsin-process-");

describe("tocsin process", () => {
  it("creates its embedded database, keeps data across a clean restart and stops PostgreSQL on exit", async () => {
    const dataDir = temp.path("clean");
    const first = startTocsin({ TOCSIN_DATA_DIR: dataDir });
    first.type('/inc declare "Leaked credentials" sev:2 class:data-leak');
    first.type("/inc note INC-2026-0001 found on a paste site");
    expect(await first.finish()).toBe(0);
    expect(first.stdout()).toContain("INC-2026-0001 declared: Leaked credentials");
    expect(isAlive(await postmasterPid(dataDir))).toBe(false);

    const second = startTocsin({ TOCSIN_DATA_DIR: dataDir });
    second.type("/inc list");
    second.type("/inc timeline INC-2026-0001");
    second.type("/inc declare Second");
    expect(await second.finish()).toBe(0);
    const out = second.stdout();
    expect(out).toMatch(/INC-2026-0001\s+SEV2\s+triage\s+TLP:AMBER\s+Leaked credentials/);
    expect(out).toContain("[note] alice: found on a paste site");
    expect(out).toContain("INC-2026-0002 declared: Second");
  });

  it("after kill -9 adopts the PostgreSQL left running and loses nothing that was acknowledged", async () => {
    const dataDir = temp.path("killed");
    const first = startTocsin({ TOCSIN_DATA_DIR: dataDir });
    first.type("/inc declare Ransomware on file server sev:1 tlp:red");
    await first.waitFor("INC-2026-0001 declared");
    first.type("/inc task INC-2026-0001 isolate the file server");
    await first.waitFor("task #1 added");
    first.child.kill("SIGKILL");
    await first.exited;
    const orphan = await postmasterPid(dataDir);
    expect(isAlive(orphan)).toBe(true);

    const second = startTocsin({ TOCSIN_DATA_DIR: dataDir, LOG_LEVEL: "info" });
    second.type("/inc tasks INC-2026-0001");
    second.type("/inc show INC-2026-0001");
    expect(await second.finish()).toBe(0);
    expect(second.stdout()).toContain("[ ] #1 isolate the file server");
    expect(second.stdout()).toContain("Severity:       SEV1 (critical)");
    expect(second.stdout()).toContain("TLP:            TLP:RED");
    expect(second.stderr()).toContain('"database":"adopted"');
    // The adopted server is stopped on exit like one tocsin started itself.
    expect(isAlive(orphan)).toBe(false);
  });

  it("on SIGTERM finishes what it accepted, stops its PostgreSQL and exits cleanly", async () => {
    const dataDir = temp.path("sigterm");
    const first = startTocsin({ TOCSIN_DATA_DIR: dataDir });
    first.type("/inc declare Before the signal");
    await first.waitFor("INC-2026-0001 declared");
    const server = await postmasterPid(dataDir);
    first.type("/inc declare During the signal");
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(isAlive(server)).toBe(false);

    const second = startTocsin({ TOCSIN_DATA_DIR: dataDir });
    second.type("/inc list");
    expect(await second.finish()).toBe(0);
    expect(second.stdout()).toContain("Before the signal");
    // The second declaration either happened whole (with its room) or not at all.
    if (second.stdout().includes("During the signal")) {
      expect(first.stdout()).toContain("INC-2026-0002 declared: During the signal");
    }
  });

  it("works on an external PostgreSQL given by DATABASE_URL, without starting its own", async () => {
    let external: EmbeddedServer | undefined;
    try {
      // A separate server stands in for a managed PostgreSQL.
      external = await startEmbeddedPostgres({ dataDir: temp.path("external", "cluster") });
      await createDatabaseIfMissing(external.adminUrl, "tocsin_prod");
      const dataDir = temp.path("external-client");
      const desk = startTocsin({ TOCSIN_DATA_DIR: dataDir, DATABASE_URL: external.urlFor("tocsin_prod") });
      desk.type("/inc declare DDoS on the web shop sev:2 class:ddos");
      expect(await desk.finish()).toBe(0);
      expect(desk.stdout()).toContain("INC-2026-0001 declared: DDoS on the web shop");
      expect(existsSync(path.join(dataDir, "postgres"))).toBe(false);

      const client = new pg.Client({ connectionString: external.urlFor("tocsin_prod") });
      await client.connect();
      const { rows } = await client.query(`select "publicId", "rsitType" from "Incident"`);
      await client.end();
      expect(rows).toEqual([{ publicId: "INC-2026-0001", rsitType: "ddos" }]);
    } finally {
      await external?.stop();
    }
  });

  it("refuses a bad environment with a clear message and no stack trace", async () => {
    const desk = startTocsin({ TOCSIN_DATA_DIR: temp.path("bad"), DATABASE_URL: "mysql://nope" });
    expect(await desk.finish()).toBe(2);
    expect(desk.stderr()).toContain("DATABASE_URL (value not shown) is not a PostgreSQL URL");
    expect(desk.stderr()).not.toMatch(/\n\s+at /);
  });

  it("retries an unreachable database for TOCSIN_DB_WAIT, then says clearly what is wrong", async () => {
    const started = Date.now();
    const desk = startTocsin({
      TOCSIN_DATA_DIR: temp.path("unreachable"),
      DATABASE_URL: "postgresql://tocsin:pw@127.0.0.1:9/tocsin",
      TOCSIN_DB_WAIT: "2s",
    });
    expect(await desk.finish()).toBe(1);
    expect(Date.now() - started).toBeGreaterThan(1800);
    expect(desk.stderr()).toContain("database not reachable yet; retrying");
    expect(desk.stderr()).toContain("tocsin cannot start: the database at DATABASE_URL is not usable");
  });
});

describe("embedded PostgreSQL as root", () => {
  it.runIf(process.getuid?.() === 0)(
    "explains when the postgres user cannot reach the data directory",
    async () => {
      const closed = await mkdtemp(path.join(tmpdir(), "tocsin-closed-"));
      try {
        const desk = startTocsin({ TOCSIN_DATA_DIR: path.join(closed, "deep", "data") });
        expect(await desk.finish()).toBe(1);
        expect(desk.stderr()).toContain(
          `the system user "postgres" when tocsin runs as root, and that user cannot enter ${closed}`,
        );
        expect(desk.stderr()).toContain("Set TOCSIN_DATA_DIR");
      } finally {
        await rm(closed, { recursive: true, force: true });
      }
    },
  );
});

describe("HTTP server", () => {
  // A first start creates the cluster (initdb), which alone can take tens of seconds under load.
  it("answers health and readiness on HTTP_PORT", { timeout: scaledDeadline(60_000) }, async () => {
    const { freeLoopbackPort } = await import("../../src/db/embedded-postgres.ts");
    const port = await freeLoopbackPort();
    const desk = startTocsin({
      TOCSIN_DATA_DIR: temp.path("http"),
      HTTP_PORT: String(port),
      LOG_LEVEL: "info",
    });
    try {
      await waitUntilReady(desk, `http://127.0.0.1:${port}`, 40_000);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect([health.status, await health.text()]).toEqual([200, "ok\n"]);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect([ready.status, await ready.text()]).toEqual([200, "ready\n"]);
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
      desk.type("/inc declare Metrics check");
      desk.type("/inc stauts");
      await desk.waitFor('has no command "stauts"');
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain(
        'tocsin_commands_total{platform="console",command="inc declare",outcome="ok"} 1',
      );
      expect(metrics).toContain(
        'tocsin_commands_total{platform="console",command="unknown",outcome="refused"} 1',
      );
      expect(metrics).toMatch(/tocsin_process_resident_memory_bytes \d+/);
    } finally {
      // The refused `/inc stauts` makes the piped script exit 1 (every line is still handled).
      expect(await desk.finish()).toBe(1);
    }
  });
});
