// The entry of the HTTP edge thread (today the Slack ack thread, started by
// src/chat/slack/ack-thread.ts when Slack is on HTTP): the thread that owns HTTP_PORT. It provides
// the edge sides of the parts whose requests are prepared there (alert intake: read, capped,
// parsed and checked off the main thread), then runs the thread's server, which answers Slack
// itself, hands prepared requests to the main thread by message and forwards everything else.
import { alertEdgeSide } from "./alerts/intake/edge.ts";
import { ackThreadSettled } from "./chat/slack/ack-thread-data.ts";
import { provideEdgeSide } from "./http/edge-sides.ts";
// Loaded (not yet run) before the settings arrive, so a prepared thread has its code ready.
import "./chat/slack/request-gate.ts";
import "./http/server.ts";

provideEdgeSide("alerts", alertEdgeSide);
// A thread prepared ahead of time (ack-thread.ts) has loaded its code by now and waits here for
// its settings, which come once tocsin listens.
await ackThreadSettled();
// After the provision: the server's module reads it as it starts.
await import("./chat/slack/ack-thread-worker.ts");
