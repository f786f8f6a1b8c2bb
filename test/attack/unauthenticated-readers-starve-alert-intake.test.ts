// ATTACK: `/v2/enqueue` takes its key from the body, so it reads the body of anyone before
// knowing who they are, and that read counted against the one `maxInFlight` limit of every alert
// endpoint. An unauthenticated client opening `maxInFlight` connections that trickle their
// bodies (the server allows 30 s per request; reconnecting renews it) had every monitoring
// system's alerts refused with 429: alerts starved by strangers. Requests whose key is known
// before the body must not wait behind those whose key is not.
import net from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AlertRoutes, registerAlertRoutes } from "../../src/alerts/intake/routes.ts";
import type { AlertReceiver, AlertSignal } from "../../src/alerts/signal.ts";
import { ManualClock } from "../../src/clock.ts";
import type { Db } from "../../src/db/database.ts";
import { HttpServer } from "../../src/http/server.ts";
import { JobQueue } from "../../src/jobs/queue.ts";
import { configWithIntegrations } from "../support/alert-config.ts";
import { until } from "../support/waiting.ts";

const GENERIC_KEY = "x".repeat(40);
const config = configWithIntegrations(`  - { id: gen, kind: generic, team: csirt, key: ${GENERIC_KEY} }
  - { id: pd, kind: pagerduty, team: csirt, key: ${"p".repeat(32)} }
`);

const received: AlertSignal[] = [];
const receiver: AlertReceiver = {
  async receive(signals) {
    received.push(...signals);
  },
};
let server: HttpServer;
let routes: AlertRoutes;
let port: number;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  const log = pino({ level: "silent" });
  const clock = new ManualClock("2026-03-10T09:00:00Z");
  server = new HttpServer(log);
  routes = registerAlertRoutes(server, {
    config: () => config,
    receiver,
    db: {} as Db,
    jobs: new JobQueue({} as Db, clock, log),
    clock,
    log,
    limits: { maxInFlight: 2 },
  });
  port = await server.listen(0, "127.0.0.1");
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await server.close();
});

describe("strangers trickling bodies to /v2/enqueue", () => {
  it("do not make keyed endpoints answer 429", async () => {
    for (let i = 0; i < 4; i++) {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => {});
      sockets.push(socket);
      socket.write(
        "POST /v2/enqueue HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
      );
    }
    await until(() => routes.inFlight() >= 2, "the strangers' requests to be read");
    const answer = await fetch(`http://127.0.0.1:${port}/alerts/generic/${GENERIC_KEY}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ summary: "the real alert" }),
    });
    expect(answer.status).toBe(202);
    expect(received.map((s) => s.summary)).toEqual(["the real alert"]);
  });
});
