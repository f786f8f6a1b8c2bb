// On-call as a real process: a bad configuration stops start-up with its problems, and a
// `node src/main.ts` killed with SIGKILL in the middle of an escalation delivers the next level
// after a restart, on time and exactly once (the console prints DMs, so they can be counted).
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { tempRootPerFile } from "../support/temp-root.ts";
import { startTocsin } from "../support/tocsin-process.ts";
import { scaledDeadline } from "../support/waiting.ts";

const LEVEL_SECONDS = 3;

const CONFIG = `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris, identities: { console: alice } }
  - { id: bob, name: Bob, timeZone: Europe/Paris, identities: { console: bob } }
  - { id: carol, name: Carol, timeZone: Europe/Paris, identities: { console: carol } }
teams:
  - id: ops
    name: Ops
    members: [alice, bob, carol]
    escalationPolicy: ops
escalationPolicies:
  - id: ops
    levels:
      - { target: { person: bob }, after: ${LEVEL_SECONDS}s }
      - { target: { person: carol }, after: ${LEVEL_SECONDS}s }
`;

const temp = tempRootPerFile("tocsin-oncall-process-");

function count(out: string, prefix: string): number {
  return out.split("\n").filter((line) => line.startsWith(prefix)).length;
}

describe("on-call in a real process", () => {
  it("refuses to start on a bad on-call configuration, saying where", async () => {
    const file = temp.path("bad.yaml");
    await writeFile(file, CONFIG.replace("escalationPolicy: ops", "escalationPolicy: opz"));
    const desk = startTocsin({
      TOCSIN_DATA_DIR: temp.path("bad"),
      ONCALL_CONFIG: file,
      HTTP_PORT: "0",
    });
    expect(await desk.finish()).toBe(2);
    expect(desk.stderr()).toContain("tocsin cannot start: The on-call configuration has a problem:");
    expect(desk.stderr()).toContain(
      `${file}:9:23: teams[0].escalationPolicy: unknown escalation policy "opz"; did you mean "ops"?`,
    );
    expect(desk.stderr()).not.toMatch(/\n\s+at /);
  });

  it("after kill -9 mid-escalation, the next level is delivered once, on time", {
    timeout: scaledDeadline(60_000),
  }, async () => {
    const file = temp.path("oncall.yaml");
    await writeFile(file, CONFIG);
    const env = { TOCSIN_DATA_DIR: temp.path("killed"), ONCALL_CONFIG: file, HTTP_PORT: "0" };

    const first = startTocsin(env);
    first.type("/oncall page ops RAID array degraded on db-1");
    // The reply comes once the first step has committed its successor.
    await first.waitFor("📟 Page #1 to Ops's on-call sent");
    const pagedAt = Date.now();
    // Bob's DM is sent by the level's delivery job: run at once by the step, or claimed first by
    // the job poller, so it may print just after the reply. Killed once it is out.
    await first.waitFor("[DM @bob] 📟 Page #1");
    expect(count(first.stdout(), "[DM @bob] 📟 Page #1")).toBe(1);
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startTocsin(env);
    await second.waitFor("[DM @carol] 📟 Page #1", 20_000);
    const carolAt = Date.now();
    // The step after carol's (the creator told nobody acknowledged) proves time went on past it.
    await second.waitFor("[DM @alice] ⚠️ Nobody acknowledged page #1", 20_000);
    expect(await second.finish()).toBe(0);

    const out = second.stdout();
    expect(count(out, "[DM @carol] 📟 Page #1")).toBe(1);
    expect(count(out, "[DM @bob] 📟 Page #1")).toBe(0);
    expect(count(out, "[DM @alice] ⚠️ Nobody acknowledged page #1")).toBe(1);
    expect(carolAt - pagedAt).toBeGreaterThanOrEqual(LEVEL_SECONDS * 1000 - 100);
    expect(carolAt - pagedAt).toBeLessThan(LEVEL_SECONDS * 1000 + 15_000);
  });
});
