// GET /healthz (liveness), /readyz (can we reach the database, answered within 2 s whatever
// the database does) and /metrics (Prometheus; behind a bearer token when METRICS_TOKEN is set).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Db } from "../db/database.ts";
import { sql } from "../db/statement.ts";
import type { Metrics } from "./metrics.ts";
import { type HttpServer, sendText } from "./server.ts";

/** Below the 2 s a probe (and the issue) allows, with room for the answer itself. */
export const READY_TIMEOUT_MS = 1500;

export interface HealthOptions {
  /** `Authorization: Bearer <token>` wanted on /metrics; unset: /metrics is open. */
  metricsToken?: string;
  /**
   * Why tocsin is not live, if it is not: its embedded PostgreSQL is down and being restarted.
   * /healthz answers 503 with that reason.
   */
  liveness?: () => string | undefined;
  /** Readiness check of the database; default `select 1` through the app's own pool. */
  probeDatabase?: () => Promise<unknown>;
}

export function registerHealthRoutes(
  http: HttpServer,
  deps: { db: Db; metrics: Metrics },
  options: HealthOptions = {},
): void {
  http.route("GET", "/healthz", (_req, res) => {
    const down = options.liveness?.();
    if (down) sendText(res, 503, `${down}\n`);
    else sendText(res, 200, "ok\n");
  });
  http.route("GET", "/metrics", async (req, res) => {
    if (options.metricsToken && !hasBearer(req, options.metricsToken)) {
      sendText(res, 401, "a bearer token is needed\n", undefined, { "www-authenticate": "Bearer" });
      return;
    }
    sendText(res, 200, await deps.metrics.registry.metrics(), deps.metrics.registry.contentType);
  });
  const probe = options.probeDatabase ?? (() => deps.db.$queryRaw(sql`select 1`));
  http.route("GET", "/readyz", async (_req, res) => {
    const down = options.liveness?.();
    if (down) {
      sendText(res, 503, `${down}\n`);
      return;
    }
    const outcome = await withDeadline(probe(), READY_TIMEOUT_MS);
    if (outcome === "ok") sendText(res, 200, "ready\n");
    else if (outcome === "timeout") sendText(res, 503, "database not answering\n");
    else sendText(res, 503, "database unavailable\n");
  });
}

async function withDeadline(work: Promise<unknown>, ms: number): Promise<"ok" | "timeout" | "failed"> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([work.then(() => "ok" as const), deadline]);
  } catch {
    return "failed";
  } finally {
    clearTimeout(timer);
    // A probe that answers after its deadline must not become an unhandled rejection.
    work.catch(() => {});
  }
}

/** Constant time: both sides are hashed to equal length before the comparison. */
function hasBearer(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? "";
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}
