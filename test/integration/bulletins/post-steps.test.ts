// Recorded post steps on a real database: a retry skips exactly the steps an earlier attempt
// completed, whatever failed in between, and content that changed is sent, not skipped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordedPostSteps, stepName } from "../../../src/bulletins/post-steps.ts";
import { createTestDatabase, type TestDatabase } from "../../database.ts";

let db: TestDatabase;
const now = () => new Date("2026-03-10T09:00:00Z");

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

/** Sends steps in order, failing on the step named `failAt` (once), and logs what went out. */
async function attempt(runKey: string, steps: string[], sent: string[], failAt?: string): Promise<void> {
  const recorded = await RecordedPostSteps.load(db.prisma, runKey, now);
  for (const step of steps) {
    await recorded.run(step, async () => {
      if (step === failAt) throw new Error(`platform refused ${step}`);
      sent.push(step);
    });
  }
}

describe("recorded post steps", () => {
  const steps = ["part1:message", "part1:file", "part2:message", "part2:file", "notice"];

  it("resumes after the last step that went out, each step sent once", async () => {
    const sent: string[] = [];
    await expect(attempt("run-a", steps, sent, "part2:message")).rejects.toThrow("platform refused");
    await expect(attempt("run-a", steps, sent, "part2:file")).rejects.toThrow("platform refused");
    await attempt("run-a", steps, sent);
    expect(sent).toEqual(steps);
  });

  it("keeps runs apart and forgets a run's steps when it completes", async () => {
    const sent: string[] = [];
    await attempt("run-b", steps, sent);
    expect(sent).toEqual(steps);
    await attempt("run-c", steps, []);
    const recorded = await RecordedPostSteps.load(db.prisma, "run-b", now);
    await db.prisma.$transaction((tx) => recorded.clear(tx));
    expect(await db.prisma.bulletinPostStep.count({ where: { runKey: "run-b" } })).toBe(0);
    expect(await db.prisma.bulletinPostStep.count({ where: { runKey: "run-c" } })).toBe(steps.length);
  });

  it("names steps by content, so a retry with changed content sends it", () => {
    expect(stepName("bulletin", "TLP:CLEAR\nDigest")).toBe(stepName("bulletin", "TLP:CLEAR\nDigest"));
    expect(stepName("bulletin", "TLP:CLEAR\nDigest")).not.toBe(stepName("bulletin", "TLP:CLEAR\nDigest 2"));
  });
});
