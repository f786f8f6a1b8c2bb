// ATTACK: the ack thread counts a request as untaken before posting it to the main thread. A
// signed body the post cannot carry (nested deeper than the structured clone's stack: a
// 200 KB `[[[…]]]`, which JSON.parse reads without recursion) failed the post after the count:
// the client got a 500 and the count never came down. `maxUntaken` such requests and every later
// Slack request was answered "busy" until the thread restarted.
import { afterEach, describe, expect, it } from "vitest";
import { ACK_THREAD_BUSY_TEXT } from "../../src/chat/slack/ack-thread-protocol.ts";
import { SLACK_EVENTS_PATH, SlackPlatform } from "../../src/chat/slack/slack-platform.ts";
import { SlackWebApiDouble, slackSignature, slashCommandFields } from "../doubles/slack-web-api.ts";
import { alice, captureLog, SIGNING_SECRET } from "../platform/slack/harness.ts";
import { until } from "../support/waiting.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function signed(body: string, contentType: string) {
  const timestamp = Math.floor(Date.now() / 1000);
  return {
    "content-type": contentType,
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": slackSignature(SIGNING_SECRET, timestamp, body),
  };
}

describe("a signed request the ack thread cannot hand over", () => {
  it("does not count against the untaken requests for good", async () => {
    const slack = await SlackWebApiDouble.start();
    cleanups.push(() => slack.close());
    const captured = captureLog();
    const platform = new SlackPlatform({
      botToken: slack.botToken,
      signingSecret: SIGNING_SECRET,
      port: 0,
      host: "127.0.0.1",
      apiUrl: slack.apiUrl,
      log: captured.log,
      maxUntakenAcks: 1,
    });
    const texts: string[] = [];
    await platform.start(async (invocation) => {
      texts.push(invocation.text);
      return "answered here";
    });
    cleanups.push(() => platform.stop());
    const url = `http://127.0.0.1:${platform.port}${SLACK_EVENTS_PATH}`;

    const depth = 100_000;
    const deep = JSON.stringify({
      type: "event_callback",
      team_id: slack.teamId,
      event: { type: "app_mention", nested: "[".repeat(depth) + "]".repeat(depth) },
    }).replace(`"${"[".repeat(depth)}${"]".repeat(depth)}"`, "[".repeat(depth) + "]".repeat(depth));
    const refused = await fetch(url, {
      method: "POST",
      headers: signed(deep, "application/json"),
      body: deep,
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);

    // A command afterwards is taken, not answered busy.
    const fields = slashCommandFields(slack, {
      command: "/inc",
      text: "after the deep body",
      user: alice,
      channel: { id: "C0SOC", name: "soc" },
    });
    const body = new URLSearchParams(fields).toString();
    const answer = await fetch(url, {
      method: "POST",
      headers: signed(body, "application/x-www-form-urlencoded"),
      body,
    });
    expect(await answer.text()).not.toContain(ACK_THREAD_BUSY_TEXT);
    await until(() => texts.includes("/inc after the deep body") || undefined, "the command to run");
  });
});
