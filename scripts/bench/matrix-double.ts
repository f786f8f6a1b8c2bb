// The least of a Matrix homeserver that lets tocsin's Matrix platform start and idle on a long
// sync: versions, whoami, filters, push rules, account data and an empty /sync. The benchmark
// measures what a configured Matrix costs a process (memory, start time); commands go by Slack.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody, sendJson } from "./slack-double.ts";

export const MATRIX_TOKEN = "syt_bench_token";
export const MATRIX_USER = "@tocsin:bench.test";

export class BenchMatrixDouble {
  readonly #server: Server;
  readonly #waiting = new Set<NodeJS.Timeout>();
  #batch = 1;

  private constructor(server: Server) {
    this.#server = server;
    server.on("request", (req, res) => {
      void readBody(req).then(() => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const path = url.pathname;
        if (path === "/_matrix/client/versions") {
          return sendJson(res, {
            versions: ["v1.1", "v1.5", "v1.6", "v1.11", "v1.12"],
            unstable_features: {},
          });
        }
        if (path.endsWith("/account/whoami")) {
          return sendJson(res, { user_id: MATRIX_USER, device_id: "BENCH", is_guest: false });
        }
        if (path.endsWith("/pushrules/")) return sendJson(res, { global: {} });
        if (path.endsWith("/capabilities")) return sendJson(res, { capabilities: {} });
        if (/\/user\/[^/]+\/filter$/.test(path)) return sendJson(res, { filter_id: "1" });
        if (/\/user\/[^/]+\/filter\/[^/]+$/.test(path)) return sendJson(res, {});
        if (path.includes("/account_data/")) {
          if (req.method === "PUT") return sendJson(res, {});
          return sendJson(res, { errcode: "M_NOT_FOUND", error: "Account data not found" }, 404);
        }
        if (path.endsWith("/sync")) {
          const since = url.searchParams.get("since");
          const timeout = Math.min(Number(url.searchParams.get("timeout") ?? 0) || 0, 30_000);
          const answer = () =>
            sendJson(res, { next_batch: `s${++this.#batch}`, rooms: {}, account_data: { events: [] } });
          if (!since) return answer();
          const timer = setTimeout(() => {
            this.#waiting.delete(timer);
            answer();
          }, timeout);
          this.#waiting.add(timer);
          res.on("close", () => {
            clearTimeout(timer);
            this.#waiting.delete(timer);
          });
          return;
        }
        if (req.method === "PUT" || req.method === "POST") return sendJson(res, {});
        return sendJson(res, { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" }, 404);
      });
    });
  }

  static async start(): Promise<BenchMatrixDouble> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return new BenchMatrixDouble(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const timer of this.#waiting) clearTimeout(timer);
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
