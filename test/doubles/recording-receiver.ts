// A stand-in for tocsin's alert endpoints that records what senders post: every request's
// method, path, headers and JSON body, answered as the real endpoints answer a valid one
// (Alertmanager's webhook: 200; PagerDuty Events v2 `/v2/enqueue`: 202 with status, message and
// dedup_key). Lets a test prove what a real sender (Alertmanager) sends before tocsin reads it.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedPost {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  raw: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: unknown;
  at: number;
}

const MAX_BODY_BYTES = 1024 * 1024;

export class RecordingReceiver {
  readonly posts: RecordedPost[] = [];
  readonly #server: Server;
  readonly #listeners = new Set<() => void>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<RecordingReceiver> {
    const server = createServer();
    const receiver = new RecordingReceiver(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      req.on("end", () => {
        if (req.method !== "POST" || size > MAX_BODY_BYTES) {
          res.writeHead(req.method === "POST" ? 413 : 405).end();
          return;
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = undefined;
        }
        const path = (req.url ?? "/").split("?")[0] ?? "/";
        receiver.posts.push({ path, headers: req.headers, raw, body, at: Date.now() });
        for (const wake of receiver.#listeners) wake();
        if (path === "/v2/enqueue") {
          const dedupKey = (body as { dedup_key?: unknown } | undefined)?.dedup_key;
          res.writeHead(202, { "content-type": "application/json" });
          res.end(JSON.stringify({ status: "success", message: "Event processed", dedup_key: dedupKey }));
          return;
        }
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  postsTo(path: string): RecordedPost[] {
    return this.posts.filter((post) => post.path === path);
  }

  /** For `until`'s wakeOn: wakes a wait as soon as a post arrives. */
  onPost(wake: () => void): () => void {
    this.#listeners.add(wake);
    return () => this.#listeners.delete(wake);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
