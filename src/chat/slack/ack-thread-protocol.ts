// The messages between the Slack ack thread (ack-thread-worker.ts) and the main thread
// (ack-thread.ts). Only plain data crosses: structured clones and transferred ports.
import type { EdgeAnswer } from "../../http/hand-off.ts";
import type { SlackBody, SlackInstallation } from "./request-gate.ts";

export interface AckThreadData {
  signingSecret: string;
  /** Slack's request path (`/slack/events`). */
  path: string;
  port: number;
  host: string;
  /** Where the main thread's HTTP server listens (loopback): every other path goes there. */
  forwardTo: { host: string; port: number };
  installation: SlackInstallation | undefined;
  /**
   * One Int32: requests answered on the ack thread that the main thread has not taken yet. The
   * ack thread adds, the main thread subtracts; past a bound the ack thread answers "busy"
   * itself, so a wedged main thread cannot pile up requests without limit.
   */
  untaken: SharedArrayBuffer;
  /** Past this many untaken requests, new ones are answered busy. */
  maxUntaken: number;
  /** The setup of each edge side (src/http/edge-sides.ts) the main thread has a HandOff for. */
  edgeSetups: Record<string, unknown>;
}

/**
 * The workerData of a thread spawned ahead of its start (`prepareAckThread`), so its code loads
 * while the process starts; its AckThreadData comes later, in an AckThreadStart message.
 */
export interface PreparedAckThread {
  awaitStart: true;
}

/** The first message to a prepared thread: what it would have got as workerData. */
export interface AckThreadStart {
  type: "start";
  data: AckThreadData;
}

export type ToAckThread =
  /** Stop listening, finish what is in flight, exit. */
  | { type: "close" }
  /** An edge side's setup changed (a reload brought new integration keys). */
  | { type: "edge-setup"; name: string; setup: unknown }
  /**
   * The main thread's answers to hand-offs, as many as were ready in one turn of its event loop
   * (one commit answers a batch of alerts at once: one message, not one each).
   */
  | { type: "hand-off-answers"; answers: Array<{ id: number; answer: EdgeAnswer }> };

export type LogLevel = "info" | "warn" | "error";

export type FromAckThread =
  | { type: "listening"; port: number }
  | { type: "listen-failed"; message: string }
  /** A verified request, already answered with an empty 200: Bolt dispatches it. */
  | { type: "slack"; body: SlackBody; retryNum?: number; retryReason?: string }
  | { type: "log"; level: LogLevel; fields: Record<string, unknown>; message: string }
  /** A request an edge side prepared, for the main thread's HandOff of that name to finish. */
  | { type: "hand-off"; name: string; id: number; request: unknown }
  /** Something an edge side answered itself (counted on the main thread). */
  | { type: "hand-off-note"; name: string; note: unknown }
  /** Listening stopped and every connection is done: the thread ends next. */
  | { type: "closed" };

/** The sentence a slash command gets when the main thread is too far behind to take it. */
export const ACK_THREAD_BUSY_TEXT = "⏳ tocsin is busy right now. Please retry in a moment.";
