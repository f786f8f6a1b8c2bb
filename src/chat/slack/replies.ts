// Answers to commands and clicks on Slack: through the command's response_url where there is
// one (ephemeral answers, channels the bot is not in), else through the Web API. Split from
// slack-platform.ts, which owns the client and the lanes these use.
import type { webApi } from "@slack/bolt";
import type { Logger } from "pino";
import { fetchWithin } from "../../http/keep-alive-fetch.ts";
import type { Reply } from "../invocation.ts";
import type { Message } from "../message.ts";
import { renderPlainText } from "../plain-text.ts";
import { renderBlockKit, type SlackMessagePayload } from "./block-kit.ts";
import { type CallLanes, slackErrorCode } from "./call-lanes.ts";
import type { SlackReplyTarget } from "./reply-target.ts";
import { trustedResponseUrl } from "./response-urls.ts";

const BOT_NOT_IN_CHANNEL = new Set(["not_in_channel", "channel_not_found"]);

export interface SlackRepliesDeps {
  client: webApi.WebClient;
  calls: CallLanes;
  log: Logger;
  /** The configured Web API base (a proxy or test double), whose response_urls are trusted too. */
  apiUrl: string | undefined;
  requestTimeoutMs: number;
  /** An in-channel answer goes in the channel's lane, in order with the platform's other posts. */
  postInLane: (channel: string, payload: SlackMessagePayload) => Promise<string>;
}

export class SlackReplies {
  readonly #deps: SlackRepliesDeps;

  constructor(deps: SlackRepliesDeps) {
    this.#deps = deps;
  }

  async reply(given: SlackReplyTarget, reply: Reply): Promise<void> {
    const target = this.#withTrustedResponseUrl(given);
    const payload = renderBlockKit(reply.message);
    try {
      if (reply.visibility === "ephemeral") {
        if (target.responseUrl) {
          try {
            await this.#postToResponseUrl(target.responseUrl, "ephemeral", payload);
            return;
          } catch (error) {
            // A response_url lasts 30 minutes and 5 uses (a modal left open, a chatty command).
            this.#deps.log.warn(
              { err: error, channel: target.channelId },
              "response_url refused: answering directly",
            );
          }
        }
        await this.#deps.calls.direct("chat.postEphemeral", () =>
          this.#deps.client.chat.postEphemeral({
            channel: target.channelId,
            user: target.userId,
            ...payload,
          }),
        );
        return;
      }
      try {
        await this.#deps.postInLane(target.channelId, payload);
      } catch (error) {
        const code = slackErrorCode(error);
        if (!target.responseUrl || !code || !BOT_NOT_IN_CHANNEL.has(code)) throw error;
        await this.#postToResponseUrl(target.responseUrl, "in_channel", payload);
      }
    } catch (error) {
      logLostMessage(this.#deps.log, error, `${reply.visibility} reply`, target.channelId, reply.message);
      throw error;
    }
  }

  /** Slack's reply hook for commands and clicks: valid 30 minutes, no channel membership needed. */
  async #postToResponseUrl(
    url: string,
    responseType: "ephemeral" | "in_channel",
    payload: SlackMessagePayload,
  ): Promise<void> {
    await this.#deps.calls.direct("response_url", async () => {
      const response = await fetchWithin(this.#deps.requestTimeoutMs, url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ response_type: responseType, replace_original: false, ...payload }),
      });
      if (!response.ok) throw new ResponseUrlError(response.status, await response.text());
    });
  }

  /**
   * A response_url comes in the request (or a modal's private_metadata): an answer posted there
   * would go wherever it points. Only Slack's own hosts (or the configured API's, a proxy or
   * test double) are used; anything else is dropped and the answer goes through the Web API.
   */
  #withTrustedResponseUrl(target: SlackReplyTarget): SlackReplyTarget {
    if (!target.responseUrl || trustedResponseUrl(target.responseUrl, this.#deps.apiUrl)) return target;
    this.#deps.log.warn({ channel: target.channelId }, "response_url outside Slack ignored");
    const { responseUrl: _dropped, ...rest } = target;
    return rest;
  }
}

/** A message that could not be delivered is never dropped silently. */
export function logLostMessage(
  log: Logger,
  error: unknown,
  what: string,
  channel: string,
  message: Message,
): void {
  const firstLine =
    renderPlainText({ blocks: message.blocks })
      .split("\n")
      .find((line) => line.trim()) ?? "";
  log.error({ err: error, channel, what, firstLine: firstLine.slice(0, 200) }, "Slack message not delivered");
}

/** A non-2xx answer from a response_url; 5xx ones are retried like Web API server errors. */
class ResponseUrlError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, body: string) {
    super(`response_url answered HTTP ${statusCode}: ${body.slice(0, 200)}`);
    this.name = "ResponseUrlError";
    this.statusCode = statusCode;
  }
}
