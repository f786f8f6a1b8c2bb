// The entry of the HTTP edge thread (today the Slack ack thread, started by
// src/chat/slack/ack-thread.ts when Slack is on HTTP): the thread that owns HTTP_PORT. It provides
// the edge sides of the parts whose requests are prepared there (alert intake: read, capped,
// parsed and checked off the main thread), then runs the thread's server, which answers Slack
// itself, hands prepared requests to the main thread by message and forwards everything else.
import { alertEdgeSide } from "./alerts/intake/edge.ts";
import { provideEdgeSide } from "./http/edge-sides.ts";

provideEdgeSide("alerts", alertEdgeSide);
// After the provision: the server's module reads it as it starts.
await import("./chat/slack/ack-thread-worker.ts");
