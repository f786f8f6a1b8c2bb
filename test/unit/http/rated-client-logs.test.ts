// What any client can cause is logged at a rate, not once per connection: refusals at the
// connection cap and malformed or timed-out requests give one line at once, the rest of a burst
// counted and told when the interval ends (so the last burst before a quiet spell is told too).
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RatedLogLine } from "../../../src/http/rated-log.ts";
import { guardedServer, sendText } from "../../../src/http/server.ts";
import { rawRequest } from "../../support/raw-http.ts";
import { scaledDeadline, until } from "../../support/waiting.ts";

/** Long enough for a burst of three requests on a loaded machine, short enough to wait for. */
const INTERVAL_MS = scaledDeadline(500);

type Line = { level: "info" | "error"; fields: Record<string, unknown>; message: string };

function recordingLog() {
  const lines: Line[] = [];
  return {
    lines,
    info: (fields: Record<string, unknown>, message: string) =>
      lines.push({ level: "info", fields, message }),
    error: (fields: Record<string, unknown>, message: string) =>
      lines.push({ level: "error", fields, message }),
  };
}

const sockets: Socket[] = [];
const servers: Array<ReturnType<typeof guardedServer>> = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const socket of sockets) socket.destroy();
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function listening(server: ReturnType<typeof guardedServer>): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return (server.address() as AddressInfo).port;
}

describe("a rated log line", () => {
  it("says the first at once, the rest of the interval once it ends, and nothing when quiet", () => {
    vi.useFakeTimers();
    const said: Array<[number, Record<string, number> | undefined]> = [];
    const line = new RatedLogLine(60_000, (count, codes) => said.push([count, codes]));
    line.note("A");
    line.note("A");
    line.note("B");
    expect(said).toEqual([[1, { A: 1 }]]);
    vi.advanceTimersByTime(60_000);
    expect(said).toEqual([
      [1, { A: 1 }],
      [2, { A: 1, B: 1 }],
    ]);
    vi.advanceTimersByTime(10 * 60_000);
    expect(said).toHaveLength(2);
    line.note();
    expect(said[2]).toEqual([1, undefined]);
  });
});

describe("the guarded server's logs about clients", () => {
  it("rate malformed requests: one line for a burst, its rest told when the interval ends", async () => {
    const log = recordingLog();
    const port = await listening(
      guardedServer(
        async (_req, res) => sendText(res, 200, "ok\n"),
        log,
        () => {},
        100,
        INTERVAL_MS,
      ),
    );
    // Each answer is the barrier that its request was refused (and noted) before it.
    for (let i = 0; i < 3; i++) expect((await rawRequest(port, "NOT-HTTP\r\n\r\n")).status).toBe(400);
    const malformed = () => log.lines.filter((line) => line.message === "malformed HTTP request refused");
    expect(malformed().map((line) => line.fields.refused)).toEqual([1]);
    await until(() => malformed().length === 2, "the rest of the burst told");
    expect(malformed()[1]?.fields).toMatchObject({ refused: 2, codes: { HPE_INVALID_METHOD: 2 } });
  });

  it("tell the refusals at the connection cap that came after the last line (the count is not dropped)", async () => {
    const log = recordingLog();
    const server = guardedServer(
      async (_req, res) => sendText(res, 200, "ok\n"),
      log,
      () => {},
      1,
      INTERVAL_MS,
    );
    const port = await listening(server);
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () => resolve(socket));
        socket.once("error", reject);
        sockets.push(socket);
      });
    const held = await open();
    held.write("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n");
    await until(
      () => new Promise<boolean>((resolve) => server.getConnections((_error, count) => resolve(count >= 1))),
      "the held connection counted",
    );
    for (let i = 0; i < 3; i++) {
      const refused = await open();
      await new Promise<void>((resolve) => refused.once("close", () => resolve()));
    }
    const refusals = () =>
      log.lines.filter((line) => line.message === "connections refused: the server holds as many as it may");
    const told = () => refusals().reduce((sum, line) => sum + Number(line.fields.dropped), 0);
    await until(() => told() === 3, "every refusal told, those after the first line too");
    expect(refusals()[0]?.fields.dropped).toBe(1);
  });
});
