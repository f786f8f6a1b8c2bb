// The thin poster for the hot Web API writes fails exactly as the WebClient would, so CallLanes
// classify its failures the same (rate limit with its wait, transient, final) and callers read
// Slack's error code the same; and it sends what the WebClient sends (form fields, JSON blocks).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyFailure, slackErrorCode } from "../../../src/chat/slack/call-lanes.ts";
import { WebApiPoster } from "../../../src/chat/slack/web-api-poster.ts";
import { silentLogger } from "../../../src/logging.ts";

let server: Server;
let apiUrl: string;
const seen: Array<{ url?: string; authorization?: string; type?: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({
        url: req.url,
        authorization: req.headers.authorization,
        type: req.headers["content-type"],
        body,
      });
      const json = (status: number, answer: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(answer));
      };
      const channel = new URLSearchParams(body).get("channel");
      if (channel === "LIMITED")
        return json(429, { ok: false, error: "ratelimited" }, { "retry-after": "7" });
      if (channel === "BROKEN") return json(503, { ok: false });
      if (channel === "GONE") return json(200, { ok: false, error: "channel_not_found" });
      if (channel === "SLOW") return; // never answers
      json(200, { ok: true, channel, ts: "1700000000.000100" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const poster = (timeoutMs = 10_000) =>
  new WebApiPoster({ apiUrl, botToken: "xoxb-test", timeoutMs, log: silentLogger });

async function failureOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

describe("WebApiPoster", () => {
  it("posts form fields with blocks as JSON and the bot token, and answers Slack's answer", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "a & b" } }];
    const answer = await poster().call("chat.postMessage", {
      channel: "C1",
      text: "a & b",
      blocks,
      thread: undefined,
    });
    expect(answer.ts).toBe("1700000000.000100");
    const request = seen.at(-1);
    expect(request?.url).toBe("/api/chat.postMessage");
    expect(request?.authorization).toBe("Bearer xoxb-test");
    expect(request?.type).toBe("application/x-www-form-urlencoded");
    const fields = new URLSearchParams(request?.body);
    expect(fields.get("text")).toBe("a & b");
    expect(JSON.parse(fields.get("blocks") ?? "")).toEqual(blocks);
    expect(fields.has("thread")).toBe(false);
  });

  it("fails a 429 as the WebClient's rate-limit error, with its Retry-After", async () => {
    const error = await failureOf(poster().call("chat.postMessage", { channel: "LIMITED" }));
    expect(error).toBeInstanceOf(webApi.WebAPIRateLimitedError);
    expect(classifyFailure(error)).toEqual({ kind: "rate-limited", retryAfterMs: 7000 });
  });

  it("fails a 5xx as transient and `ok: false` as final, with Slack's error code readable", async () => {
    const broken = await failureOf(poster().call("chat.update", { channel: "BROKEN" }));
    expect(broken).toBeInstanceOf(webApi.WebAPIHTTPError);
    expect(classifyFailure(broken)).toEqual({ kind: "transient", reason: "HTTP 503" });
    const gone = await failureOf(poster().call("chat.update", { channel: "GONE" }));
    expect(gone).toBeInstanceOf(webApi.WebAPIPlatformError);
    expect(slackErrorCode(gone)).toBe("channel_not_found");
    expect(classifyFailure(gone)).toEqual({ kind: "final" });
  });

  it("fails a refused connection or a timeout as a transient network failure", async () => {
    const refused = new WebApiPoster({
      apiUrl: "http://127.0.0.1:1/api/",
      botToken: "xoxb-test",
      timeoutMs: 5000,
      log: silentLogger,
    });
    const down = await failureOf(refused.call("chat.postMessage", { channel: "C1" }));
    expect(classifyFailure(down)).toEqual({ kind: "transient", reason: "network" });
    const slow = await failureOf(poster(100).call("conversations.setTopic", { channel: "SLOW" }));
    expect(slow).toBeInstanceOf(webApi.WebAPIRequestError);
    expect((slow as { original?: Error }).original?.name).toBe("TimeoutError");
    expect(classifyFailure(slow)).toEqual({ kind: "transient", reason: "network" });
  });
});
