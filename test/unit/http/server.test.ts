// The internet-facing HTTP server: malformed requests get a 4xx and the server stays up; a
// failing handler costs one 500, never the process.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../../src/db/database.ts";
import { registerHealthRoutes } from "../../../src/http/health-routes.ts";
import { Metrics } from "../../../src/http/metrics.ts";
import { HttpServer, parseRequestTarget } from "../../../src/http/server.ts";
import { rawRequest } from "../../support/raw-http.ts";

const TOKEN = "0123456789abcdef-metrics";
let server: HttpServer;
let port: number;
let databaseAnswers: () => Promise<unknown> = async () => 1;
let down: string | undefined;

beforeAll(async () => {
  server = new HttpServer(pino({ level: "silent" }));
  server.route("GET", "/sync-throw", () => {
    throw new Error("boom");
  });
  server.route("GET", "/async-throw", async () => {
    await Promise.resolve();
    throw new Error("later boom");
  });
  const metrics = new Metrics();
  registerHealthRoutes(
    server,
    { db: {} as Db, metrics },
    { metricsToken: TOKEN, liveness: () => down, probeDatabase: () => databaseAnswers() },
  );
  port = await server.listen(0, "127.0.0.1");
});
afterAll(async () => {
  await server.close();
});

const get = (target: string, headers = "") =>
  rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close${headers}`);

describe("HTTP server", () => {
  it("answers bad request targets with 400 and keeps serving", async () => {
    for (const target of ["//", "http://", "http://[::1", "*", "http://[::1]:99999/"]) {
      expect((await get(target)).status, target).toBe(400);
    }
    expect((await get("/healthz")).status).toBe(200);
  });

  it("refuses oversized headers with a 4xx", async () => {
    const answer = await get("/healthz", `\r\nX-Big: ${"a".repeat(64 * 1024)}`);
    expect(answer.status).toBe(431);
    expect((await get("/healthz")).status).toBe(200);
  });

  it("answers garbage with 400", async () => {
    expect((await rawRequest(port, "NOT HTTP AT ALL")).status).toBe(400);
    expect((await get("/healthz")).status).toBe(200);
  });

  it("turns a throwing or rejecting handler into a 500 for that request only", async () => {
    expect((await get("/sync-throw")).status).toBe(500);
    expect((await get("/async-throw")).status).toBe(500);
    expect((await get("/healthz")).status).toBe(200);
  });

  it("parses only origin-form and absolute-form targets", () => {
    expect(parseRequestTarget("/slack/events?x=1")?.pathname).toBe("/slack/events");
    expect(parseRequestTarget("http://example.org/healthz")?.pathname).toBe("/healthz");
    expect(parseRequestTarget("//")).toBeUndefined();
    expect(parseRequestTarget("*")).toBeUndefined();
    expect(parseRequestTarget(undefined)).toBeUndefined();
  });
});

describe("health routes", () => {
  it("wants the bearer token on /metrics when one is set", async () => {
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/metrics", "\r\nAuthorization: Bearer wrong")).status).toBe(401);
    expect((await get("/metrics", "\r\nAuthorization: Bearer ")).status).toBe(401);
    const answer = await get("/metrics", `\r\nAuthorization: Bearer ${TOKEN}`);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("tocsin_process_resident_memory_bytes");
  });

  it("answers /readyz within 2 s while the database hangs", async () => {
    databaseAnswers = () => new Promise(() => {});
    const started = performance.now();
    const answer = await get("/readyz");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(answer.status).toBe(503);
    expect(answer.text).toContain("database not answering");
    databaseAnswers = () => Promise.reject(new Error("refused"));
    expect((await get("/readyz")).text).toContain("database unavailable");
    databaseAnswers = async () => 1;
    expect((await get("/readyz")).status).toBe(200);
  });

  it("/healthz is 503 while the embedded database is down", async () => {
    down = "the embedded PostgreSQL is down; restarting it";
    const answer = await get("/healthz");
    expect(answer.status).toBe(503);
    expect(answer.text).toContain("restarting it");
    down = undefined;
    expect((await get("/healthz")).status).toBe(200);
  });
});
