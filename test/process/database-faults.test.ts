// tocsin's embedded PostgreSQL under faults, as a real process: one process per data directory,
// a PostgreSQL that dies is restarted (else tocsin exits non-zero), /healthz and /readyz tell
// the truth, and /readyz answers within 2 s while PostgreSQL hangs (SIGSTOP).
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import { tempRootPerFile } from "../support/temp-root.ts";
import { isAlive, postmasterPid, startTocsin, type TocsinProcess } from "../support/tocsin-process.ts";
import { scaledDeadline, until } from "../support/waiting.ts";

const temp = tempRootPerFile("tocsin-faults-");

async function startWithHttp(dataDir: string): Promise<{ desk: TocsinProcess; url: string }> {
  const port = await freeLoopbackPort();
  const desk = startTocsin({ TOCSIN_DATA_DIR: dataDir, HTTP_PORT: String(port), LOG_LEVEL: "info" });
  await until(() => desk.stderr().includes("tocsin ready"), "tocsin ready", 60_000);
  return { desk, url: `http://127.0.0.1:${port}` };
}

const status = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(10_000) }).then(
    (r) => r.status,
    () => 0,
  );

/**
 * Breaks the cluster's configuration so that PostgreSQL refuses to start (it reads it only at
 * start, so a running server is unaffected); returns how to mend it.
 */
async function breakConfiguration(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, "postgres", "postgresql.auto.conf");
  const original = await readFile(file, "utf8");
  await writeFile(file, `${original}\nthis is not a setting\n`);
  return () => writeFile(file, original);
}

describe("one process per data directory", () => {
  it("a second tocsin on the same data directory names the holder, exits non-zero and leaves the first's PostgreSQL alone", {
    timeout: scaledDeadline(120_000),
  }, async () => {
    const dataDir = temp.path("shared");
    const first = startTocsin({ TOCSIN_DATA_DIR: dataDir });
    first.type("/inc declare First process");
    await first.waitFor("INC-2026-0001 declared", 60_000);
    const server = await postmasterPid(dataDir);

    const second = startTocsin({ TOCSIN_DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`is in use by tocsin (pid ${first.child.pid}`);
    expect(second.stderr()).not.toContain("adopted");
    expect(isAlive(server)).toBe(true);

    // The first one is unharmed: its database still answers.
    first.type("/inc list");
    await first.waitFor("First process");
    expect(await first.finish()).toBe(0);
    expect(isAlive(server)).toBe(false);
  });
});

describe("embedded PostgreSQL faults", () => {
  it("restarts a PostgreSQL that died (503 on /healthz meanwhile), and exits 1 when it cannot", {
    timeout: scaledDeadline(240_000),
  }, async () => {
    const dataDir = temp.path("killed-postgres");
    const { desk, url } = await startWithHttp(dataDir);
    try {
      expect(await status(`${url}/healthz`)).toBe(200);
      // Killed, with a configuration that makes every restart fail until it is mended.
      let mend = await breakConfiguration(dataDir);
      process.kill((await postmasterPid(dataDir)) ?? 0, "SIGKILL");
      await until(async () => (await status(`${url}/healthz`)) === 503, "/healthz 503", 30_000);
      expect(await status(`${url}/readyz`)).toBe(503);
      await mend();
      await until(async () => (await status(`${url}/healthz`)) === 200, "/healthz 200 again", 60_000);
      desk.type("/inc declare After the restart");
      await desk.waitFor("INC-2026-0001 declared", 60_000);
      expect(desk.stderr()).toContain("embedded PostgreSQL restarted");

      mend = await breakConfiguration(dataDir);
      process.kill((await postmasterPid(dataDir)) ?? 0, "SIGKILL");
      try {
        const code = await Promise.race([
          desk.exited,
          new Promise((resolve) => setTimeout(() => resolve("still running"), scaledDeadline(90_000))),
        ]);
        expect(code).toBe(1);
        expect(desk.stderr()).toContain("the embedded PostgreSQL could not be restarted; exiting");
      } finally {
        await mend();
      }
    } finally {
      desk.child.kill("SIGKILL");
      await desk.exited;
      const orphan = await postmasterPid(dataDir);
      if (isAlive(orphan)) process.kill(orphan ?? 0, "SIGKILL");
    }
  });

  it("answers /readyz within 2 s while PostgreSQL hangs (SIGSTOP), and is ready again after SIGCONT", {
    timeout: scaledDeadline(120_000),
  }, async () => {
    const dataDir = temp.path("stopped-postgres");
    const { desk, url } = await startWithHttp(dataDir);
    const server = (await postmasterPid(dataDir)) ?? 0;
    try {
      expect(await status(`${url}/readyz`)).toBe(200);
      process.kill(server, "SIGSTOP");
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const response = await fetch(`${url}/readyz`);
        expect(performance.now() - started).toBeLessThan(2000);
        expect([response.status, await response.text()]).toEqual([503, "database not answering\n"]);
      }
      // A hung database is not a dead one: no restart, liveness holds.
      expect(await status(`${url}/healthz`)).toBe(200);
      process.kill(server, "SIGCONT");
      await until(async () => (await status(`${url}/readyz`)) === 200, "/readyz 200 again", 30_000);
      expect(await desk.finish()).toBe(0);
    } finally {
      if (isAlive(server)) process.kill(server, "SIGCONT");
      desk.child.kill("SIGKILL");
    }
  });
});
