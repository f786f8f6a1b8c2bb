// GET /metrics of a real desk after some work: pages are counted, and the output is valid for
// Prometheus as its own `promtool check metrics` sees it (CI installs Debian's prometheus
// package for promtool; elsewhere the check runs where promtool is installed).
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConsoleDesk } from "../support/console-desk.ts";
import { startOncallDesk } from "./oncall/fixture.ts";

const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" });
const havePromtool = promtool.status === 0;

let desk: ConsoleDesk;
let metrics: string;

beforeAll(async () => {
  desk = await startOncallDesk();
  await desk.type("/inc declare Webshop defacement sev:3");
  await desk.type("/oncall page csirt VPN brute force");
  // The same page again within the merge window is merged into the first, not a new page.
  await desk.type("/oncall page csirt VPN brute force");
  const port = await desk.app.services.http.listen(0, "127.0.0.1");
  metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
});

afterAll(async () => {
  await desk?.app.services.http.close();
  await desk?.close();
});

describe("GET /metrics", () => {
  it("counts pages created and page messages delivered", () => {
    expect(metrics).toContain('tocsin_pages_total{event="created"} 1\n');
    expect(metrics).toContain('tocsin_pages_total{event="delivered"} 1\n');
  });

  it("names no gauge *_total, which Prometheus keeps for counters", () => {
    const types = [...metrics.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => ({ name, type }));
    expect(types.length).toBeGreaterThan(10);
    for (const { name, type } of types) {
      if (name?.endsWith("_total")) expect({ name, type }).toEqual({ name, type: "counter" });
    }
    expect(metrics).toMatch(/^tocsin_nodejs_handles_active \d+$/m);
    expect(metrics).toMatch(/^# TYPE tocsin_commands_total counter$/m);
  });

  // CI must have it (it installs it); a developer's machine may not.
  it.runIf(havePromtool || process.env.CI === "true")("passes promtool check metrics", () => {
    const checked = spawnSync("promtool", ["check", "metrics"], { input: metrics, encoding: "utf8" });
    expect(checked.error).toBeUndefined();
    expect({ status: checked.status, problems: `${checked.stdout}${checked.stderr}` }).toEqual({
      status: 0,
      problems: "",
    });
  });
});
