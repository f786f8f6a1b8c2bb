// What the Slack ack thread costs and saves, in CPU time rather than wall-clock time (which a
// shared machine makes noisy): the main thread's CPU per signed slash command (Slack platform,
// HTTP mode, a no-op command handler) and per request to one of the main thread's own routes,
// measured with process.threadCpuUsage() while a client on another thread sends them; and the
// process's RSS once the platform listens. Run it in two trees to compare before and after:
//   node scripts/bench/ack-thread-cost.ts      (ACK_COST_N requests per figure, default 3000)
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import pino from "pino";
import { SLACK_EVENTS_PATH, SlackPlatform } from "../../src/chat/slack/slack-platform.ts";
import { HttpServer, sendText } from "../../src/http/server.ts";

const N = Number(process.env.ACK_COST_N ?? 3000);
const SECRET = "cost-signing-secret";
const TEAM = "T0COST";
const log = pino({ level: "warn" });

// Just enough of the Web API for the platform to start.
const api = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ ok: true, team_id: TEAM, user_id: "U0BOT" }));
});
await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/api/`;

const rssBefore = process.memoryUsage().rss;
const http = new HttpServer(log);
http.route("GET", "/ping", (_req, res) => sendText(res, 200, "ok\n"));
const platform = new SlackPlatform({ botToken: "xoxb-cost", signingSecret: SECRET, apiUrl, http, log });
let handled = 0;
await platform.start(async () => {
  handled++;
  return "answered here";
});
const port = await http.listen(0, "127.0.0.1");
await new Promise((resolve) => setTimeout(resolve, 500));
const rssListening = process.memoryUsage().rss;

/** Sends `n` requests from 8 concurrent clients on another thread; resolves when all are answered. */
function send(kind: "slack" | "ping", n: number): Promise<number[]> {
  const worker = new Worker(
    `
    const { workerData, parentPort } = require("node:worker_threads");
    const { createHmac } = require("node:crypto");
    const { url, kind, n, secret, team } = workerData;
    let next = 0;
    const statuses = [];
    async function client() {
      while (next < n) {
        const i = next++;
        if (kind === "ping") {
          const res = await fetch(url + "/ping");
          statuses.push(res.status);
          await res.text();
          continue;
        }
        const body = new URLSearchParams({
          command: "/inc", text: "note INC-1 cost " + i, team_id: team, user_id: "U0ALICE", user_name: "alice",
          channel_id: "C0SOC", channel_name: "soc", trigger_id: "t" + i + "." + Math.random(),
          response_url: "https://hooks.slack.com/commands/x",
        }).toString();
        const ts = Math.floor(Date.now() / 1000);
        const sig = "v0=" + createHmac("sha256", secret).update("v0:" + ts + ":" + body).digest("hex");
        const res = await fetch(url + "/slack/events", { method: "POST", body, headers: {
          "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(ts), "x-slack-signature": sig } });
        statuses.push(res.status);
        await res.text();
      }
    }
    Promise.all(Array.from({ length: 8 }, client)).then(() => parentPort.postMessage(statuses));
    `,
    { eval: true, workerData: { url: `http://127.0.0.1:${port}`, kind, n, secret: SECRET, team: TEAM } },
  );
  return new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

async function mainThreadCpuPer(kind: "slack" | "ping"): Promise<number> {
  await send(kind, Math.min(500, N)); // warm-up
  const handledBefore = handled;
  const before = process.threadCpuUsage();
  const statuses = await send(kind, N);
  if (kind === "slack")
    while (handled - handledBefore < N) await new Promise((resolve) => setImmediate(resolve));
  const used = process.threadCpuUsage(before);
  const failed = statuses.filter((status) => status !== 200).length;
  if (failed) throw new Error(`${failed} of ${N} ${kind} requests failed`);
  return (used.user + used.system) / 1000 / N;
}

const slackMs = await mainThreadCpuPer("slack");
const pingMs = await mainThreadCpuPer("ping");
process.stdout.write(
  `${SLACK_EVENTS_PATH} main-thread CPU per slash command ${(slackMs * 1000).toFixed(0)} µs; ` +
    `/ping main-thread CPU per request ${(pingMs * 1000).toFixed(0)} µs; ` +
    `RSS +${((rssListening - rssBefore) / 2 ** 20).toFixed(1)} MB from before the platform to listening ` +
    `(${(rssListening / 2 ** 20).toFixed(0)} MB)\n`,
);
await http.close();
await platform.stop();
api.close();
