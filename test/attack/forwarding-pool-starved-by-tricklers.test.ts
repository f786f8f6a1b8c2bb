// ATTACK: with Slack over HTTP, the ack thread owns the public port and forwards every other
// request (alert intake, health, metrics, feeds) to the main thread's loopback server through
// one keep-alive Agent. That Agent allowed 32 sockets: 32 strangers who send a request's headers
// and then trickle its body (the server allows 30 s per request; reconnecting renews it) held
// every forwarding socket, and every other forwarded request — a monitoring system's alert, a
// readiness probe — queued behind them in the Agent. Before the thread, each connection reached
// the main thread's server on its own; the hop must not add a shared bottleneck.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SlackPlatform } from "../../src/chat/slack/slack-platform.ts";
import { HttpServer, sendText } from "../../src/http/server.ts";
import { SlackWebApiDouble } from "../doubles/slack-web-api.ts";
import { SIGNING_SECRET } from "../platform/slack/harness.ts";
import { captureLog, until } from "../support/waiting.ts";

const STRANGERS = 40;
const sockets: net.Socket[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("strangers trickling bodies through the ack thread's forwarding hop", () => {
  it("do not hold up other forwarded requests", async () => {
    const slack = await SlackWebApiDouble.start();
    cleanups.push(() => slack.close());
    const captured = captureLog();
    const http = new HttpServer(captured.log);
    let arrived = 0;
    http.route("POST", "/trickle", async (req, res) => {
      arrived++;
      for await (const _ of req);
      sendText(res, 200, "done\n");
    });
    http.route("GET", "/ready", (_req, res) => sendText(res, 200, "ready\n"));
    const platform = new SlackPlatform({
      botToken: slack.botToken,
      signingSecret: SIGNING_SECRET,
      apiUrl: slack.apiUrl,
      http,
      log: captured.log,
    });
    await platform.start(async () => "answered here");
    cleanups.push(() => platform.stop());
    const port = await http.listen(0, "127.0.0.1");
    cleanups.push(() => http.close());

    for (let i = 0; i < STRANGERS; i++) {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => {});
      sockets.push(socket);
      // Headers and the first byte of a body that never comes.
      socket.write("POST /trickle HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\nx");
    }
    // Each stranger's request reaches the main thread's route on a forwarding socket of its own.
    await until(
      () => arrived === STRANGERS || undefined,
      `all ${STRANGERS} trickling requests forwarded`,
      5_000,
    );
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    expect([ready.status, await ready.text()]).toEqual([200, "ready\n"]);
  });
});
