// The Matrix client's fetch (src/chat/matrix/matrix-fetch.ts) is bounded on every path: its
// deadline timers never keep the process alive and are gone once a request ends, however it ends;
// a homeserver on the internet cannot redirect tocsin to an internal address (and the hop connects
// to the address checked, not to a second resolution); and no request goes to Node's global fetch,
// whose answers have no size cap.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { fetchWithDeadline, RedirectGuard, type Resolver } from "../../../src/chat/matrix/matrix-fetch.ts";
import { MAX_RESPONSE_BYTES, runningDeadlineTimers } from "../../../src/http/keep-alive-fetch.ts";

const seen: Array<{
  server: "home" | "other";
  url?: string;
  headers: IncomingMessage["headers"];
  body: string;
}> = [];
const sockets = new Set<Socket>();
let home: Server;
let other: Server;
let homeBase: string;
let otherPort: number;
/** Called when a request to /slow arrives (set by the test that waits for one). */
let onSlow: (() => void) | undefined;

function listen(server: Server): Promise<number> {
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

beforeAll(async () => {
  home = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ server: "home", url: req.url, headers: req.headers, body });
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const to = new URL(req.url ?? "/", "http://x").searchParams.get("to");
      if (path === "/slow") {
        onSlow?.();
        return; // never answers
      }
      if (path === "/redirect" && to) {
        res.writeHead(302, { location: to });
        res.end();
        return;
      }
      if (path === "/cut") {
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"ok":', () => req.socket.destroy());
        return;
      }
      if (path === "/upload-then-huge") {
        res.writeHead(200, { "content-type": "text/plain" });
        const block = Buffer.alloc(1024 * 1024, 97);
        for (let i = 0; i * block.length <= MAX_RESPONSE_BYTES; i++) res.write(block);
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ path, length: body.length, type: req.headers["content-type"] ?? null }));
    });
  });
  other = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ server: "other", url: req.url, headers: req.headers, body: "" });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"elsewhere":true}');
    });
  });
  homeBase = `http://127.0.0.1:${await listen(home)}`;
  otherPort = await listen(other);
});

afterEach(() => vi.restoreAllMocks());

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => home.close(resolve));
  await new Promise((resolve) => other.close(resolve));
});

/** A resolver double: each name's answers in turn (the last one repeats), and every name asked. */
function resolverDouble(answers: Record<string, string[][]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const turns = answers[hostname];
    if (!turns) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    const turn =
      turns[Math.min(asked.filter((name) => name === hostname).length - 1, turns.length - 1)] ?? [];
    return turn.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

const onTheLan = () => new RedirectGuard(homeBase);
const redirectTo = (target: string) => new URL(`${homeBase}/redirect?to=${encodeURIComponent(target)}`);
const get = { method: "GET", headers: { Authorization: "Bearer secret-token" }, redirect: "follow" } as const;

describe("the Matrix fetch's deadline timers", () => {
  it("never keep the process alive while a request waits, and go once it is aborted", async () => {
    const controller = new AbortController();
    const arrived = new Promise<void>((resolve) => {
      onSlow = resolve;
    });
    const waiting = fetchWithDeadline(
      new URL(`${homeBase}/slow`),
      { ...get, signal: controller.signal },
      30_000,
      onTheLan(),
    );
    await arrived;
    const timers = runningDeadlineTimers();
    expect(timers).toHaveLength(1);
    expect(timers[0]?.hasRef()).toBe(false);
    controller.abort(new Error("stopped"));
    await expect(waiting).rejects.toThrow("stopped");
    expect(runningDeadlineTimers()).toEqual([]);
  });

  it("go once an answer is in, after redirect hops too", async () => {
    const answer = await fetchWithDeadline(new URL(`${homeBase}/plain`), get, 30_000, onTheLan());
    expect(await answer.json()).toMatchObject({ path: "/plain" });
    expect(runningDeadlineTimers()).toEqual([]);
    const hopped = await fetchWithDeadline(
      redirectTo(`${homeBase}/redirect?to=${encodeURIComponent(`${homeBase}/landed`)}`),
      get,
      30_000,
      onTheLan(),
    );
    expect(await hopped.json()).toMatchObject({ path: "/landed" });
    expect(runningDeadlineTimers()).toEqual([]);
  });

  it("go when the connection fails, when an answer is cut short and when the deadline passes", async () => {
    const closed = createServer();
    const port = await new Promise<number>((resolve) =>
      closed.listen(0, "127.0.0.1", () => resolve((closed.address() as AddressInfo).port)),
    );
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      fetchWithDeadline(new URL(`http://127.0.0.1:${port}/`), get, 30_000, onTheLan()),
    ).rejects.toThrow(/fetch failed/);
    expect(runningDeadlineTimers()).toEqual([]);
    await expect(fetchWithDeadline(new URL(`${homeBase}/cut`), get, 30_000, onTheLan())).rejects.toThrow(
      /fetch failed/,
    );
    expect(runningDeadlineTimers()).toEqual([]);
    await expect(fetchWithDeadline(new URL(`${homeBase}/slow`), get, 50, onTheLan())).rejects.toMatchObject({
      name: "TimeoutError",
    });
    expect(runningDeadlineTimers()).toEqual([]);
  });

  it("bound a redirect's name resolution too, and go when it never answers", async () => {
    const guard = new RedirectGuard(homeBase, () => new Promise(() => {}));
    await expect(fetchWithDeadline(redirectTo("http://never.test/"), get, 100, guard)).rejects.toMatchObject({
      name: "TimeoutError",
    });
    expect(runningDeadlineTimers()).toEqual([]);
  });
});

describe("a homeserver's redirect to an internal address", () => {
  const onTheInternet = (resolver: Resolver) => new RedirectGuard("https://matrix.example.org", resolver);
  const publicHome = { "matrix.example.org": [["203.0.113.10"]] };

  it("is refused when the homeserver is on the internet, by name or by address, before any connection", async () => {
    const before = seen.length;
    const resolver = resolverDouble({
      ...publicHome,
      "internal.test": [["127.0.0.1"]],
      "mixed.test": [["203.0.113.20", "10.0.0.7"]],
    });
    const targets = [
      `http://internal.test:${otherPort}/landing`,
      `http://mixed.test:${otherPort}/landing`,
      "http://169.254.169.254/latest/meta-data/",
      `http://127.0.0.1:${otherPort}/landing`,
      "http://10.1.2.3/",
      "http://172.16.0.1/",
      "http://192.168.1.1/",
      `http://[::1]:${otherPort}/landing`,
      "http://[fd12::1]/",
      "http://[fe80::1]/",
      `http://[::ffff:127.0.0.1]:${otherPort}/landing`,
    ];
    for (const target of targets) {
      const refused = await fetchWithDeadline(redirectTo(target), get, 30_000, onTheInternet(resolver)).catch(
        (error: unknown) => error,
      );
      expect(refused, target).toBeInstanceOf(TypeError);
      expect(String((refused as TypeError).cause), target).toMatch(/internal address/);
    }
    expect(resolver.asked).toEqual(expect.arrayContaining(["internal.test", "mixed.test"]));
    // Barrier: the other server answers a request now, and it is the only one it ever saw.
    const barrier = await fetchWithDeadline(
      new URL(`http://127.0.0.1:${otherPort}/barrier`),
      get,
      30_000,
      onTheLan(),
    );
    expect(await barrier.json()).toEqual({ elsewhere: true });
    expect(
      seen
        .slice(before)
        .filter((s) => s.server === "other")
        .map((s) => s.url),
    ).toEqual(["/barrier"]);
  });

  it("is followed when the homeserver itself is on the LAN, to the address checked (no second resolution)", async () => {
    // The name answers loopback first, then an address nobody listens on: a connection that
    // resolved the name again would not reach the other server.
    const resolver = resolverDouble({
      "matrix.lan": [["192.168.1.5"]],
      "rebind.test": [["127.0.0.1"], ["192.0.2.1"]],
    });
    const guard = new RedirectGuard("https://matrix.lan", resolver);
    const answer = await fetchWithDeadline(
      redirectTo(`http://rebind.test:${otherPort}/rebound`),
      get,
      30_000,
      guard,
    );
    expect(await answer.json()).toEqual({ elsewhere: true });
    const landed = seen.filter((s) => s.server === "other" && s.url === "/rebound");
    expect(landed).toHaveLength(1);
    expect(landed[0]?.headers.host).toBe(`rebind.test:${otherPort}`);
    expect(landed[0]?.headers.authorization).toBeUndefined();
    expect(resolver.asked.filter((name) => name === "rebind.test")).toHaveLength(1);
  });
});

describe("the Matrix fetch and Node's global fetch", () => {
  it("sends a Blob upload on the capped client: its bytes arrive, and a huge answer is refused", async () => {
    const globalFetch = vi.spyOn(globalThis, "fetch");
    const blob = new Blob(["signed report"], { type: "text/plain" });
    const headers = { "Content-Type": "text/plain" };
    const answer = await fetchWithDeadline(
      new URL(`${homeBase}/upload`),
      { method: "POST", headers, body: blob },
      30_000,
      onTheLan(),
    );
    expect(await answer.json()).toEqual({
      path: "/upload",
      length: "signed report".length,
      type: "text/plain",
    });
    await expect(
      fetchWithDeadline(
        new URL(`${homeBase}/upload-then-huge`),
        { method: "POST", headers, body: new Blob([new Uint8Array(10)]) },
        30_000,
        onTheLan(),
      ),
    ).rejects.toThrow(/fetch failed/);
    expect(globalFetch).not.toHaveBeenCalled();
  });

  it("refuses a body it cannot send as bytes, loudly, instead of handing it to the global fetch", async () => {
    const globalFetch = vi.spyOn(globalThis, "fetch");
    await expect(
      fetchWithDeadline(
        new URL(`${homeBase}/upload`),
        { method: "POST", body: new ReadableStream() },
        30_000,
        onTheLan(),
      ),
    ).rejects.toThrow(/fetch failed/);
    expect(globalFetch).not.toHaveBeenCalled();
  });
});
