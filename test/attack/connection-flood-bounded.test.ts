// A flood of connections that never finish their requests must not grow a server's memory
// without bound (the attack review ran the edge thread out of its heap with ~9,000 of them, again
// and again): every tocsin HTTP server (the main thread's and the edge thread's, both made by
// guardedServer) holds at most MAX_CONNECTIONS; past it Node closes new ones at once, and a
// connection freed makes room again. Here with a cap of 3.

import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { guardedServer, MAX_CONNECTIONS, sendText } from "../../src/http/server.ts";

const lines: string[] = [];
const log = {
  info: () => {},
  error: (_fields: Record<string, unknown>, message: string) => lines.push(message),
};
const server = guardedServer(
  async (_req, res) => sendText(res, 200, "ok\n"),
  log,
  () => {},
  3,
);
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
    sockets.push(socket);
  });
}

/** Resolves when the server closes the socket; the barrier that it was refused. */
const closedByServer = (socket: Socket) =>
  new Promise<void>((resolve) => socket.once("close", () => resolve()));

describe("a connection flood", () => {
  it("is refused past the cap, and a freed connection makes room", async () => {
    expect(MAX_CONNECTIONS).toBeGreaterThanOrEqual(1024);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const { port } = server.address() as AddressInfo;
    // Three connections that send half a request and stay.
    const held = await Promise.all([open(port), open(port), open(port)]);
    for (const socket of held) socket.write("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n");
    // The barrier that all three are the server's: it counts them.
    await new Promise<void>((resolve, reject) => {
      const check = () =>
        server.getConnections((error, count) => {
          if (error) return reject(error);
          if (count >= 3) return resolve();
          setImmediate(check);
        });
      check();
    });
    const fourth = await open(port);
    await closedByServer(fourth);
    expect(lines).toContain("connections refused: the server holds as many as it may");
    // One goes away: a new client is served.
    const gone = closedByServer(held[0] as Socket);
    held[0]?.destroy();
    await gone;
    let answer: string | undefined;
    for (let attempt = 0; attempt < 50 && !answer?.startsWith("HTTP/1.1 200"); attempt++) {
      const fifth = await open(port);
      answer = await new Promise<string>((resolve) => {
        let text = "";
        fifth.on("data", (chunk) => {
          text += chunk.toString();
        });
        fifth.once("close", () => resolve(text));
        fifth.write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      });
    }
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
  });
});
