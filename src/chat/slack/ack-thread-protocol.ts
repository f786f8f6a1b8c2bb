// The messages between the Slack ack thread (ack-thread-worker.ts) and the main thread
// (ack-thread.ts). Only plain data crosses: structured clones and transferred ports.
import type { StreamMessage } from "../../http/port-stream.ts";
import type { SlackBody, SlackInstallation } from "./request-gate.ts";

export interface AckThreadData {
  signingSecret: string;
  /** Slack's request path (`/slack/events`). */
  path: string;
  port: number;
  host: string;
  installation: SlackInstallation | undefined;
  /**
   * One Int32: requests answered on the ack thread that the main thread has not taken yet. The
   * ack thread adds, the main thread subtracts; past a bound the ack thread answers "busy"
   * itself, so a wedged main thread cannot pile up requests without limit.
   */
  untaken: SharedArrayBuffer;
  /** Past this many untaken requests, new ones are answered busy. */
  maxUntaken: number;
}

export type ToAckThread =
  /** Stop listening, finish what is in flight, exit. */
  | { type: "close" }
  /** The main thread's side of a forwarded request's stream (its answer). */
  | { type: "stream"; message: StreamMessage };

export type LogLevel = "info" | "warn" | "error";

export type FromAckThread =
  | { type: "listening"; port: number }
  | { type: "listen-failed"; message: string }
  /** A verified request, already answered with an empty 200: Bolt dispatches it. */
  | { type: "slack"; body: SlackBody; retryNum?: number; retryReason?: string }
  /** A request for another path, as a stream the main thread's HTTP server reads. */
  | { type: "stream"; message: StreamMessage }
  | { type: "log"; level: LogLevel; fields: Record<string, unknown>; message: string }
  /** Listening stopped and every connection is done: the thread ends next. */
  | { type: "closed" };

/** The sentence a slash command gets when the main thread is too far behind to take it. */
export const ACK_THREAD_BUSY_TEXT = "⏳ tocsin is busy right now. Please retry in a moment.";
