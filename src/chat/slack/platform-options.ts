// How the Slack platform is configured (src/chat/slack/environment.ts fills it from the
// environment; tests give it directly).
import type { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { Clock } from "../../clock.ts";
import type { HttpServer } from "../../http/server.ts";
import type { RetryPolicy } from "./call-lanes.ts";
import type { RsitTypeChoice } from "./rsit-types.ts";

export interface SlackPlatformOptions {
  /** Bot token, `xoxb-...`. */
  botToken: string;
  /** Verifies that HTTP requests come from Slack (unused in Socket Mode). */
  signingSecret: string;
  /** App-level token, `xapp-...`: Socket Mode instead of the HTTP receiver. */
  appToken?: string;
  /**
   * tocsin's HTTP server: when given (and not in Socket Mode), the Slack ack thread takes its
   * port, answers `POST /slack/events` itself and hands every other request (health, feeds,
   * alerts) to it. Without it the platform listens on `port` itself, the same way.
   */
  http?: HttpServer;
  /** HTTP receiver port when it listens itself; 0 picks a free one (see `port`). Default 3000. */
  port?: number;
  /** HTTP receiver address; default all interfaces. */
  host?: string;
  /** Web API base URL (enterprise proxy, test double); default https://slack.com/api/. */
  apiUrl?: string;
  log: Logger;
  clock?: Clock;
  /** Types offered in the declare modal; default the RSIT taxonomy the incident domain uses. */
  rsitTypes?: readonly RsitTypeChoice[];
  retryPolicy?: Partial<RetryPolicy>;
  /** Per Web API request; a request that hangs longer counts as a network failure. */
  requestTimeoutMs?: number;
  /**
   * The ack thread spawned ahead of time by the Slack environment's load (prepareAckThread), taken
   * by the first start; without it the first start spawns its own as it begins.
   */
  preparedAckThread?: Worker | undefined;
  /**
   * Requests the ack thread may have answered that this thread has not taken yet before it
   * answers busy itself (default DEFAULT_MAX_UNTAKEN).
   */
  maxUntakenAcks?: number;
}
