// The Slack platform: a Bolt App (POST /slack/events answered on the Slack ack thread, or Socket
// Mode when an app-level token is given) for what comes in, and behind per-channel lanes for what
// goes out a WebClient, except for the hot writes (posts, edits, topics: web-api-poster.ts). Everything Slack-specific stays in this folder; commands only see the seam.
// What it does to channels is in rooms.ts; what it asks Slack about people and channels, and
// remembers for a while, in lookups.ts.
import type { Worker } from "node:worker_threads";
import { App, type Receiver, SocketModeReceiver, webApi } from "@slack/bolt";
import type { Logger } from "pino";
import { type Clock, systemClock } from "../../clock.ts";
import { keepAliveFetch, keepAliveFetchOfItsOwn } from "../../http/keep-alive-fetch.ts";
import { HttpServer } from "../../http/server.ts";
import type { InvocationHandler, PlatformUser, Reply, ReplyTarget } from "../invocation.ts";
import type { ChatFile, Message } from "../message.ts";
import type {
  ChatPlatform,
  CreatedRoom,
  IncidentRoomSpec,
  SendOptions,
  SentDirectMessage,
} from "../platform.ts";
import { prepareAckThread, SlackAckThread } from "./ack-thread.ts";
import { AnsweredRequestReceiver } from "./answered-receiver.ts";
import { renderBlockKit, type SlackMessagePayload } from "./block-kit.ts";
import { boltLogger } from "./bolt-logger.ts";
import { CallLanes, classifyFailure } from "./call-lanes.ts";
import { type InboundDeps, registerInboundListeners } from "./inbound.ts";
import { SlackLookups } from "./lookups.ts";
import { parseSlackMention } from "./mentions.ts";
import type { SlackPlatformOptions } from "./platform-options.ts";
import { RecentKeys } from "./recent-keys.ts";
import { logLostMessage, SlackReplies } from "./replies.ts";
import type { SlackReplyTarget } from "./reply-target.ts";
import { type SlackInstallation, workspaceMiddleware } from "./request-gate.ts";
import { SlackRooms } from "./rooms.ts";
import { RSIT_TYPE_CHOICES } from "./rsit-types.ts";
import { WebApiPoster } from "./web-api-poster.ts";

// Where they were declared before the platform's options and room operations had modules of their own.
export type { SlackPlatformOptions } from "./platform-options.ts";
export { SLACK_TOPIC_MAX_LENGTH } from "./rooms.ts";

export const SLACK_EVENTS_PATH = "/slack/events";
/** How long stop() lets commands already running finish their answers. */
const STOP_GRACE_MS = 5_000;

export class SlackPlatform implements ChatPlatform {
  readonly name = "slack" as const;
  readonly #options: SlackPlatformOptions;
  #preparedAckThread: Worker | undefined;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #client: webApi.WebClient;
  /**
   * Pages' own client: a WebClient queues at most 100 requests in flight, so a burst of slow
   * housekeeping calls (summary edits across rooms) would otherwise hold a page's DM behind it.
   */
  readonly #pageClient: webApi.WebClient;
  /** The hot write methods (posts, summary edits, topics) without the WebClient's cost per call. */
  readonly #poster: WebApiPoster;
  readonly #calls: CallLanes;
  readonly #replies: SlackReplies;
  readonly #seen: RecentKeys;
  /** Users, channel sharing and DM channels, as Slack last answered. */
  readonly #lookups: SlackLookups;
  readonly #rooms: SlackRooms;
  readonly #running = new Set<Promise<void>>();
  #stopReceiver: (() => Promise<void>) | undefined;
  /** Answers Slack's HTTP requests off the main thread (undefined in Socket Mode). */
  #ackThread: SlackAckThread | undefined;
  #port: number | undefined;
  #botUserId: string | undefined;
  /** The workspace (and enterprise) of the bot token: requests from elsewhere are refused. */
  #installation: SlackInstallation | undefined;

  constructor(options: SlackPlatformOptions) {
    this.#options = options;
    this.#preparedAckThread = options.preparedAckThread;
    this.#log = options.log.child({ platform: "slack" });
    this.#clock = options.clock ?? systemClock;
    this.#seen = new RecentKeys(this.#clock);
    this.#calls = new CallLanes(this.#log, options.retryPolicy);
    // Rate limits and retries are CallLanes' job: the client's own handling pauses every
    // request on one 429, which would stall unrelated channels.
    const clientOptions = {
      slackApiUrl: this.#apiUrl(),
      logger: boltLogger(this.#log),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: options.requestTimeoutMs ?? 15_000,
      // node:http with keep-alive: the global fetch costs several times the CPU per call.
      fetch: keepAliveFetch,
    };
    this.#client = new webApi.WebClient(options.botToken, clientOptions);
    // Its own sockets too: the shared pool's (MAX_SOCKETS_PER_HOST) can all be held by slow
    // housekeeping (summary edits through the poster), and a page must not queue behind them.
    this.#pageClient = new webApi.WebClient(options.botToken, {
      ...clientOptions,
      fetch: keepAliveFetchOfItsOwn(),
    });
    this.#poster = new WebApiPoster({
      apiUrl: this.#apiUrl() ?? "https://slack.com/api/",
      botToken: options.botToken,
      timeoutMs: clientOptions.timeout,
      log: this.#log,
    });
    this.#replies = new SlackReplies({
      client: this.#client,
      calls: this.#calls,
      log: this.#log,
      apiUrl: options.apiUrl,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      postInLane: (channel, payload) => this.#postInLane(channel, payload),
    });
    this.#lookups = new SlackLookups({
      client: this.#client,
      pageClient: this.#pageClient,
      calls: this.#calls,
      clock: this.#clock,
    });
    this.#rooms = new SlackRooms({
      client: this.#client,
      poster: this.#poster,
      calls: this.#calls,
      log: this.#log,
      lookups: this.#lookups,
      botUserId: () => this.#botUserId,
    });
  }

  /** The HTTP receiver's bound port once started (undefined in Socket Mode). */
  get port(): number | undefined {
    return this.#port;
  }

  /** The thread answering Slack's HTTP requests (tests end it to see it restarted). */
  get ackThread(): SlackAckThread | undefined {
    return this.#ackThread;
  }

  async start(onInvocation: InvocationHandler): Promise<void> {
    if (this.#stopReceiver) throw new Error("Slack platform already started");
    // On HTTP the ack thread boots while Bolt initialises and auth.test is answered, unless it
    // was spawned earlier still (while the database started).
    const early = this.#preparedAckThread;
    this.#preparedAckThread = undefined;
    const prepared = this.#options.appToken ? undefined : (early ?? prepareAckThread());
    try {
      await this.#start(onInvocation, prepared);
    } catch (error) {
      if (prepared && !this.#ackThread) await prepared.terminate();
      throw error;
    }
  }

  async #start(onInvocation: InvocationHandler, prepared: Worker | undefined): Promise<void> {
    const logger = boltLogger(this.#log);
    const socketMode = this.#options.appToken
      ? new SocketModeReceiver({
          appToken: this.#options.appToken,
          logger,
          // Where apps.connections.open is called; no installer is made without OAuth settings.
          installerOptions: { clientOptions: { slackApiUrl: this.#apiUrl() } },
        })
      : undefined;
    const answered = socketMode ? undefined : new AnsweredRequestReceiver(this.#log);
    const receiver: Receiver = (socketMode ?? answered) as Receiver;
    const app = new App({
      receiver,
      token: this.#options.botToken,
      logger,
      // Bolt only calls auth.test with this client; a few quick retries keep a start from
      // hanging on the WebClient's default thirty-minute retry policy.
      clientOptions: {
        slackApiUrl: this.#apiUrl(),
        retryConfig: { retries: 2, minTimeout: 200, maxTimeout: 1000 },
        // Without one, a Slack API that accepts and never answers would hold the start forever.
        timeout: this.#options.requestTimeoutMs ?? 15_000,
        fetch: keepAliveFetch,
      },
      deferInitialization: true,
      // Bolt's conversation store (context.conversation) is unused here, and its lookup of a
      // conversation never stored rejects with a new Error, stack and all, on every event.
      convoStore: false,
    });
    app.error(async (error) => {
      this.#log.error({ err: error }, "Slack listener failed");
    });
    app.use(workspaceMiddleware(() => this.#installation, this.#log));
    registerInboundListeners(app, this.#inboundDeps(onInvocation));
    // Slack Connect: a channel shared with (or no longer with) another organisation has other
    // readers from now on: forget what the cache says and ask Slack again at once.
    const reread = async (channel: string) => {
      this.#lookups.forgetSharing(channel);
      await this.isExternal(channel);
    };
    app.event("channel_shared", async ({ event }) => reread(event.channel));
    app.event("channel_unshared", async ({ event }) => reread(event.channel));
    await app.init();
    const auth = await this.#calls.direct("auth.test", () => this.#client.auth.test());
    this.#botUserId = auth.user_id;
    this.#installation = {
      teamId: auth.team_id,
      enterpriseId: auth.enterprise_id,
      enterpriseInstall: auth.is_enterprise_install === true,
    };
    if (socketMode) {
      await app.start();
      // Bolt's stop() does not wait for the WebSocket's close handshake; this does.
      this.#stopReceiver = () => socketMode.client.disconnect();
    } else if (answered) {
      // The ack thread verifies and answers Slack's requests on the port of tocsin's HTTP
      // server, whatever this thread is doing; Bolt dispatches them here, already answered.
      const ackThread = new SlackAckThread({
        signingSecret: this.#options.signingSecret,
        path: SLACK_EVENTS_PATH,
        installation: () => this.#installation,
        deliver: (request) => answered.dispatch(request),
        log: this.#log,
        maxUntaken: this.#options.maxUntakenAcks,
        prepared,
      });
      this.#ackThread = ackThread;
      const http = this.#options.http ?? new HttpServer(this.#log);
      http.handPortTo(ackThread);
      const own = this.#options.http ? undefined : http;
      if (own) this.#port = await own.listen(this.#options.port ?? 3000, this.#options.host);
      // The HTTP server's owner closes it (and with it the thread) before stopping platforms.
      // Then what the thread answered before it closed has been delivered: Bolt finishes it.
      this.#stopReceiver = async () => {
        await own?.close();
        await answered.settled();
      };
    }
    this.#log.info(
      { mode: socketMode ? "socket" : "http", port: this.#port, botUserId: this.#botUserId },
      "Slack platform started",
    );
  }

  async stop(): Promise<void> {
    // A thread prepared for a start that never came (another part failed to start first).
    const unused = this.#preparedAckThread;
    this.#preparedAckThread = undefined;
    if (unused) await unused.terminate();
    const stopReceiver = this.#stopReceiver;
    this.#stopReceiver = undefined;
    if (stopReceiver) await stopReceiver();
    // Commands already taken get a moment to deliver their answers before waits are cut short.
    await Promise.race([Promise.allSettled([...this.#running]), delay(STOP_GRACE_MS)]);
    this.#calls.stop();
    this.#port = undefined;
  }

  parseMention(token: string): string | undefined {
    return parseSlackMention(token);
  }

  readonly ephemeralReplies = true;

  async reply(target: ReplyTarget, reply: Reply): Promise<void> {
    const own = (target as { slack?: SlackReplyTarget }).slack;
    if (target.platform !== "slack" || !own) throw new Error("not a Slack reply target");
    await this.#replies.reply(own, reply);
  }

  /** Slack's IM channels (ids starting with D) hold exactly the person and the bot. */
  async isDirectWith(roomId: string): Promise<boolean> {
    return roomId.startsWith("D");
  }

  /**
   * Commands from other workspaces are refused at the edge, so a person typing here is of the
   * installation's organisation; rooms shared with other organisations are caught by isExternal.
   */
  isExternalUser(): boolean {
    return false;
  }

  lookupUser(externalId: string): Promise<PlatformUser | undefined> {
    return this.#lookups.user(externalId);
  }

  async createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    const created = await this.#rooms.createPrivateChannel(spec.publicId, spec.title);
    await this.invite(created.roomId, spec.invite);
    await this.setTopic(created.roomId, spec.topic);
    return created;
  }

  invite(roomId: string, externalIds: string[]): Promise<void> {
    return this.#rooms.invite(roomId, externalIds);
  }

  /** Signed bulletins and reports travel as files: chat formatting would break a signature. */
  postFile(roomId: string, file: ChatFile): Promise<void> {
    return this.#rooms.postFile(roomId, file);
  }

  async isExternal(roomId: string): Promise<boolean> {
    return this.#lookups.isExternal(roomId);
  }

  retryAfterMs(error: unknown): number | undefined {
    const failure = classifyFailure(error);
    return failure.kind === "rate-limited" ? failure.retryAfterMs : undefined;
  }

  async archiveRoom(roomId: string): Promise<void> {
    await this.#rooms.archive(roomId);
  }

  setTopic(roomId: string, topic: string): Promise<void> {
    return this.#rooms.setTopic(roomId, topic);
  }

  async post(roomId: string, message: Message, options: SendOptions = {}): Promise<string> {
    try {
      return await this.#postInLane(roomId, renderBlockKit(message), options);
    } catch (error) {
      logLostMessage(this.#log, error, "chat.postMessage", roomId, message);
      throw error;
    }
  }

  async update(roomId: string, messageId: string, message: Message): Promise<void> {
    try {
      await this.#calls.inLane(roomId, "chat.update", () =>
        this.#poster.call("chat.update", { channel: roomId, ts: messageId, ...renderBlockKit(message) }),
      );
    } catch (error) {
      logLostMessage(this.#log, error, "chat.update", roomId, message);
      throw error;
    }
  }

  pin(roomId: string, messageId: string): Promise<void> {
    return this.#rooms.pin(roomId, messageId);
  }

  async directMessage(
    externalId: string,
    message: Message,
    options: SendOptions = {},
  ): Promise<SentDirectMessage> {
    let channel: string | undefined;
    try {
      channel = await this.#lookups.directChannel(externalId, options);
      const ts = await this.#postInLane(channel, renderBlockKit(message), options);
      return { roomId: channel, messageId: ts };
    } catch (error) {
      logLostMessage(this.#log, error, "direct message", channel ?? externalId, message);
      throw error;
    }
  }

  async #postInLane(
    channel: string,
    payload: SlackMessagePayload,
    options: SendOptions = {},
  ): Promise<string> {
    // Pages keep a client of their own (see #pageClient); everything else takes the poster.
    const post = async (): Promise<{ ts?: string }> =>
      options.urgent
        ? this.#pageClient.chat.postMessage({ channel, ...payload })
        : this.#poster.call("chat.postMessage", { channel, ...payload });
    const result = await this.#calls.inLane(channel, "chat.postMessage", post, options);
    if (!result.ts) throw new Error(`chat.postMessage to ${channel} returned no ts`);
    return result.ts;
  }

  #inboundDeps(onInvocation: InvocationHandler): InboundDeps {
    return {
      log: this.#log,
      seen: this.#seen,
      rsitTypes: this.#options.rsitTypes ?? RSIT_TYPE_CHOICES,
      run: (invocation) => {
        const running = Promise.resolve()
          .then(async () => {
            await onInvocation(invocation);
          })
          .catch((error) => {
            this.#log.error({ err: error, dedupeKey: invocation.dedupeKey }, "Slack command failed");
          })
          .finally(() => this.#running.delete(running));
        this.#running.add(running);
      },
      reply: (target, reply) => this.#replies.reply(target, reply),
      openView: async (triggerId, view) => {
        await this.#calls.direct("views.open", () =>
          this.#client.views.open({ trigger_id: triggerId, view }),
        );
      },
      fetchMessage: (channel, ts) => this.#lookups.message(channel, ts),
    };
  }

  #apiUrl(): string | undefined {
    const url = this.#options.apiUrl;
    if (!url) return undefined;
    return url.endsWith("/") ? url : `${url}/`;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
