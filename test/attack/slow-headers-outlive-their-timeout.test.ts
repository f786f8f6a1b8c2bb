// ATTACK: a client that never finishes its headers kept its connection (one of the server's
// MAX_CONNECTIONS places) long past headersTimeout. Node checks the headers and request timeouts
// only every connectionsCheckingInterval (30 s by default): with the documented 20 s for headers
// and 30 s for a request, a slow client held its place up to 50 s and 60 s, so a flood of them
// needed fewer than half the connections to keep the places full. Every tocsin server (made by
// guardedServer) now checks every CONNECTIONS_CHECK_MS. Here with a 1 s headers timeout.

import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CONNECTIONS_CHECK_MS, guardedServer, sendText } from "../../src/http/server.ts";
import { until } from "../support/waiting.ts";

const HEADERS_TIMEOUT_MS = 1_000;
const log = { info: () => {}, error: () => {} };
const server = guardedServer(async (_req, res) => sendText(res, 200, "ok\n"), log);
server.headersTimeout = HEADERS_TIMEOUT_MS;
server.requestTimeout = 2 * HEADERS_TIMEOUT_MS;
let socket: Socket | undefined;

afterEach(async () => {
  socket?.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("a client that never finishes its headers", () => {
  it("loses its connection soon after the headers timeout, not at Node's 30 s check", async () => {
    expect(CONNECTIONS_CHECK_MS).toBeLessThanOrEqual(2_000);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const { port } = server.address() as AddressInfo;
    let closed = false;
    let answer = "";
    const opened = Date.now();
    socket = connect(port, "127.0.0.1", () => socket?.write("POST /x HTTP/1.1\r\nHost: a\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.once("close", () => {
      closed = true;
    });
    // Well under Node's default 30 s check, scaled for a loaded machine (3 x 5 s).
    await until(() => closed, "the server to close the slow connection", { timeoutMs: 5_000 });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS);
  });
});
