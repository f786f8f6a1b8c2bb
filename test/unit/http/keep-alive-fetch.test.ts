// keepAliveFetch answers what the Slack client and response_url posts read of a fetch Response,
// and fails the way fetch fails (callers classify those failures as transient or timeouts).
import { createServer, type IncomingMessage, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  boundedFetch,
  DEFAULT_DEADLINE_MS,
  keepAliveFetch,
  MAX_RESPONSE_BYTES,
} from "../../../src/http/keep-alive-fetch.ts";
import { scaledDeadline } from "../../support/waiting.ts";

let server: Server;
let base: string;
const seen: Array<{ method?: string; headers: IncomingMessage["headers"]; body: string; socket: number }> =
  [];
const sockets = new WeakMap<object, number>();
let nextSocket = 0;
const trickling = Promise.withResolvers<void>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, ++nextSocket);
      seen.push({
        method: req.method,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        socket: sockets.get(req.socket) ?? 0,
      });
      if (req.url === "/slow") return; // never answers
      if (req.url === "/trickle") {
        // Headers and the start of a body, then nothing more.
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"ok":');
        trickling.resolve();
        return;
      }
      if (req.url === "/huge") {
        res.writeHead(200, { "content-type": "text/plain" });
        const block = Buffer.alloc(1024 * 1024, 97);
        for (let i = 0; i * block.length <= MAX_RESPONSE_BYTES; i++) res.write(block);
        res.end();
        return;
      }
      if (req.url === "/limited") {
        res.writeHead(429, { "retry-after": "7", "content-type": "application/json" });
        res.end('{"ok":false,"error":"ratelimited"}');
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "x-many": ["a", "b"] });
      res.end(JSON.stringify({ ok: true, echo: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("keepAliveFetch", () => {
  it("posts a body with its headers and reads status, headers and JSON", async () => {
    const response = await keepAliveFetch(`${base}/api/chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "channel=C1&text=hi",
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${base}/api/chat.postMessage`);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(response.headers.get("x-many")).toBe("a, b");
    expect(response.headers.get("absent")).toBeNull();
    expect(await response.json()).toEqual({ ok: true, echo: "channel=C1&text=hi" });
    const last = seen.at(-1);
    expect(last?.method).toBe("POST");
    expect(last?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("keeps the connection for the next request", async () => {
    await (await keepAliveFetch(`${base}/a`, { method: "POST", body: "1" })).text();
    const first = seen.at(-1)?.socket;
    await (await keepAliveFetch(`${base}/b`, { method: "POST", body: "2" })).text();
    expect(seen.at(-1)?.socket).toBe(first);
  });

  it("hands a non-2xx answer back with its headers (a 429's Retry-After)", async () => {
    const response = await keepAliveFetch(`${base}/limited`, { method: "POST", body: "" });
    expect(response.status).toBe(429);
    expect(response.ok).toBe(false);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(Object.fromEntries(response.headers.entries())["retry-after"]).toBe("7");
    expect(await response.text()).toContain("ratelimited");
  });

  it("rejects with the signal's reason when it times out", async () => {
    const failure = await keepAliveFetch(`${base}/slow`, {
      method: "POST",
      body: "x",
      signal: AbortSignal.timeout(50),
    }).catch((error: unknown) => error);
    expect((failure as Error).name).toBe("TimeoutError");
  });

  it("rejects with TypeError 'fetch failed' when nobody listens, as fetch does", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failure = await keepAliveFetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "x" }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toBe("fetch failed");
  });

  it("refuses an answer larger than its cap", async () => {
    const failure = await keepAliveFetch(`${base}/huge`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(String((failure as Error).cause)).toContain("larger than");
  });

  it("takes a Headers object, and answers blob() with the body and its type (Matrix media)", async () => {
    const response = await keepAliveFetch(`${base}/echo`, {
      method: "POST",
      headers: new Headers({ "x-from": "headers object" }),
      body: "in a blob",
    });
    expect(seen.at(-1)?.headers["x-from"]).toBe("headers object");
    const blob = await response.blob();
    expect(blob.type).toBe("application/json");
    expect(JSON.parse(await blob.text())).toEqual({ ok: true, echo: "in a blob" });
  });

  it("never reads Node's fetch globals for a plain request (they load undici)", async () => {
    // Node's globals fetch, Headers, Request and Response load its fetch (undici) on first read:
    // ~200 ms of CPU and ~17 MB of RSS that a desk otherwise never needs. A process of its own,
    // whose globals of those names record every read.
    const module = new URL("../../../src/http/keep-alive-fetch.ts", import.meta.url).href;
    const script = `
      const read = [];
      for (const name of ["fetch", "Headers", "Request", "Response"]) {
        Object.defineProperty(globalThis, name, { configurable: true, get: () => { read.push(name); } });
      }
      const { keepAliveFetch } = await import(${JSON.stringify(module)});
      const response = await keepAliveFetch(${JSON.stringify(`${base}/echo`)}, {
        method: "POST", headers: { "content-type": "text/plain" }, body: "plain",
      });
      await response.json();
      process.stdout.write(JSON.stringify(read));
    `;
    const { execFile } = await import("node:child_process");
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--input-type=module", "-e", script], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    expect(JSON.parse(out)).toEqual([]);
  });

  it("sends a FormData body (file uploads) through the global fetch", async () => {
    const form = new FormData();
    form.append("title", "report");
    const response = await keepAliveFetch(`${base}/upload`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    expect(seen.at(-1)?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.at(-1)?.body).toContain("report");
  });
});

describe("keepAliveFetch's own deadline", () => {
  const DEADLINE_MS = 300;
  const bounded = boundedFetch(DEADLINE_MS);

  /** How a request failed, and after how long. */
  async function failureOf(request: Promise<unknown>): Promise<{ error: Error; elapsedMs: number }> {
    const started = performance.now();
    const error = (await request.then(
      () => new Error("answered"),
      (failure: unknown) => failure,
    )) as Error;
    return { error, elapsedMs: performance.now() - started };
  }

  function expectDeadline(failure: { error: Error; elapsedMs: number }): void {
    expect(failure.error.name).toBe("TimeoutError");
    expect((failure.error as Error & { code?: string }).code).toBe("http.fetch_deadline");
    expect(failure.error.message).toContain(`within ${DEADLINE_MS} ms`);
    expect(failure.elapsedMs).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    expect(failure.elapsedMs).toBeLessThan(DEADLINE_MS + scaledDeadline(2_000));
  }

  it("is above the callers' own timeouts", () => {
    expect(DEFAULT_DEADLINE_MS).toBeGreaterThan(15_000);
  });

  it("fails a request to a peer that accepts the connection and never answers, without a signal", async () => {
    const sockets: Socket[] = [];
    const accepted = Promise.withResolvers<void>();
    const silent = createTcpServer((socket) => {
      sockets.push(socket);
      accepted.resolve();
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const request = failureOf(
        bounded(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/chat.postMessage`, {
          method: "POST",
          body: "x",
        }),
      );
      // The barrier: the peer holds the connection (it was accepted), and still the request ends.
      await accepted.promise;
      expectDeadline(await request);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("fails a request whose answer's body stalls after the headers", async () => {
    const request = failureOf(bounded(`${base}/trickle`));
    await trickling.promise;
    expectDeadline(await request);
  });

  it("leaves a caller's shorter signal in charge", async () => {
    const failure = await failureOf(bounded(`${base}/slow`, { signal: AbortSignal.timeout(20) }));
    expect(failure.error.name).toBe("TimeoutError");
    expect((failure.error as Error & { code?: unknown }).code).not.toBe("http.fetch_deadline");
  });

  it("bounds a FormData upload (the global fetch) by the same deadline", async () => {
    const form = new FormData();
    form.append("title", "report");
    const failure = await failureOf(bounded(`${base}/slow`, { method: "POST", body: form }));
    expect(failure.error.name).toBe("TimeoutError");
    expect(failure.elapsedMs).toBeLessThan(DEADLINE_MS + scaledDeadline(2_000));
  });
});
