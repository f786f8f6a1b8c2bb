// A real `node src/main.ts` with Slack over HTTP, facing what the internet sends: bad request
// targets, oversized headers and bodies, signed null payloads, requests from another workspace
// or from the future. Each gets a 4xx, and afterwards the process is alive, healthy and still
// runs a normal signed command.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import { SlackRequestSender, SlackWebApiDouble, slashCommandFields } from "../doubles/slack-web-api.ts";
import { rawRequest } from "../support/raw-http.ts";
import { startTocsin, type TocsinProcess } from "../support/tocsin-process.ts";
import { scaledDeadline, until } from "../support/waiting.ts";

const SIGNING_SECRET = "hostile-http-test-secret";
const METRICS_TOKEN = "metrics-token-for-the-test-0123";
const alice = { id: "U0ALICE", name: "alice" };
const FORM = "application/x-www-form-urlencoded";

let root: string;
let slack: SlackWebApiDouble;
let desk: TocsinProcess;
let port: number;
let sender: SlackRequestSender;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tocsin-hostile-"));
  await chmod(root, 0o755);
  slack = await SlackWebApiDouble.start();
  slack.addUser({ id: alice.id, name: alice.name, displayName: "alice" });
  port = await freeLoopbackPort();
  desk = startTocsin({
    TOCSIN_DATA_DIR: path.join(root, "data"),
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    HTTP_PORT: String(port),
    HTTP_HOST: "127.0.0.1",
    METRICS_TOKEN,
    LOG_LEVEL: "info",
  });
  await until(
    () => {
      if (desk.child.exitCode !== null) throw new Error(`tocsin exited:\n${desk.stderr()}`);
      return desk.stderr().includes("tocsin ready");
    },
    "tocsin ready",
    60_000,
  );
  sender = new SlackRequestSender(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, slack);
}, scaledDeadline(90_000));

afterAll(async () => {
  desk?.child.kill("SIGTERM");
  await desk?.exited;
  await slack?.close();
  await rm(root, { recursive: true, force: true });
});

const raw = (head: string, body?: string | Buffer) => rawRequest(port, head, body);

describe("tocsin facing hostile HTTP", () => {
  it("answers every malformed request with a 4xx and keeps serving", {
    timeout: scaledDeadline(120_000),
  }, async () => {
    const soc = slack.addChannel({ name: "soc", members: [alice.id] });
    const statuses: Record<string, number | undefined> = {};

    for (const target of ["//", "http://", "http://[::1"]) {
      statuses[`GET ${target}`] = (
        await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close`)
      ).status;
    }
    statuses["oversized headers"] = (
      await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fill: ${"a".repeat(64 * 1024)}\r\nConnection: close`)
    ).status;
    statuses["10 MB body"] = (
      await raw(
        `POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM}\r\nContent-Length: ${10 * 1024 * 1024}`,
        Buffer.alloc(10 * 1024 * 1024, "a"),
      )
    ).status;
    statuses["signed payload=null"] = (await sender.send("payload=null", FORM)).status;
    statuses["signed JSON null"] = (await sender.send("null", "application/json")).status;
    const command = slashCommandFields(slack, {
      command: "/inc",
      text: "declare Foreign",
      user: alice,
      channel: soc,
    });
    statuses["another team_id"] = (
      await sender.send(new URLSearchParams({ ...command, team_id: "T0ELSEWHERE" }).toString(), FORM)
    ).status;
    statuses["future timestamp"] = (
      await sender.slashCommand(
        { command: "/inc", text: "declare From the future", user: alice, channel: soc },
        { timestampSeconds: Math.floor(Date.now() / 1000) + 10 * 60 },
      )
    ).status;

    expect(statuses).toEqual({
      "GET //": 400,
      "GET http://": 400,
      "GET http://[::1": 400,
      "oversized headers": 431,
      "10 MB body": 413,
      "signed payload=null": 400,
      "signed JSON null": 400,
      "another team_id": 403,
      "future timestamp": 401,
    });

    expect(desk.child.exitCode).toBeNull();
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, "ok\n"]);

    // A normal signed command still works, and is the only one that ran.
    const sent = await sender.slashCommand({
      command: "/inc",
      text: "declare Still standing",
      user: alice,
      channel: soc,
    });
    expect(sent.status).toBe(200);
    await until(() => slack.channelByName("inc-2026-0001-still-standing"), "the incident channel", 30_000);
    expect(slack.callsTo("conversations.create")).toHaveLength(1);
    expect(desk.stderr()).not.toContain("unhandled rejection");
  });

  it("serves /metrics only with the bearer token", async () => {
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("tocsin_process_resident_memory_bytes");
  });
});
