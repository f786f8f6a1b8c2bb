// An alert answered 202 is never lost: tocsin is killed with SIGKILL right after the answer,
// most often before its page was sent, and the restarted process pages it (issue 15 point 2).
// Delivery is at least once: only a kill between a DM's sending and its recording repeats it.
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import { tempRootPerFile } from "../support/temp-root.ts";
import { startTocsin, waitUntilReady } from "../support/tocsin-process.ts";
import { scaledDeadline } from "../support/waiting.ts";

const KEY = "alert-kill-test-key-0123456789abcdef";

const CONFIG = `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris, identities: { console: alice } }
  - { id: bob, name: Bob, timeZone: Europe/Paris, identities: { console: bob } }
teams:
  - id: ops
    name: Ops
    members: [alice, bob]
    escalationPolicy: ops
escalationPolicies:
  - id: ops
    levels:
      - { target: { person: bob }, after: 5m }
integrations:
  - { id: monitoring, kind: generic, team: ops, key: "${KEY}", tlp: green }
`;

const temp = tempRootPerFile("tocsin-alert-kill-");

function count(out: string, prefix: string): number {
  return out.split("\n").filter((line) => line.startsWith(prefix)).length;
}

describe("an accepted alert in a killed process", () => {
  it("is paged after the restart", { timeout: scaledDeadline(90_000) }, async () => {
    const file = temp.path("oncall.yaml");
    await writeFile(file, CONFIG);
    const port = await freeLoopbackPort();
    const env = {
      TOCSIN_DATA_DIR: temp.path("data"),
      ONCALL_CONFIG: file,
      HTTP_PORT: String(port),
    };
    const baseUrl = `http://127.0.0.1:${port}`;

    const first = startTocsin(env);
    await waitUntilReady(first, baseUrl);
    const answer = await fetch(`${baseUrl}/alerts/generic/${KEY}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ summary: "Disk full on db-1", dedup: "disk-db-1", severity: "high" }),
    });
    // Killed the moment the answer is read: the page job may or may not have run.
    first.child.kill("SIGKILL");
    expect(answer.status).toBe(202);
    await first.exited;
    const pagedBefore = count(first.stdout(), "[DM @bob] 📟 Page #1");

    const second = startTocsin(env);
    if (pagedBefore === 0) await second.waitFor("[DM @bob] 📟 Page #1", scaledDeadline(30_000));
    second.type("/alert show 1");
    await second.waitFor("Alert #1", scaledDeadline(30_000));
    expect(await second.finish()).toBe(0);
    const paged = pagedBefore + count(second.stdout(), "[DM @bob] 📟 Page #1");
    expect(paged).toBeGreaterThanOrEqual(1);
    expect(paged).toBeLessThanOrEqual(2);
    // One alert, one page: the signal was stored once and its page made once.
    expect(second.stdout()).not.toContain("Page #2");
  });
});
