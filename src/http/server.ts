// tocsin's one HTTP server: health and readiness, metrics, calendar feeds, and Slack's HTTP
// receiver, all on HTTP_PORT. Routes are registered by the parts that need them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

interface Route {
  method: string;
  /** Exact path, or a prefix when it ends with `/*`. */
  path: string;
  handler: RouteHandler;
}

export class HttpServer {
  readonly #routes: Route[] = [];
  readonly #log: Logger;
  #server: Server | undefined;

  constructor(log: Logger) {
    this.#log = log.child({ component: "http" });
  }

  route(method: string, path: string, handler: RouteHandler): void {
    this.#routes.push({ method: method.toUpperCase(), path, handler });
  }

  get port(): number | undefined {
    return (this.#server?.address() as AddressInfo | null)?.port;
  }

  get hasRoutes(): boolean {
    return this.#routes.length > 0;
  }

  async listen(port: number, host = "0.0.0.0"): Promise<number> {
    const server = createServer((req, res) => void this.#dispatch(req, res));
    // Slow or idle clients must not pin sockets forever.
    server.requestTimeout = 30_000;
    server.headersTimeout = 20_000;
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return this.port ?? port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://tocsin.invalid");
    const matching = this.#routes.filter((r) =>
      r.path.endsWith("/*") ? url.pathname.startsWith(r.path.slice(0, -1)) : url.pathname === r.path,
    );
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      const status = matching.length ? 405 : 404;
      res
        .writeHead(status, { "content-type": "text/plain; charset=utf-8" })
        .end(status === 404 ? "not found\n" : "method not allowed\n");
      return;
    }
    try {
      await route.handler(req, res, url);
    } catch (error) {
      this.#log.error({ err: error, path: url.pathname }, "HTTP handler failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end("internal error\n");
    }
  }
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" }).end(body);
}
