// Two tocsin processes on one PostgreSQL and one Slack app in Socket Mode: each opens its own
// connection, and the double delivers every envelope to each connection open (the worst case of
// Slack's redeliveries across an app's connections). Exactly one replica answers each command,
// also when one replica is killed with commands on their way to it. The Slack side is the double.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import { SlackWebApiDouble, slashCommandFields } from "../doubles/slack-web-api.ts";
import { type SharedDatabase, sharedDatabase } from "../support/shared-database.ts";
import { startTocsin, type TocsinProcess, waitUntilReady } from "../support/tocsin-process.ts";
import { scaledDeadline, until } from "../support/waiting.ts";

const alice = { id: "U0ALICE", name: "alice" };

let shared: SharedDatabase;
let slack: SlackWebApiDouble;

beforeAll(async () => {
  shared = await sharedDatabase("replicas-slack-socket");
  slack = await SlackWebApiDouble.start();
  slack.addUser({ id: alice.id, name: alice.name, displayName: "alice" });
});

afterAll(async () => {
  await slack?.close();
  await shared?.close();
});

async function startReplica(name: string): Promise<TocsinProcess> {
  const port = await freeLoopbackPort();
  const replica = startTocsin({
    TOCSIN_DATA_DIR: path.join(shared.root, name),
    DATABASE_URL: shared.databaseUrl,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_APP_TOKEN: slack.appToken,
    SLACK_API_URL: slack.apiUrl,
    HTTP_PORT: String(port),
    LOG_LEVEL: "info",
  });
  await waitUntilReady(replica, `http://127.0.0.1:${port}`, 30_000);
  return replica;
}

interface Sent {
  line: string;
  triggerId: string;
  responseUrl: string;
}

/** Sends a slash command to every open connection and waits for its first ack. */
async function send(text: string, channel: { id: string; name: string }): Promise<Sent> {
  const fields = slashCommandFields(slack, { command: "/inc", text, user: alice, channel });
  await slack.deliverOverSocket("slash_commands", fields, { everyConnection: true });
  return { line: `/inc ${text}`, triggerId: fields.trigger_id, responseUrl: fields.response_url };
}

/** The answers posted to one command's response_url. */
function answersTo(sent: Sent): number {
  return slack.responseUrlPosts.filter((post) => sent.responseUrl.endsWith(`/${post.id}`)).length;
}

/** Waits until one replica answered and the other logged that it left the command alone. */
async function answeredOnceBy(sent: Sent, replicas: TocsinProcess[]): Promise<void> {
  await until(() => answersTo(sent) > 0, `an answer to ${sent.line}`, 20_000);
  if (replicas.length < 2) return;
  await until(
    () =>
      answersTo(sent) > 1 ||
      replicas.some(
        (replica) =>
          replica.stderr().includes(sent.triggerId) &&
          replica.stderr().includes("event claimed by another replica"),
      ),
    `the other replica passing on ${sent.line}`,
  );
}

describe("two replicas on one Slack app in Socket Mode", () => {
  it("answer every command once, also while one of them is killed", {
    timeout: scaledDeadline(120_000),
  }, async () => {
    const a = await startReplica("a");
    const b = await startReplica("b");
    const both = [a, b];
    try {
      await slack.waitForSocket(20_000, 2);
      const soc = slack.addChannel({ name: "soc", members: [alice.id] });
      const year = new Date().getUTCFullYear();
      const sent: Sent[] = [];
      for (const text of ["declare Socket answers sev:3", "list", "help", `show INC-${year}-0001`]) {
        const command = await send(text, soc);
        sent.push(command);
        await answeredOnceBy(command, both);
      }
      expect(slack.callsTo("conversations.create")).toHaveLength(1);

      // Killed with commands on their way: the envelopes reach both connections, one of them
      // dead. The survivor answers each once.
      a.child.kill("SIGKILL");
      const duringKill = [await send("list", soc), await send(`note INC-${year}-0001 during the kill`, soc)];
      await a.exited;
      await until(() => slack.socketConnections === 1, "the killed replica's connection closed");
      const afterKill = [await send("list", soc), await send("help", soc)];
      // Only the survivor is left to answer: once each command has its answer, none can follow.
      for (const command of [...duringKill, ...afterKill]) await answeredOnceBy(command, [b]);
      for (const command of [...sent, ...duringKill, ...afterKill]) {
        expect({ command: command.line, answers: answersTo(command) }).toEqual({
          command: command.line,
          answers: 1,
        });
      }
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- a:\n${a.stderr()}\n--- b:\n${b.stderr()}`);
    } finally {
      a.child.kill("SIGKILL");
      b.child.kill("SIGTERM");
      await Promise.all([a.exited, b.exited]);
    }
  });
});
