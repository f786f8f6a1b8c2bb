// Two tocsin processes on one PostgreSQL, as a deployment behind a load balancer runs them:
// an event delivered to both is handled once, a durable job runs once, and when one replica is
// killed the other carries on with its work.
//
// The shared server is an embedded PostgreSQL started here, or Debian's PostgreSQL when
// TOCSIN_TEST_POSTGRES_URL is set (.ci/run does that once).
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import { SlackRequestSender, SlackWebApiDouble, slashCommandFields } from "../doubles/slack-web-api.ts";
import { type SharedDatabase, sharedDatabase } from "../support/shared-database.ts";
import { startTocsin, type TocsinProcess, waitUntilReady } from "../support/tocsin-process.ts";
import { scaledDeadline, until } from "../support/waiting.ts";

const SIGNING_SECRET = "replica-test-secret";
const alice = { id: "U0ALICE", name: "alice" };

let shared: SharedDatabase;
let root: string;
let databaseUrl: string;
let slack: SlackWebApiDouble;

beforeAll(async () => {
  shared = await sharedDatabase("replicas");
  ({ root, databaseUrl } = shared);
  slack = await SlackWebApiDouble.start();
  slack.addUser({ id: alice.id, name: alice.name, displayName: "alice" });
});

afterAll(async () => {
  await slack?.close();
  await shared?.close();
});

async function startReplica(name: string): Promise<{ process: TocsinProcess; sender: SlackRequestSender }> {
  const port = await freeLoopbackPort();
  const replica = startTocsin({
    TOCSIN_DATA_DIR: path.join(root, name),
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    HTTP_PORT: String(port),
    TOCSIN_ARCHIVE_AFTER: "2s",
    LOG_LEVEL: "info",
  });
  await waitUntilReady(replica, `http://127.0.0.1:${port}`, 30_000);
  const sender = new SlackRequestSender(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, slack);
  return { process: replica, sender };
}

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("two replicas on one PostgreSQL", () => {
  it("share the work: events once, jobs once, and the survivor finishes a dead replica's work", {
    timeout: scaledDeadline(90_000),
  }, async () => {
    const a = await startReplica("a");
    const b = await startReplica("b");
    try {
      const soc = slack.addChannel({ name: "soc", members: [alice.id] });

      // The same slash command delivered to both replicas (a retry that the load balancer sent
      // to the other one) declares one incident.
      const fields = slashCommandFields(slack, {
        command: "/inc",
        text: "declare Shared work sev:2",
        user: alice,
        channel: soc,
      });
      const body = new URLSearchParams(fields).toString();
      const [first, retry] = await Promise.all([
        a.sender.send(body, "application/x-www-form-urlencoded"),
        b.sender.send(body, "application/x-www-form-urlencoded", { retryNum: 1 }),
      ]);
      expect([first.status, retry.status]).toEqual([200, 200]);
      const room = await until(
        async () => slack.channelByName("inc-2026-0001-shared-work") ?? undefined,
        "the channel",
      );
      // A barrier on each replica: a later command sent there and answered.
      await Promise.all(
        [a, b].map(async (replica) => {
          const sent = await replica.sender.slashCommand({
            command: "/inc",
            text: "list",
            user: alice,
            channel: soc,
          });
          await slack.waitForResponseUrlPost((post) => sent.responseUrl.endsWith(post.id), 20_000);
        }),
      );
      expect(await query(`select "publicId" from "Incident"`)).toEqual([{ publicId: "INC-2026-0001" }]);
      expect(slack.callsTo("conversations.create")).toHaveLength(1);

      // Different commands on different replicas number incidents without collisions.
      await Promise.all([
        ...Array.from({ length: 5 }, (_, i) =>
          a.sender.slashCommand({ command: "/inc", text: `declare A${i}`, user: alice, channel: soc }),
        ),
        ...Array.from({ length: 5 }, (_, i) =>
          b.sender.slashCommand({ command: "/inc", text: `declare B${i}`, user: alice, channel: soc }),
        ),
      ]);
      await until(
        async () =>
          (await query(`select count(*)::int as n from "Incident"`))[0]?.n === 11 ? true : undefined,
        "11 incidents",
      );
      const ids = await query<{ publicId: string }>(`select "publicId" from "Incident" order by "publicId"`);
      expect(new Set(ids.map((r) => r.publicId)).size).toBe(11);

      // Closing schedules the archiving job (2 s). Replica A, which took the close, is killed at
      // once; B archives the channel, exactly once.
      await a.sender.slashCommand({
        command: "/inc",
        text: "close done",
        user: alice,
        channel: { id: room.id, name: room.name },
      });
      await until(
        async () =>
          (await query(`select count(*)::int as n from "Job" where kind = 'incident.archive-rooms'`))[0]
            ?.n === 1
            ? true
            : undefined,
        "the archive job",
      );
      a.process.child.kill("SIGKILL");
      await a.process.exited;
      await until(async () => (room.archived ? true : undefined), "the archived channel", 20_000);
      // The job completes in the transaction of its work: once it is done nobody runs it again.
      const job = await until(async () => {
        const [row] = await query<{ outcome: string; attempts: number }>(
          `select outcome, attempts from "Job" where kind = 'incident.archive-rooms'`,
        );
        return row?.outcome === "done" ? row : undefined;
      }, "the archive job done");
      expect(job).toEqual({ outcome: "done", attempts: 1 });
      expect(slack.callsTo("conversations.archive")).toHaveLength(1);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n--- replica a:\n${a.process.stderr()}\n--- replica b:\n${b.process.stderr()}`,
      );
    } finally {
      a.process.child.kill("SIGKILL");
      b.process.child.kill("SIGTERM");
      await Promise.all([a.process.exited, b.process.exited]);
    }
  });
});
