// CPU per Slack Web API call in this process: @slack/web-api's WebClient (as tocsin configures
// it: keep-alive fetch, no retries, a timeout) against tocsin's thin poster for the hot write
// methods (src/chat/slack/web-api-poster.ts), both posting the same chat.postMessage to a local
// answering server in another process (whose CPU is not counted). Rounds alternate, so a busy
// machine weighs on both alike.
//
//   node scripts/bench/web-api-cost.ts [calls per round=3000] [rounds=3] [concurrency=16]
import { fork } from "node:child_process";
import http from "node:http";
import { webApi } from "@slack/bolt";
import { WebApiPoster } from "../../src/chat/slack/web-api-poster.ts";
import { keepAliveFetch } from "../../src/http/keep-alive-fetch.ts";
import { silentLogger } from "../../src/logging.ts";

if (process.argv[2] === "--serve") {
  const answer = JSON.stringify({ ok: true, channel: "C1", ts: "1700000000.000100" });
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(answer);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.(typeof address === "object" && address ? address.port : 0);
  });
  process.on("disconnect", () => process.exit(0));
} else {
  const calls = Number(process.argv[2] ?? 3000);
  const rounds = Number(process.argv[3] ?? 3);
  const concurrency = Number(process.argv[4] ?? 16);
  const child = fork(import.meta.filename, ["--serve"], { stdio: "inherit" });
  const port = await new Promise<number>((resolve) => child.once("message", (port) => resolve(Number(port))));
  const apiUrl = `http://127.0.0.1:${port}/api/`;
  const client = new webApi.WebClient("xoxb-bench", {
    slackApiUrl: apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 15_000,
    fetch: keepAliveFetch,
    logLevel: webApi.LogLevel.ERROR,
  });
  const poster = new WebApiPoster({ apiUrl, botToken: "xoxb-bench", timeoutMs: 15_000, log: silentLogger });
  const blocks = [
    { type: "section", text: { type: "mrkdwn", text: "*INC-2026-0001* status changed to contained" } },
    { type: "context", elements: [{ type: "mrkdwn", text: "by someone · TLP:AMBER" }] },
  ];
  const message = { channel: "C1", text: "INC-2026-0001 status changed to contained", blocks };
  const ways: Record<string, () => Promise<unknown>> = {
    WebClient: () => client.chat.postMessage(message),
    poster: () => poster.call("chat.postMessage", message),
  };
  const run = async (call: () => Promise<unknown>): Promise<number> => {
    let left = calls;
    const before = process.cpuUsage();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) await call();
      }),
    );
    const used = process.cpuUsage(before);
    return (used.user + used.system) / calls;
  };
  for (const call of Object.values(ways)) await run(call); // warm-up
  const totals: Record<string, number[]> = { WebClient: [], poster: [] };
  for (let round = 0; round < rounds; round++)
    for (const [name, call] of Object.entries(ways)) totals[name]?.push(await run(call));
  for (const [name, each] of Object.entries(totals))
    console.log(`${name}: ${each.map((us) => us.toFixed(0)).join(", ")} µs CPU per call (this process)`);
  child.disconnect();
}
