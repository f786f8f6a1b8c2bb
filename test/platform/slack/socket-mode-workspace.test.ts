// Socket Mode has no HTTP request to refuse: a command from another workspace is acknowledged
// (so Slack does not redeliver it) and never run.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Invocation } from "../../../src/chat/invocation.ts";
import { SlackPlatform } from "../../../src/chat/slack/slack-platform.ts";
import { SlackWebApiDouble, slashCommandFields } from "../../doubles/slack-web-api.ts";
import { until } from "../../support/waiting.ts";
import { addPeople, alice, captureLog, FAST_RETRIES, SIGNING_SECRET } from "./harness.ts";

let slack: SlackWebApiDouble;
let platform: SlackPlatform;
const invocations: Invocation[] = [];
const captured = captureLog();

beforeAll(async () => {
  slack = await SlackWebApiDouble.start();
  addPeople(slack);
  platform = new SlackPlatform({
    botToken: slack.botToken,
    signingSecret: SIGNING_SECRET,
    appToken: slack.appToken,
    apiUrl: slack.apiUrl,
    log: captured.log,
    retryPolicy: FAST_RETRIES,
  });
  await platform.start(async (invocation) => {
    invocations.push(invocation);
    return "answered here";
  });
  await slack.waitForSocket();
});

afterAll(async () => {
  await platform.stop();
  await slack.close();
});

it("acks but never runs a command from another workspace", async () => {
  const channel = slack.addChannel({ name: "soc", members: [alice.id] });
  const room = { id: channel.id, name: channel.name };
  const foreign = slashCommandFields(slack, { command: "/inc", text: "list", user: alice, channel: room });
  const delivered = await slack.deliverOverSocket("slash_commands", { ...foreign, team_id: "T0ELSEWHERE" });
  expect(delivered.ack.envelope_id).toBe(delivered.envelopeId);
  // A command from our own workspace after it: once it has run, the foreign one had its turn.
  const own = slashCommandFields(slack, { command: "/inc", text: "list", user: alice, channel: room });
  await slack.deliverOverSocket("slash_commands", own);
  await until(() => invocations.some((i) => i.dedupeKey === `command:${own.trigger_id}`), "our own command");
  expect(invocations.some((i) => i.dedupeKey === `command:${foreign.trigger_id}`)).toBe(false);
  expect(captured.entries.some((l) => l.msg === "Slack request refused")).toBe(true);
});
