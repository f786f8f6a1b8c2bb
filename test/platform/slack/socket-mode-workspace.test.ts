// Socket Mode has no HTTP request to refuse: a command from another workspace is acknowledged
// (so Slack does not redeliver it) and never run.
import { afterAll, beforeAll, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../../src/chat/json-nesting.ts";
import { slashCommandFields } from "../../doubles/slack-web-api.ts";
import { until } from "../../support/waiting.ts";
import { alice, type SocketModeHarness, startSocketModeHarness } from "./harness.ts";

let h: SocketModeHarness;

beforeAll(async () => {
  h = await startSocketModeHarness();
});

afterAll(async () => {
  await h?.close();
});

it("acks but never runs a command from another workspace", async () => {
  const channel = h.slack.addChannel({ name: "soc", members: [alice.id] });
  const room = { id: channel.id, name: channel.name };
  const foreign = slashCommandFields(h.slack, { command: "/inc", text: "list", user: alice, channel: room });
  const delivered = await h.slack.deliverOverSocket("slash_commands", { ...foreign, team_id: "T0ELSEWHERE" });
  expect(delivered.ack.envelope_id).toBe(delivered.envelopeId);
  // A command from our own workspace after it: once it has run, the foreign one had its turn.
  const own = slashCommandFields(h.slack, { command: "/inc", text: "list", user: alice, channel: room });
  await h.slack.deliverOverSocket("slash_commands", own);
  await until(
    () => h.invocations.some((i) => i.dedupeKey === `command:${own.trigger_id}`),
    "our own command",
  );
  expect(h.invocations.some((i) => i.dedupeKey === `command:${foreign.trigger_id}`)).toBe(false);
  expect(h.logs.some((l) => l.msg === "Slack request refused")).toBe(true);
});

it("acks but never runs a body nested deeper than the JSON depth limit, with a coded log line", async () => {
  const channel = h.slack.addChannel({ name: "deep", members: [alice.id] });
  const room = { id: channel.id, name: channel.name };
  const fields = slashCommandFields(h.slack, { command: "/inc", text: "list", user: alice, channel: room });
  let nested: unknown = [];
  for (let level = 0; level < MAX_JSON_DEPTH; level++) nested = [nested];
  const delivered = await h.slack.deliverOverSocket("slash_commands", { ...fields, extra: nested });
  expect(delivered.ack.envelope_id).toBe(delivered.envelopeId);
  const own = slashCommandFields(h.slack, { command: "/inc", text: "list", user: alice, channel: room });
  await h.slack.deliverOverSocket("slash_commands", own);
  await until(
    () => h.invocations.some((i) => i.dedupeKey === `command:${own.trigger_id}`),
    "our own command",
  );
  expect(h.invocations.some((i) => i.dedupeKey === `command:${fields.trigger_id}`)).toBe(false);
  expect(h.logs.some((l) => l.code === "slack.body_too_deep")).toBe(true);
});
