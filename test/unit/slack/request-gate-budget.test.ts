// The Slack gate holds at most a budget of unverified body bytes across connections: a flood of
// slow senders each trickling a large body is answered 503 (retry) instead of growing memory
// until the process dies, and the bytes of a body go back to the budget once it is read or its
// sender goes away.
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { guardSlackRequests } from "../../../src/chat/slack/request-gate.ts";
import { until } from "../../support/waiting.ts";

const BUDGET = 1000;
let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function startGate(): Promise<number> {
  const gate = guardSlackRequests(() => {}, {
    signingSecret: "budget-test-secret",
    installation: () => undefined,
    log: { warn: () => {} },
    maxBufferedBytes: BUDGET,
  });
  const started = createServer((req, res) => void gate(req, res));
  server = started;
  await new Promise<void>((resolve) => started.listen(0, "127.0.0.1", resolve));
  return (started.address() as AddressInfo).port;
}

/** Opens a connection and sends a request's head and the first `sent` bytes of its body. */
function startRequest(
  port: number,
  length: number,
  sent: number,
): { socket: Socket; status: Promise<number> } {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  socket.write(
    `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`,
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

/** A whole small (unsigned) request: 401 when the gate reads it, 503 when it has no room. */
async function probe(port: number): Promise<number> {
  const { socket, status } = startRequest(port, 300, 300);
  const answer = await status;
  socket.destroy();
  return answer;
}

describe("the Slack gate's budget of unverified bodies", () => {
  it("answers 503 while slow senders hold it, and reads again once their bodies are in", async () => {
    const port = await startGate();
    expect(await probe(port)).toBe(401);
    // A slow sender holds 800 of the 1000 bytes: a 300-byte request has no room.
    const slow = startRequest(port, 900, 800);
    expect(
      await until(async () => (await probe(port)) === 503 || undefined, "a 503 while the budget is held"),
    ).toBe(true);
    // The slow body completes (and is refused unsigned): its bytes go back.
    slow.socket.write("x".repeat(100));
    expect(await slow.status).toBe(401);
    expect(await probe(port)).toBe(401);
  });

  it("gives the bytes of a sender that went away back", async () => {
    const port = await startGate();
    const gone = startRequest(port, 900, 800);
    await until(async () => (await probe(port)) === 503 || undefined, "a 503 while the budget is held");
    gone.socket.destroy();
    expect(await until(async () => (await probe(port)) === 401 || undefined, "the budget given back")).toBe(
      true,
    );
  });
});
