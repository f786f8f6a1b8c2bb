// A signed Slack body whose JSON nests thousands of levels deep (Slack's own never pass a dozen):
// JSON.parse copes, but the structured clone that carries a body from the ack thread to Bolt,
// and every recursive walk after it, overflow their stack. Found defect: the gate parsed such a
// body and the clone threw (a 500, and a body a little less deep went on to Bolt). Now the gate
// counts brackets before parsing and refuses it with 400 and a coded log line; nothing runs, and
// the platform keeps serving.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/chat/json-nesting.ts";
import {
  addPeople,
  alice,
  commandBarrier,
  type SlackHarness,
  startSlackHarness,
} from "../platform/slack/harness.ts";

let h: SlackHarness;

beforeEach(async () => {
  h = await startSlackHarness();
  addPeople(h.slack);
});
afterEach(async () => {
  await h?.close();
});

/** A block_actions payload from our own workspace carrying `nested` in one of its fields. */
function interaction(nested: string): string {
  const teamId = h.slack.teamId;
  return `{"type":"block_actions","team":{"id":"${teamId}"},"user":{"id":"${alice.id}","team_id":"${teamId}"},"actions":[],"state":${nested}}`;
}

const nestedArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("a signed Slack body nested too deep", () => {
  it("is refused with 400 and a coded log line, as JSON and as a form's payload, and nothing runs", async () => {
    const before = h.invocations.length;
    for (const depth of [50_000, MAX_JSON_DEPTH + 1]) {
      const json = interaction(nestedArrays(depth));
      const asJson = await h.sender.send(json, "application/json");
      expect(asJson.status, `JSON, depth ${depth}`).toBe(400);
      const asForm = await h.sender.send(
        new URLSearchParams({ payload: json }).toString(),
        "application/x-www-form-urlencoded",
      );
      expect(asForm.status, `form, depth ${depth}`).toBe(400);
      expect(asForm.body).toContain("nested deeper than");
    }
    // The barrier's invocation arrives after anything the deep bodies would have caused.
    await commandBarrier(h);
    expect(h.invocations.length).toBe(before + 1);
    const refusals = h.logs.filter((entry) => entry.code === "slack.body_too_deep");
    expect(refusals.length).toBe(4);
    expect(h.logs.some((entry) => entry.level === 50)).toBe(false);
  });

  it("still takes a body exactly at the depth limit", async () => {
    // The payload's own object is level 1, `state` adds the rest.
    const json = interaction(nestedArrays(MAX_JSON_DEPTH - 1));
    expect((await h.sender.send(json, "application/json")).status).toBe(200);
    await commandBarrier(h);
  });
});
