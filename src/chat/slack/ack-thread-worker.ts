// The Slack ack thread: a worker thread (started by ack-thread.ts) that owns HTTP_PORT's
// listening socket, so that Slack's requests are answered whatever the main thread's event loop
// is doing (Prisma, rendering, Web API calls). For Slack's path it reads the capped body and
// verifies signature, age and workspace (request-gate.ts), answers at once (an empty 200;
// url_verification's challenge; ssl_check), then posts the verified body to the main thread,
// where Bolt dispatches it to the listeners as before. Alert posts are read, checked and parsed
// here by the alert edge side (src/http/hand-off.ts; provided by src/edge-thread.ts, the
// thread's entry) and only their drafts go to the main thread, by message; its answer (after the
// commit) comes back the same way. Every other request is handed to the main thread's HTTP
// server on its loopback port (kept-alive connections) and its answer relayed back: health,
// metrics, feeds and heartbeats keep their routes and their place.

import { readlinkSync } from "node:fs";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { Agent, request } from "node:http";
import { setPriority } from "node:os";
import { type MessagePort, parentPort } from "node:worker_threads";
import { edgeSideNamed } from "../../http/edge-sides.ts";
import type { EdgeAnswer, EdgeSide } from "../../http/hand-off.ts";
import { guardedServer, parseRequestTarget, sendText } from "../../http/server.ts";
import { ackThreadData } from "./ack-thread-data.ts";
import {
  ACK_THREAD_BUSY_TEXT,
  type AckThreadData,
  type FromAckThread,
  type LogLevel,
  type ToAckThread,
} from "./ack-thread-protocol.ts";
import { guardSlackRequests, type VerifiedSlackRequest } from "./request-gate.ts";

if (!parentPort) throw new Error("the Slack ack thread runs in a worker thread");
const mainThread: MessagePort = parentPort;
const data: AckThreadData = ackThreadData();
const untaken = new Int32Array(data.untaken);
const installation = data.installation;

function tell(message: FromAckThread): void {
  mainThread.postMessage(message);
}

const logAt = (level: LogLevel) => (fields: Record<string, unknown>, message: string) =>
  tell({ type: "log", level, fields, message });
const log = { info: logAt("info"), warn: logAt("warn"), error: logAt("error") };

/**
 * The scheduling priority (nice value) this thread asks for: above the main thread's, so that on
 * a machine whose cores are all busy an ack is not queued behind command work. Linux grants it
 * to a process with CAP_SYS_NICE (root, or systemd's AmbientCapabilities); without it the thread
 * runs at the process's priority, as any thread does.
 */
const ACK_THREAD_NICE = -5;

/** How long close() lets requests in flight finish before their connections are cut. */
const CLOSE_GRACE_MS = 5_000;
/**
 * Headers about one connection, not the request: the forwarded hop has its own. (`expect`: a
 * `100-continue` was answered here already.)
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "upgrade",
  "transfer-encoding",
  "expect",
]);
/**
 * Connections to the main thread's server, kept open between forwarded requests. No cap on
 * sockets: a client connection holds at most one forwarded request at a time, so there are never
 * more than the clients' connections (as before the hop); a cap would be one queue that a few
 * clients trickling their bodies could fill for everyone else.
 */
const toMainThread = new Agent({ keepAlive: true });

const slack = guardSlackRequests(answer, {
  signingSecret: data.signingSecret,
  installation: () => installation,
  log,
});

/** Hand-offs posted to the main thread, by id: each resolves with the main thread's answer. */
const handedOff = new Map<number, (answer: EdgeAnswer) => void>();
let lastHandOffId = 0;

/** The edge sides the main thread has a HandOff for, by name. */
const edgeSides = new Map<string, EdgeSide>();
for (const [name, setup] of Object.entries(data.edgeSetups)) {
  const side = edgeSideNamed(name);
  if (!side) continue;
  edgeSides.set(
    name,
    side(setup, {
      handOff: (request) =>
        new Promise<EdgeAnswer>((resolve) => {
          const id = ++lastHandOffId;
          // Posted first: a request the structured clone cannot carry rejects, and is not waited for.
          tell({ type: "hand-off", name, id, request });
          handedOff.set(id, resolve);
        }),
      note: (note) => tell({ type: "hand-off-note", name, note }),
      log,
    }),
  );
}

/** Set by close(): answers from now on close their connection, so close() need not wait on idle clients. */
let closing = false;

const server = guardedServer(async (req, res) => {
  if (closing) res.shouldKeepAlive = false;
  const url = parseRequestTarget(req.url);
  if (url) {
    for (const side of edgeSides.values()) if (side.serves(req.method, url)) return side.serve(req, res, url);
  }
  if (url?.pathname !== data.path) return forward(req, res);
  if (req.method !== "POST") {
    sendText(res, 405, "method not allowed\n");
    return;
  }
  await slack(req, res);
}, log);

/** A request past the gate: answered here and now; a signed event goes on to Bolt. */
function answer(verified: VerifiedSlackRequest, req: IncomingMessage, res: ServerResponse): void {
  if (verified.kind === "ssl_check") {
    res.writeHead(200).end();
    return;
  }
  const { body } = verified;
  if (body.type === "url_verification") {
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ challenge: body.challenge }));
    return;
  }
  if (Atomics.load(untaken, 0) >= data.maxUntaken) {
    answerBusy(body, res);
    return;
  }
  Atomics.add(untaken, 0, 1);
  // Posted before the answer: whatever the sender sends after this answer reaches Bolt after it.
  try {
    tell({
      type: "slack",
      body,
      retryNum: retryNum(req.headers["x-slack-retry-num"]),
      retryReason: firstValue(req.headers["x-slack-retry-reason"]),
    });
  } catch (error) {
    // Not posted (a body the structured clone cannot carry, nested too deep): not untaken either.
    Atomics.sub(untaken, 0, 1);
    throw error;
  }
  res.writeHead(200).end();
}

/**
 * The main thread has not taken `maxUntaken` answered requests: it is wedged or far behind. A
 * slash command is told to retry (Slack shows the answer's text to its caller only); anything
 * else gets a 503, which Slack retries for events and shows as a failure for a click.
 */
function answerBusy(body: Record<string, unknown>, res: ServerResponse): void {
  log.warn({ untaken: Atomics.load(untaken, 0) }, "main thread far behind: Slack request answered busy");
  if (typeof body.command === "string") {
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ response_type: "ephemeral", text: ACK_THREAD_BUSY_TEXT }));
    return;
  }
  sendText(res, 503, "busy, retry later\n", undefined, { "retry-after": "5" });
}

function retryNum(header: string | string[] | undefined): number | undefined {
  const value = firstValue(header);
  if (value === undefined) return undefined;
  const parsed = Number.parseInt(value, 10);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function firstValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/** Hands the request to the main thread's HTTP server and relays its answer. */
function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const upstream = request({
      method: req.method,
      path: req.url,
      headers: withoutHopByHop(req.headers),
      host: data.forwardTo.host,
      port: data.forwardTo.port,
      agent: toMainThread,
    });
    let relaying = false;
    let relayed = false;
    upstream.on("response", (answer) => {
      relaying = true;
      const headers = withoutHopByHop(answer.headers);
      // A route that wants the connection closed (a refusal mid-body) has it closed here too.
      if (answer.headers.connection?.toLowerCase() === "close") headers.connection = "close";
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
      answer.pipe(res);
      answer.once("end", () => {
        relayed = true;
        resolve();
      });
      answer.once("error", () => {
        res.destroy();
        resolve();
      });
    });
    upstream.on("error", (error) => {
      // Once the answer is being relayed, its own stream reports how it ends.
      if (relaying) return;
      log.error(
        { err: error, path: parseRequestTarget(req.url)?.pathname },
        "forwarding to the main thread failed",
      );
      if (!res.headersSent) sendText(res, 502, "internal error\n", undefined, { connection: "close" });
      else res.destroy();
      resolve();
    });
    // The client went away before its answer: the forwarded request is dropped too. (After a
    // complete answer the connection goes back to the pool instead.)
    res.once("close", () => {
      if (!relayed) upstream.destroy();
      resolve();
    });
    req.pipe(upstream);
  });
}

function withoutHopByHop(headers: IncomingMessage["headers"]): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase()),
  );
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) kept[name] = value;
  }
  return kept;
}

async function close(): Promise<void> {
  closing = true;
  const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  clearTimeout(cut);
  // The edge sides' own work (an alert batch committing) ends before the thread says it closed.
  await Promise.allSettled([...edgeSides.values()].map((side) => side.close?.()));
  toMainThread.destroy();
  tell({ type: "closed" });
  mainThread.close();
}

mainThread.on("message", (message: ToAckThread) => {
  if (message.type === "close") void close();
  else if (message.type === "edge-setup") edgeSides.get(message.name)?.update(message.setup);
  else if (message.type === "hand-off-answers") {
    for (const { id, answer } of message.answers) {
      handedOff.get(id)?.(answer);
      handedOff.delete(id);
    }
  }
});

/** Linux: setpriority(2) on a thread's id applies to that thread alone. */
function raisePriority(): void {
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
    setPriority(threadId, ACK_THREAD_NICE);
    log.info({ nice: ACK_THREAD_NICE }, "Slack ack thread runs at a raised priority");
  } catch (error) {
    log.info(
      { reason: (error as NodeJS.ErrnoException).code ?? String(error) },
      "Slack ack thread runs at the process's priority (raising it needs CAP_SYS_NICE)",
    );
  }
}
raisePriority();

const listenFailed = (error: Error) => tell({ type: "listen-failed", message: error.message });
server.once("error", listenFailed);
server.listen(data.port, data.host, () => {
  // From now on an 'error' is a connection Node could not accept (a pending connection's network
  // error, a lack of memory): that connection is lost, the socket listens on.
  server.off("error", listenFailed);
  server.on("error", (error) =>
    log.warn({ err: error }, "the Slack ack thread could not accept a connection"),
  );
  const address = server.address();
  tell({ type: "listening", port: typeof address === "object" && address ? address.port : data.port });
});
