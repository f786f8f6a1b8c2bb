// Slash commands through the real Bolt HTTP receiver: verification, ack within Slack's 3 s,
// one Invocation per command, retries handled once, answers delivered where they belong.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/chat/invocation.ts";
import { heading, message, text } from "../../../src/chat/message.ts";
import { until } from "../../support/waiting.ts";
import { addPeople, alice, commandBarrier, type SlackHarness, startSlackHarness } from "./harness.ts";

const SLACK_ACK_DEADLINE_MS = 3000;

describe("Slack slash commands", () => {
  let h: SlackHarness;
  let general: { id: string; name: string };
  let failNextCommand = false;

  beforeAll(async () => {
    h = await startSlackHarness({
      // Stands in for the router: answers `/inc whoami` and fails on demand.
      handler: async (invocation) => {
        if (failNextCommand) {
          failNextCommand = false;
          throw new Error("handler blew up");
        }
        if (invocation.text === "/inc whoami") {
          await h.platform.reply(invocation.replyTarget, {
            visibility: "ephemeral",
            message: message(text(invocation.actor.externalId)),
          });
        }
        if (invocation.text.startsWith("/inc status")) {
          await h.platform.reply(invocation.replyTarget, {
            visibility: "room",
            message: message(heading("Status changed")),
          });
        }
      },
    });
    addPeople(h.slack);
    const channel = h.slack.addChannel({ name: "soc", members: [alice.id] });
    general = { id: channel.id, name: channel.name };
  });

  afterAll(async () => {
    await h.close();
  });

  it("turns a signed slash command into one invocation, acked well within 3 s", async () => {
    const sent = await h.sender.slashCommand({
      command: "/inc",
      text: 'declare "Phishing wave" sev:2',
      user: alice,
      channel: general,
    });

    expect(sent.status).toBe(200);
    expect(sent.body).toBe("");
    expect(sent.elapsedMs).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    const invocation = await h.invocation((i) => i.dedupeKey === `command:${sent.triggerId}`);
    expect(invocation).toMatchObject({
      platform: "slack",
      actor: { externalId: alice.id, displayName: "alice" },
      room: { roomId: general.id, name: "soc", direct: false },
      text: '/inc declare "Phishing wave" sev:2',
    });
    expect(h.invocations.filter((i) => i.dedupeKey === invocation.dedupeKey)).toHaveLength(1);
  });

  it("marks a command typed in a DM as direct", async () => {
    const sent = await h.sender.slashCommand({
      command: "/oncall",
      text: "",
      user: alice,
      channel: { id: "D0ALICE", name: "directmessage" },
    });
    const invocation = await h.invocation((i) => i.dedupeKey === `command:${sent.triggerId}`);
    expect(invocation.room).toMatchObject({ roomId: "D0ALICE", direct: true });
    expect(invocation.text).toBe("/oncall");
  });

  it("rejects a tampered signature with 401 and runs nothing", async () => {
    const before = h.invocations.length;
    const sent = await h.sender.slashCommand(
      { command: "/inc", text: "close", user: alice, channel: general },
      { tamper: true },
    );
    expect(sent.status).toBe(401);
    const barrier = await commandBarrier(h);
    expect(h.invocations.slice(before)).toEqual([barrier]);
  });

  it("rejects a signature made 10 minutes ago with 401 and runs nothing", async () => {
    const before = h.invocations.length;
    const sent = await h.sender.slashCommand(
      { command: "/inc", text: "close", user: alice, channel: general },
      { timestampSeconds: Math.floor(Date.now() / 1000) - 600 },
    );
    expect(sent.status).toBe(401);
    const barrier = await commandBarrier(h);
    expect(h.invocations.slice(before)).toEqual([barrier]);
  });

  it("gives a retried command the same dedupe key, and takes it once per process", async () => {
    const first = await h.sender.slashCommand({
      command: "/inc",
      text: "status contained",
      user: alice,
      channel: general,
    });
    const retry = await h.sender.slashCommand(
      {
        command: "/inc",
        text: "status contained",
        user: alice,
        channel: general,
        triggerId: first.triggerId,
      },
      { retryNum: 1 },
    );
    expect(retry.status).toBe(200);
    const original = await h.invocation((i) => i.dedupeKey === `command:${first.triggerId}`);

    // The same retry reaching another replica (or this one after a restart) carries the same
    // key, which is what the router's database dedupe relies on.
    const replica = await h.startReplica();
    const elsewhere = await replica.sender.slashCommand(
      {
        command: "/inc",
        text: "status contained",
        user: alice,
        channel: general,
        triggerId: first.triggerId,
      },
      { retryNum: 2 },
    );
    expect(elsewhere.status).toBe(200);
    await until(() => replica.invocations.length === 1, "the replica's invocation");
    expect(replica.invocations[0]?.dedupeKey).toBe(original.dedupeKey);
    // The first retry reached this process before a later command did: it ran nothing.
    await commandBarrier(h);
    expect(h.invocations.filter((i) => i.dedupeKey === original.dedupeKey)).toHaveLength(1);
  });

  it("acks 20 concurrent commands within 3 s each and invokes each once", async () => {
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        h.sender.slashCommand({
          command: "/inc",
          text: `declare "Wave ${n}" sev:3`,
          user: alice,
          channel: general,
        }),
      ),
    );
    const slowest = Math.max(...sent.map((s) => s.elapsedMs));
    expect(sent.every((s) => s.status === 200)).toBe(true);
    expect(slowest).toBeLessThan(SLACK_ACK_DEADLINE_MS);
    const keys = new Set(sent.map((s) => `command:${s.triggerId}`));
    await until(() => h.invocations.filter((i) => keys.has(i.dedupeKey)).length === 20, "20 invocations");
    console.info(`20 concurrent slash commands: slowest ack ${slowest.toFixed(1)} ms`);
  });

  it("answers ephemerally through the response_url and in the room with chat.postMessage", async () => {
    const asked = await h.sender.slashCommand({
      command: "/inc",
      text: "whoami",
      user: alice,
      channel: general,
    });
    const ephemeral = await h.slack.waitForResponseUrlPost((post) => asked.responseUrl.endsWith(post.id));
    expect(ephemeral.body).toMatchObject({ response_type: "ephemeral", text: alice.id });

    await h.sender.slashCommand({
      command: "/inc",
      text: "status eradicated",
      user: alice,
      channel: general,
    });
    const posted = await h.slack.waitForCall(
      "chat.postMessage",
      (call) => call.params.channel === general.id,
    );
    expect(posted.ok).toBe(true);
    expect(JSON.stringify(posted.params.blocks)).toContain("Status changed");
  });

  it("answers in a channel the bot is not in through the response_url", async () => {
    const elsewhere = h.slack.addChannel({ name: "random", members: [alice.id], botIsMember: false });
    const sent = await h.sender.slashCommand({
      command: "/inc",
      text: "status contained",
      user: alice,
      channel: { id: elsewhere.id, name: elsewhere.name },
    });
    const post = await h.slack.waitForResponseUrlPost((p) => sent.responseUrl.endsWith(p.id));
    expect(post.body).toMatchObject({ response_type: "in_channel" });
  });

  it("logs a command that throws and keeps serving the next ones", async () => {
    failNextCommand = true;
    const failing = await h.sender.slashCommand({
      command: "/bulletin",
      text: "run",
      user: alice,
      channel: general,
    });
    expect(failing.status).toBe(200);
    await until(() => h.logs.some((entry) => entry.msg === "Slack command failed"), "the failure logged");
    const next = await h.sender.slashCommand({
      command: "/bulletin",
      text: "list",
      user: alice,
      channel: general,
    });
    const invocation: Invocation = await h.invocation((i) => i.dedupeKey === `command:${next.triggerId}`);
    expect(invocation.text).toBe("/bulletin list");
  });
});
