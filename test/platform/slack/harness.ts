// The real Slack platform (Bolt's HTTP receiver on loopback, the real WebClient) wired to the
// Slack double. The invocation handler is the seam's contract: until the command router is
// wired in, tests record invocations (and may answer them); pass `handler` to put the router in.
import { EventEmitter } from "node:events";
import type { Invocation, InvocationHandler } from "../../../src/chat/invocation.ts";
import type { RetryPolicy } from "../../../src/chat/slack/call-lanes.ts";
import { SLACK_EVENTS_PATH, SlackPlatform } from "../../../src/chat/slack/slack-platform.ts";
import { SlackRequestSender, SlackWebApiDouble } from "../../doubles/slack-web-api.ts";
import { type CapturedLog, captureLog, until } from "../../support/waiting.ts";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

/** Retries quick enough for tests; Retry-After itself is the double's to choose. */
export const FAST_RETRIES: Partial<RetryPolicy> = { backoffMs: 20, maxBackoffMs: 100 };

export { type CapturedLog, captureLog } from "../../support/waiting.ts";

export interface SlackHarness {
  slack: SlackWebApiDouble;
  platform: SlackPlatform;
  sender: SlackRequestSender;
  logs: CapturedLog["entries"];
  invocations: Invocation[];
  /** The first invocation (past or future) that matches. */
  invocation(matches?: (invocation: Invocation) => boolean, timeoutMs?: number): Promise<Invocation>;
  /** Another platform instance on the same double (a second replica, or after a restart). */
  startReplica(): Promise<{ platform: SlackPlatform; sender: SlackRequestSender; invocations: Invocation[] }>;
  close(): Promise<void>;
}

export async function startSlackHarness(
  options: { handler?: InvocationHandler; slack?: SlackWebApiDouble } = {},
): Promise<SlackHarness> {
  const slack = options.slack ?? (await SlackWebApiDouble.start());
  const captured = captureLog();
  const started: SlackPlatform[] = [];
  const arrivals = new EventEmitter();

  const startPlatform = async (invocations: Invocation[]) => {
    const platform = new SlackPlatform({
      botToken: slack.botToken,
      signingSecret: SIGNING_SECRET,
      port: 0,
      host: "127.0.0.1",
      apiUrl: slack.apiUrl,
      log: captured.log,
      retryPolicy: FAST_RETRIES,
    });
    await platform.start(async (invocation) => {
      invocations.push(invocation);
      arrivals.emit("invocation");
      await options.handler?.(invocation);
    });
    started.push(platform);
    const sender = new SlackRequestSender(
      `http://127.0.0.1:${platform.port}${SLACK_EVENTS_PATH}`,
      SIGNING_SECRET,
      slack,
    );
    return { platform, sender, invocations };
  };

  const main = await startPlatform([]);
  return {
    slack,
    ...main,
    logs: captured.entries,
    invocation(matches = () => true, timeoutMs = 5000) {
      return until(() => main.invocations.find(matches), "a matching invocation", {
        timeoutMs,
        wakeOn: (wake) => {
          arrivals.on("invocation", wake);
          return () => arrivals.off("invocation", wake);
        },
      });
    },
    startReplica: () => startPlatform([]),
    async close() {
      await Promise.all(started.map((platform) => platform.stop()));
      if (!options.slack) await slack.close();
    },
  };
}

export const alice = { id: "U0ALICE", name: "alice" };
export const bob = { id: "U0BOB", name: "bob" };

/** Adds alice and bob to the double as Slack users with profiles. */
export function addPeople(slack: SlackWebApiDouble): void {
  slack.addUser({
    id: alice.id,
    name: alice.name,
    realName: "Alice Liddell",
    displayName: "alice",
    email: "alice@example.org",
  });
  slack.addUser({ id: bob.id, name: bob.name, realName: "Bob Marley" });
}

/**
 * A barrier for "nothing ran" checks: sends a valid slash command through the same receiver and
 * resolves with its invocation. A request the platform took in before it, and would have turned
 * into an invocation, has done so by the time the barrier's invocation arrives.
 */
export async function commandBarrier(h: Pick<SlackHarness, "sender" | "invocation">): Promise<Invocation> {
  const sent = await h.sender.slashCommand({
    command: "/inc",
    text: "barrier",
    user: alice,
    channel: { id: "C0BARRIER", name: "barrier" },
  });
  return h.invocation((i) => i.dedupeKey === `command:${sent.triggerId}`);
}

export interface SocketModeHarness {
  slack: SlackWebApiDouble;
  platform: SlackPlatform;
  /** Every invocation the platform made, in order. */
  invocations: Invocation[];
  logs: CapturedLog["entries"];
  close(): Promise<void>;
}

/**
 * The real Slack platform in Socket Mode (SLACK_APP_TOKEN) on the double's WebSocket, alice and
 * bob added, connected: Bolt's SocketModeReceiver instead of the HTTP one.
 */
export async function startSocketModeHarness(): Promise<SocketModeHarness> {
  const slack = await SlackWebApiDouble.start();
  addPeople(slack);
  const captured = captureLog();
  const invocations: Invocation[] = [];
  const platform = new SlackPlatform({
    botToken: slack.botToken,
    signingSecret: SIGNING_SECRET,
    appToken: slack.appToken,
    apiUrl: slack.apiUrl,
    log: captured.log,
    retryPolicy: FAST_RETRIES,
  });
  await platform.start(async (invocation) => {
    invocations.push(invocation);
  });
  await slack.waitForSocket();
  return {
    slack,
    platform,
    invocations,
    logs: captured.entries,
    async close() {
      await platform.stop();
      await slack.close();
    },
  };
}
