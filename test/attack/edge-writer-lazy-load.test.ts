// The alert edge loads its writer with the first alert (edge.ts, writerFor): concurrent first
// alerts share one load; a load that failed is tried again by the next alert, whichever step
// failed (the import or opening the pool and writer); close() holds with no alert ever and after
// a failed load; a sender without a valid key never causes the load.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { alertEdgeSide, edgeIntegrationOf } from "../../src/alerts/intake/edge.ts";
import { newHeldCounts } from "../../src/alerts/intake/in-flight.ts";
import { DEFAULT_ALERT_INTAKE_LIMITS } from "../../src/alerts/intake/limits.ts";
import type { EdgeSide } from "../../src/http/hand-off.ts";
import { configWithIntegrations } from "../support/alert-config.ts";

const opened = vi.hoisted(() => ({ calls: 0, failNext: 0, closed: 0, received: 0 }));
vi.mock("../../src/alerts/intake/edge-writer.ts", () => ({
  openEdgeWriter() {
    opened.calls++;
    if (opened.failNext > 0) {
      opened.failNext--;
      throw new Error("pool could not be made");
    }
    return {
      writer: {
        async receive() {
          opened.received++;
        },
      },
      async close() {
        opened.closed++;
      },
    };
  },
}));

const KEY = "a".repeat(40);

let server: Server | undefined;
let side: EdgeSide;
let base: string;

beforeEach(async () => {
  Object.assign(opened, { calls: 0, failNext: 0, closed: 0, received: 0 });
  const config = configWithIntegrations(`  - { id: prom, kind: alertmanager, team: csirt, key: ${KEY} }\n`);
  const limits = DEFAULT_ALERT_INTAKE_LIMITS;
  side = alertEdgeSide(
    {
      integrations: config.integrations.map(edgeIntegrationOf),
      limits,
      maxBufferedBytes: 1 << 20,
      inFlight: new SharedArrayBuffer(16),
      held: newHeldCounts(),
      database: { url: "postgres://nobody@127.0.0.1:1/none", timeoutMs: 1000 },
      configuration: { generations: new SharedArrayBuffer(4), generation: 0 },
    },
    {
      handOff: () => Promise.reject(new Error("not handed off in this test")),
      note: () => {},
      log: { warn: () => {}, error: () => {}, info: () => {}, debug: () => {} } as never,
    },
  );
  server = createServer((req, res) => {
    void side.serve(req, res, new URL(req.url ?? "/", "http://edge"));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  server = undefined;
});

const alert = (key = KEY) =>
  fetch(`${base}/alerts/alertmanager/${key}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      version: "4",
      groupKey: "g-lazy",
      status: "firing",
      receiver: "tocsin",
      alerts: [
        {
          status: "firing",
          fingerprint: "f1",
          labels: { alertname: "DiskFull", severity: "critical" },
          annotations: { summary: "Disk almost full" },
        },
      ],
    }),
  }).then((response) => response.status);

describe("the alert edge's lazily loaded writer", () => {
  it("is opened once for concurrent first alerts", async () => {
    const statuses = await Promise.all(Array.from({ length: 20 }, () => alert()));
    expect(statuses.every((status) => status < 300)).toBe(true);
    expect(opened.calls).toBe(1);
    expect(opened.received).toBe(20);
    await side.close?.();
    expect(opened.closed).toBe(1);
  });

  it("is tried again by the next alert after opening it failed", async () => {
    opened.failNext = 1;
    expect(await alert()).toBe(500);
    expect(await alert()).toBeLessThan(300);
    expect(opened.calls).toBe(2);
    await side.close?.();
    expect(opened.closed).toBe(1);
  });

  it("closes with no alert ever, and after a failed load", async () => {
    await expect(side.close?.()).resolves.toBeUndefined();
    opened.failNext = 1;
    expect(await alert()).toBe(500);
    await expect(side.close?.()).resolves.toBeUndefined();
    // A request still running after close() opens no pool that nothing would end.
    const calls = opened.calls;
    expect(await alert()).toBe(500);
    expect(opened.calls).toBe(calls);
  });

  it("is not loaded for a sender without a valid key", async () => {
    expect(await alert("b".repeat(40))).toBeGreaterThanOrEqual(400);
    expect(opened.calls).toBe(0);
  });
});
