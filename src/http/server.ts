// tocsin's one HTTP server: health and readiness, metrics, calendar feeds, alert intake and
// Slack's requests, all on HTTP_PORT. Routes are registered by the parts that need them.
//
// With Slack over HTTP, the public socket belongs to the Slack ack thread (a `PortOwner`,
// src/chat/slack/ack-thread.ts): it answers Slack's requests itself, so an ack never waits for
// this thread's event loop, and forwards every other request to this server, which then listens
// on a loopback port of its own (kept-alive connections: Node's native socket path costs this
// thread less than a stream between threads, measured in scripts/bench/ack-thread-cost.ts).
//
// It faces the internet (Slack posts to it), so nothing a client sends may take the process
// down: a request target that does not parse, oversized headers, a handler that throws or
// rejects all end in a 4xx/5xx for that one request, never in an unhandled rejection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { HandOff } from "./hand-off.ts";
import { RatedLogLine } from "./rated-log.ts";

/** Where the server's failures and refusals are told (pino's shape). */
export interface RequestLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * Owns the public listening socket for this server, from another thread: serves what it serves
 * itself, prepares the requests of `handOffs` there and hands them over by message (hand-off.ts),
 * and forwards every other request to `forwardTo`, where this server listens.
 */
export interface PortOwner {
  listen(
    port: number,
    host: string,
    forwardTo: { host: string; port: number },
    handOffs: ReadonlyMap<string, HandOff>,
  ): Promise<number>;
  close(): Promise<void>;
}

/** Where the server listens when another thread owns its public port: reachable from this host only. */
const FORWARDED_HOST = "127.0.0.1";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

interface Route {
  method: string;
  /** Exact path, or a prefix when it ends with `/*`. */
  path: string;
  handler: RouteHandler;
}

/** Request line and headers together; Node's default, stated so it does not drift. */
export const MAX_HEADER_BYTES = 16 * 1024;
/**
 * Connections one server holds at once; past it Node closes new ones at once. Each costs up to
 * ~20 KB of heap (a request's headers at MAX_HEADER_BYTES, the parser): without a bound, a flood
 * of connections that never finish their requests (for the headers and request timeouts) could
 * run the thread that owns the port out of memory again and again. Far above what Slack and
 * monitoring senders use (they keep a few connections alive).
 */
export const MAX_CONNECTIONS = 2048;
/**
 * How often Node looks for requests past their headers or request timeout. Its default (30 s)
 * let a client that never finished its headers keep its connection, one of MAX_CONNECTIONS,
 * up to 50 s instead of 20, and one trickling its body 60 s instead of 30. A pass over at most
 * MAX_CONNECTIONS connections a second costs next to nothing.
 */
export const CONNECTIONS_CHECK_MS = 1_000;
/**
 * At most one log line a minute about each thing any client can cause: connections refused for
 * MAX_CONNECTIONS, malformed or timed-out requests, bad request targets (rated-log.ts).
 */
export const CLIENT_LOG_INTERVAL_MS = 60_000;
const PARSE_BASE = "http://tocsin.invalid";

export class HttpServer {
  readonly #routes: Route[] = [];
  readonly #handOffs = new Map<string, HandOff>();
  readonly #log: RequestLog;
  #server: Server | undefined;
  #portOwner: PortOwner | undefined;
  /** The port the owner listens on, when another thread owns it. */
  #ownedPort: number | undefined;
  readonly #badTargets: RatedLogLine;
  /** Told about every failure a request caused (counted in metrics by the app). */
  onRequestError: ((where: string) => void) | undefined;

  constructor(log: Logger) {
    this.#log = log.child({ component: "http" });
    this.#badTargets = new RatedLogLine(CLIENT_LOG_INTERVAL_MS, (refused) =>
      this.#log.info({ refused }, "HTTP request with a bad target refused"),
    );
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.#routes.push({ method: method.toUpperCase(), path, handler });
  }

  /**
   * Work the edge thread may do for routes registered here, when one owns the port (the routes
   * stay: without an edge thread they serve the same requests themselves).
   */
  handOff(name: string, handOff: HandOff): void {
    if (this.#server) throw new Error("the HTTP server is already listening");
    this.#handOffs.set(name, handOff);
  }

  get port(): number | undefined {
    if (this.#portOwner) return this.#server ? this.#ownedPort : undefined;
    return (this.#server?.address() as AddressInfo | null)?.port;
  }

  /** From now on `owner` listens on the public port and forwards to this server what it does not serve. */
  handPortTo(owner: PortOwner): void {
    if (this.#server) throw new Error("the HTTP server is already listening");
    if (this.#portOwner) throw new Error("the HTTP server's port is already handed to another owner");
    this.#portOwner = owner;
  }

  get hasRoutes(): boolean {
    return this.#routes.length > 0;
  }

  async listen(port: number, host = "0.0.0.0"): Promise<number> {
    const server = guardedServer(
      // The guard per request: whatever a handler does, its failure stays with its request.
      (req, res) => this.#dispatch(req, res),
      this.#log,
      (where) => this.onRequestError?.(where),
    );
    this.#server = server;
    const owner = this.#portOwner;
    if (!owner) {
      await listening(server, port, host, this.#log);
      return this.port ?? port;
    }
    await listening(server, 0, FORWARDED_HOST, this.#log);
    const forwardTo = { host: FORWARDED_HOST, port: (server.address() as AddressInfo).port };
    try {
      this.#ownedPort = await owner.listen(port, host, forwardTo, this.#handOffs);
    } catch (error) {
      this.#server = undefined;
      server.close();
      throw error;
    }
    return this.#ownedPort;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#badTargets.flush();
    // The owner first: it stops taking connections and finishes those it has.
    await this.#portOwner?.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestTarget(req.url);
    if (!url) {
      this.#badTargets.note(req.method);
      sendText(res, 400, "bad request target\n", undefined, { connection: "close" });
      return;
    }
    const matching = this.#routes.filter((r) =>
      r.path.endsWith("/*") ? url.pathname.startsWith(r.path.slice(0, -1)) : url.pathname === r.path,
    );
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      const status = matching.length ? 405 : 404;
      sendText(res, status, status === 404 ? "not found\n" : "method not allowed\n");
      return;
    }
    await route.handler(req, res, url);
  }
}

function listening(server: Server, port: number, host: string, log: RequestLog): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      // From now on an 'error' is a connection Node could not accept (a pending connection's
      // network error, a lack of memory): that one is lost, the server listens on. Unheard, it
      // would end the process.
      server.on("error", (error) => log.error({ err: error }, "HTTP server could not accept a connection"));
      resolve();
    });
  });
}

/**
 * An HTTP server (not yet listening) that keeps each request's failure with that request: a
 * handler that throws or rejects gets a 500, a request Node's parser refuses a 4xx, slow clients
 * a timeout. Used for the main thread's server and the Slack ack thread's.
 */
export function guardedServer(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  log: RequestLog,
  onRequestError: (where: string) => void = () => {},
  maxConnections = MAX_CONNECTIONS,
  logEveryMs = CLIENT_LOG_INTERVAL_MS,
): Server {
  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, connectionsCheckingInterval: CONNECTIONS_CHECK_MS },
    (req, res) => {
      handler(req, res).catch((error: unknown) => {
        onRequestError("http handler");
        const path = parseRequestTarget(req.url)?.pathname;
        log.error({ err: error, path }, "HTTP handler failed");
        try {
          if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
          res.end("internal error\n");
        } catch {
          res.destroy();
        }
      });
    },
  );
  // Slow or idle clients must not pin sockets forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.maxConnections = maxConnections;
  const dropped = new RatedLogLine(logEveryMs, (count) =>
    log.error({ maxConnections, dropped: count }, "connections refused: the server holds as many as it may"),
  );
  const malformed = new RatedLogLine(logEveryMs, (count, codes) =>
    log.info({ refused: count, codes }, "malformed HTTP request refused"),
  );
  server.on("drop", () => dropped.note());
  server.on("clientError", (error, socket) => refuseMalformed(error, socket, malformed));
  server.on("close", () => {
    dropped.flush();
    malformed.flush();
  });
  return server;
}

/**
 * Requests Node's parser refuses (oversized headers, garbage) or that ran out of time (headers or
 * request timeout): a 4xx, then the socket closes.
 */
function refuseMalformed(error: Error & { code?: string }, socket: Duplex, malformed: RatedLogLine): void {
  malformed.note(error.code ?? "unknown");
  if (!socket.writable || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const status =
    error.code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? "408 Request Timeout"
        : "400 Bad Request";
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

/**
 * The URL of a request target: origin-form (`/path?query`) or absolute-form (`http://host/path`).
 * Anything else (`//`, `*`, `http://[::1`) is undefined: the client gets a 400.
 */
export function parseRequestTarget(target: string | undefined): URL | undefined {
  if (!target || !(target.startsWith("/") || /^https?:\/\//i.test(target))) return undefined;
  return URL.parse(target, PARSE_BASE) ?? undefined;
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store", ...headers }).end(body);
}
