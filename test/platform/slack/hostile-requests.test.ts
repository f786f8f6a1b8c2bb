// Requests an attacker (or a broken proxy) can send to Slack's request URL: each gets a 4xx,
// nothing runs, and the platform keeps serving. Also where answers may go: a response_url
// outside Slack is never posted to.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/chat/invocation.ts";
import { heading, message } from "../../../src/chat/message.ts";
import { MAX_SLACK_BODY_BYTES } from "../../../src/chat/slack/request-gate.ts";
import { SlackRequestSender, slashCommandFields } from "../../doubles/slack-web-api.ts";
import { until } from "../../support/waiting.ts";
import { addPeople, alice, SIGNING_SECRET, type SlackHarness, startSlackHarness } from "./harness.ts";

let h: SlackHarness;
let channel: { id: string; name: string };
/** Stands in for an attacker's server: it must never receive an answer. */
let catcher: Server;
let lure = "";
const caught: string[] = [];

// A Slack double, platform and catcher of their own for every test (no database: cheap), so
// what a test counts and catches is its own and each test runs alone.
beforeEach(async () => {
  caught.length = 0;
  h = await startSlackHarness({
    handler: async (invocation: Invocation) => {
      if (invocation.text.startsWith("/inc whoami")) {
        await h.platform.reply(invocation.replyTarget, {
          visibility: "ephemeral",
          message: message(heading(invocation.text)),
        });
      }
    },
  });
  catcher = createServer((req, res) => {
    caught.push(req.url ?? "");
    res.end("ok");
  });
  await new Promise<void>((resolve) => catcher.listen(0, "127.0.0.1", resolve));
  lure = `http://127.0.0.1:${(catcher.address() as AddressInfo).port}/collect`;
  addPeople(h.slack);
  const room = h.slack.addChannel({ name: "soc", members: [alice.id] });
  channel = { id: room.id, name: room.name };
});
afterEach(async () => {
  await h?.close();
  catcher?.closeAllConnections();
  await new Promise((resolve) => catcher?.close(resolve));
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = "application/x-www-form-urlencoded";

/** A normal command after the hostile ones: its invocation proves they were all handled first. */
async function barrier(): Promise<void> {
  const sent = await h.sender.slashCommand({ command: "/inc", text: "whoami barrier", user: alice, channel });
  expect(sent.status).toBe(200);
  await h.invocation((i) => i.dedupeKey === `command:${sent.triggerId}`);
}

describe("hostile Slack requests", () => {
  it("refuses signed null payloads and non-object bodies with 400", async () => {
    for (const [body, type] of [
      [form({ payload: "null" }), FORM],
      [form({ payload: "[1]" }), FORM],
      [form({ payload: "{" }), FORM],
      ["null", "application/json"],
      ["42", "application/json"],
      ['"text"', "application/json"],
    ] as const) {
      expect((await h.sender.send(body, type)).status, body).toBe(400);
    }
    await barrier();
  });

  it("refuses a signed command from another workspace or enterprise with 403, and runs nothing", async () => {
    const before = h.invocations.length;
    const fields = slashCommandFields(h.slack, {
      command: "/inc",
      text: "whoami foreign",
      user: alice,
      channel,
    });
    expect((await h.sender.send(form({ ...fields, team_id: "T0ELSEWHERE" }), FORM)).status).toBe(403);
    expect((await h.sender.send(form({ ...fields, enterprise_id: "E0OTHER" }), FORM)).status).toBe(403);
    const { team_id: _team, ...teamless } = fields;
    expect((await h.sender.send(form(teamless), FORM)).status).toBe(403);
    const click = { type: "block_actions", team: { id: "T0ELSEWHERE" }, user: { id: alice.id }, actions: [] };
    expect((await h.sender.interactivity(click)).status).toBe(403);
    const event = {
      type: "event_callback",
      team_id: "T0ELSEWHERE",
      event_id: "Ev0FOREIGN",
      event: { type: "reaction_added", user: alice.id, reaction: "pushpin", item: {} },
    };
    expect((await h.sender.send(JSON.stringify(event), "application/json")).status).toBe(403);
    await barrier();
    expect(h.invocations.slice(before).map((i) => i.text)).toEqual(["/inc whoami barrier"]);
  });

  it("refuses a request stamped more than 5 minutes in the future (and in the past) with 401", async () => {
    const now = Math.floor(Date.now() / 1000);
    const command = { command: "/inc", text: "whoami future", user: alice, channel };
    expect((await h.sender.slashCommand(command, { timestampSeconds: now + 6 * 60 })).status).toBe(401);
    expect((await h.sender.slashCommand(command, { timestampSeconds: now - 6 * 60 })).status).toBe(401);
    expect((await h.sender.slashCommand(command, { timestampSeconds: now + 60 })).status).toBe(200);
    await barrier();
    expect(h.invocations.filter((i) => i.text === "/inc whoami future")).toHaveLength(1);
  });

  it("refuses a body over the size cap with 413 before reading it all", async () => {
    const big = form({ text: "x".repeat(MAX_SLACK_BODY_BYTES + 1) });
    expect((await h.sender.send(big, FORM)).status).toBe(413);
    await barrier();
  });

  it("refuses unsigned and wrongly signed requests with 401", async () => {
    const unsigned = await fetch(`http://127.0.0.1:${h.platform.port}/slack/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(unsigned.status).toBe(401);
    const wrongSecret = new SlackRequestSender(
      `http://127.0.0.1:${h.platform.port}/slack/events`,
      `${SIGNING_SECRET}-not`,
      h.slack,
    );
    expect((await wrongSecret.send("{}", "application/json")).status).toBe(401);
    await barrier();
  });
});

describe("response_url", () => {
  it("never posts an answer to a response_url outside Slack; chat.postEphemeral answers instead", async () => {
    const fields = slashCommandFields(h.slack, {
      command: "/inc",
      text: "whoami lured",
      user: alice,
      channel,
    });
    expect((await h.sender.send(form({ ...fields, response_url: lure }), FORM)).status).toBe(200);
    await until(
      () => h.slack.ephemeralMessages.find((m) => m.text.includes("/inc whoami lured")),
      "the answer by chat.postEphemeral",
    );
    expect(caught).toEqual([]);
  });

  it("ignores a response_url smuggled into the declare modal's private_metadata", async () => {
    await h.sender.slashCommand({ command: "/inc", text: "declare", user: alice, channel });
    await h.slack.waitForCall("views.open");
    const view = h.slack.views.at(-1)!;
    const origin = JSON.parse(String(view.view.private_metadata));
    const tampered = {
      ...view,
      view: {
        ...view.view,
        private_metadata: JSON.stringify({ ...origin, responseUrl: lure }),
      },
    };
    await h.sender.submitView({ user: alice, view: tampered, values: { title: "Lured" } });
    const invocation = await h.invocation((i) => i.dedupeKey === `view:${view.id}`);
    await h.platform.reply(invocation.replyTarget, {
      visibility: "ephemeral",
      message: message(heading("modal answer")),
    });
    expect(h.slack.ephemeralMessages.at(-1)?.text).toContain("modal answer");
    expect(caught).toEqual([]);
  });
});
