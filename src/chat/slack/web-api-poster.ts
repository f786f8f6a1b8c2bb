// The Web API methods every command ends in (chat.postMessage, chat.update,
// conversations.setTopic), posted without @slack/web-api's WebClient. Per call the WebClient
// builds three debug strings of a redacted deep copy of the request and answer whatever the
// log level, runs the call through p-queue and p-retry (retries are off here: CallLanes retry),
// and arms AbortSignal.timeout, whose timer cannot be cleared and lives its full 15 seconds
// (then allocates a DOMException). Measured with scripts/bench/web-api-cost.ts: several times
// this poster's CPU per call. Everything else (reads, uploads, rarely used methods) stays on the
// WebClient.
//
// Answers fail exactly as the WebClient's do, with its own error classes: 429 with Retry-After
// is a WebAPIRateLimitedError (CallLanes hold the lane and repeat), another non-200 a
// WebAPIHTTPError, a network failure or timeout a WebAPIRequestError, `ok: false` a
// WebAPIPlatformError carrying the answer; so CallLanes' classification and callers'
// `slackErrorCode` see no difference. The body is form-encoded as the WebClient encodes it.
import { stringify } from "node:querystring";
import { webApi } from "@slack/bolt";
import type { Logger } from "pino";
import { fetchWithin } from "../../http/keep-alive-fetch.ts";

export type SlackAnswer = Record<string, unknown> & {
  ok?: boolean;
  ts?: string;
  response_metadata?: { warnings?: unknown; messages?: unknown };
};

export interface WebApiPosterOptions {
  /** The Web API base, ending in a slash (`https://slack.com/api/`, or a proxy or test double). */
  apiUrl: string;
  botToken: string;
  timeoutMs: number;
  log: Logger;
}

export class WebApiPoster {
  readonly #apiUrl: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #log: Logger;

  constructor(options: WebApiPosterOptions) {
    this.#apiUrl = options.apiUrl;
    this.#timeoutMs = options.timeoutMs;
    this.#log = options.log;
    this.#headers = {
      "User-Agent": "tocsin",
      Accept: "application/json",
      Authorization: `Bearer ${options.botToken}`,
      "Content-Type": "application/x-www-form-urlencoded",
    };
  }

  /** Calls `method` with `args`; resolves with Slack's answer when it says `ok`. */
  async call(method: string, args: Record<string, unknown>): Promise<SlackAnswer> {
    let response: Response;
    try {
      response = await fetchWithin(this.#timeoutMs, `${this.#apiUrl}${method}`, {
        method: "POST",
        headers: this.#headers,
        body: formBody(args),
        redirect: "error",
      });
    } catch (error) {
      throw new webApi.WebAPIRequestError(error instanceof Error ? error : new Error(String(error)));
    }
    if (response.status === 429) {
      const retryAfter = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
      if (!Number.isNaN(retryAfter)) throw new webApi.WebAPIRateLimitedError(retryAfter);
      throw new Error(`${method}: 429 without a valid Retry-After`);
    }
    const text = await response.text();
    if (response.status !== 200) {
      throw new webApi.WebAPIHTTPError(
        response.status,
        response.statusText,
        Object.fromEntries(response.headers.entries()),
        text,
      );
    }
    let answer: SlackAnswer;
    try {
      answer = JSON.parse(text) as SlackAnswer;
    } catch {
      answer = { ok: false, error: text.slice(0, 200) };
    }
    if (answer === null || typeof answer !== "object") answer = { ok: false, error: "not an object" };
    this.#logNotices(method, answer);
    if (!answer.ok) {
      // The answer as Slack gave it, in `data` (callers read `data.error`, as from the WebClient).
      const failed = { ...answer, ok: false, error: String(answer.error ?? "unknown_error") };
      throw new webApi.WebAPIPlatformError(failed as webApi.WebAPICallResult & { error: string });
    }
    return answer;
  }

  /** Slack's warnings in an answer (a deprecated argument, a truncated text) are logged, as the WebClient does. */
  #logNotices(method: string, answer: SlackAnswer): void {
    const meta = answer.response_metadata;
    if (!meta) return;
    const notices = [
      ...(Array.isArray(meta.warnings) ? meta.warnings : []),
      ...(Array.isArray(meta.messages) ? meta.messages : []),
    ];
    for (const notice of notices)
      this.#log.warn({ method, notice: String(notice).slice(0, 300) }, "Slack warns");
  }
}

/** The WebClient's encoding: form fields, objects and arrays (blocks) as JSON, nothing for null. */
function formBody(args: Record<string, unknown>): string {
  const fields: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(args)) {
    const value = args[key];
    if (value === undefined || value === null) continue;
    fields[key] =
      typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? value
        : JSON.stringify(value);
  }
  return stringify(fields);
}
