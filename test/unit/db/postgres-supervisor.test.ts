// The supervisor of the embedded PostgreSQL, with a stand-in server: restarts with backoff,
// reports down meanwhile, gives up after its attempts.
import { describe, expect, it } from "vitest";
import type { EmbeddedServer } from "../../../src/db/embedded-postgres.ts";
import { PostgresSupervisor } from "../../../src/db/postgres-supervisor.ts";
import { until } from "../../support/waiting.ts";

function fakeServer(port: number): EmbeddedServer & { alive: boolean } {
  const server = {
    alive: true,
    adminUrl: "",
    port,
    dataDir: "/nowhere",
    origin: "created" as const,
    urlFor: () => "",
    socketUrlFor: () => undefined,
    isRunning: async () => server.alive,
    stop: async () => {
      server.alive = false;
    },
  };
  return server;
}

describe("PostgreSQL supervisor", () => {
  it("restarts a dead server on its port and is down only meanwhile", async () => {
    const first = fakeServer(5433);
    let allowRestart = false;
    const restarted: number[] = [];
    const supervisor = new PostgresSupervisor({
      server: first,
      restart: async (previous) => {
        if (!allowRestart) throw new Error("port in use");
        restarted.push(previous.port);
        return fakeServer(previous.port);
      },
      onGiveUp: () => expect.unreachable("gave up"),
      pollMs: 10,
      backoffMs: [10, 50, 100, 200, 5000],
    });
    supervisor.start();
    expect(supervisor.down).toBeUndefined();
    first.alive = false;
    await until(() => supervisor.down, "down", 5000);
    allowRestart = true;
    await until(() => supervisor.down === undefined, "up again", 10_000);
    expect(restarted).toEqual([5433]);
    expect(supervisor.server).not.toBe(first);
    await supervisor.stop();
  });

  it("gives up after its attempts", async () => {
    const server = fakeServer(5434);
    let attempts = 0;
    let gaveUp: Error | undefined;
    const supervisor = new PostgresSupervisor({
      server,
      restart: async () => {
        attempts++;
        throw new Error(`attempt ${attempts} failed`);
      },
      onGiveUp: (error) => {
        gaveUp = error;
      },
      pollMs: 10,
      backoffMs: [5, 5, 5],
    });
    supervisor.start();
    server.alive = false;
    await until(() => gaveUp, "giving up", 5000);
    expect(attempts).toBe(3);
    expect(gaveUp?.message).toBe("attempt 3 failed");
    expect(supervisor.down).toContain("could not be restarted");
    await supervisor.stop();
  });
});
