// The shared capped body reader (src/http/body-reader.ts): a per-request cap, and a byte budget
// across requests that a flood of slow senders cannot grow past (the next request is refused
// unread); bytes go back once a body is read or its sender goes away. The alert endpoints use it
// with a budget of their own: /v2/enqueue's unauthenticated bodies and the keyed endpoints'
// bodies get 503 + Retry-After past it, as the Slack gate does.
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { registerAlertRoutes } from "../../../src/alerts/intake/routes.ts";
import { ManualClock } from "../../../src/clock.ts";
import type { Db } from "../../../src/db/database.ts";
import { ByteBudget, readCappedBody } from "../../../src/http/body-reader.ts";
import { HttpServer } from "../../../src/http/server.ts";
import { JobQueue } from "../../../src/jobs/queue.ts";
import { configWithIntegrations } from "../../support/alert-config.ts";
import { until } from "../../support/waiting.ts";

const BUDGET = 1000;
const AM_KEY = "a".repeat(40);
const sockets: Socket[] = [];
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const close of closers.splice(0)) await close();
});

/** A server whose handler reads each body with the reader and answers what it got. */
async function startReader(budget: ByteBudget, limit: number): Promise<number> {
  const server: Server = createServer(async (req, res) => {
    const body = await readCappedBody(req, limit, budget);
    if (body === "gone") return;
    const status = body === "too large" ? 413 : body === "over budget" ? 503 : 200;
    res.writeHead(status, { connection: "close" }).end(Buffer.isBuffer(body) ? String(body.length) : body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** Opens a connection and sends a request's head and the first `sent` bytes of its body. */
function startRequest(
  port: number,
  path: string,
  length: number,
  sent: number,
): { socket: Socket; status: Promise<number> } {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`,
  );
  socket.write("x".repeat(sent));
  const status = new Promise<number>((resolve) => {
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString();
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    socket.on("error", () => {});
  });
  return { socket, status };
}

async function probe(port: number, path = "/"): Promise<number> {
  const { socket, status } = startRequest(port, path, 300, 300);
  const answer = await status;
  socket.destroy();
  return answer;
}

describe("the capped body reader", () => {
  it("refuses a body past the per-request cap, declared or streamed", async () => {
    const port = await startReader(new ByteBudget(BUDGET), 500);
    expect(await probe(port)).toBe(200);
    const declared = startRequest(port, "/", 600, 0);
    expect(await declared.status).toBe(413);
  });

  it("holds at most the budget across requests; bytes go back when read or abandoned", async () => {
    const budget = new ByteBudget(BUDGET);
    const port = await startReader(budget, 900);
    const slow = startRequest(port, "/", 900, 800);
    await until(() => budget.used === 800 || undefined, "the slow body to be held");
    expect(await probe(port)).toBe(503);
    expect(budget.used).toBe(800);
    slow.socket.write("x".repeat(100));
    expect(await slow.status).toBe(200);
    expect(budget.used).toBe(0);
    const gone = startRequest(port, "/", 900, 800);
    await until(() => budget.used === 800 || undefined, "the second slow body to be held");
    gone.socket.destroy();
    await until(() => budget.used === 0 || undefined, "the abandoned body's bytes given back");
    expect(await probe(port)).toBe(200);
  });
});

describe("the alert endpoints' byte budget", () => {
  it("answers 503, unread, while slow senders hold it (/v2/enqueue and keyed endpoints)", async () => {
    const server = new HttpServer(pino({ level: "silent" }));
    const clock = new ManualClock("2026-03-10T09:00:00Z");
    const log = pino({ level: "silent" });
    const config = configWithIntegrations(
      `  - { id: prom, kind: alertmanager, team: csirt, key: ${AM_KEY} }\n`,
    );
    registerAlertRoutes(server, {
      config: () => config,
      receiver: { receive: async () => {} },
      db: {} as Db,
      jobs: new JobQueue({} as Db, clock, log),
      clock,
      log,
      maxBufferedBytes: BUDGET,
    });
    const port = await server.listen(0, "127.0.0.1");
    closers.push(() => server.close());
    // A stranger's slow body on /v2/enqueue (no key needed to send it) holds 800 of 1000 bytes.
    const slow = startRequest(port, "/v2/enqueue", 900, 800);
    const keyed = `/alerts/alertmanager/${AM_KEY}`;
    expect(
      await until(async () => (await probe(port, keyed)) === 503 || undefined, "a 503 while it is held"),
    ).toBe(true);
    expect(await probe(port, "/v2/enqueue")).toBe(503);
    // Its body completes (and is refused: not JSON): its bytes go back, the keyed post is read.
    slow.socket.write("x".repeat(100));
    expect(await slow.status).toBe(400);
    expect(await probe(port, keyed)).toBe(400);
  });
});
