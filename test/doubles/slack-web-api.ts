// A local double of Slack for platform tests, speaking Slack's wire protocol on 127.0.0.1:
//
// - `SlackWebApiDouble`: the Web API (`POST /api/<method>`, form-encoded or JSON bodies, bot
//   token in `Authorization: Bearer`, `{ ok, ... }` answers, 429 + Retry-After), keeping
//   channels, members, topics, pins and messages, recording every call, and scriptable to fail.
//   It also serves response_url hooks (`POST /response/<id>`) and Socket Mode:
//   `apps.connections.open` with the app-level token, then a WebSocket that delivers envelopes
//   and takes the app's acks.
// - `SlackRequestSender`: what Slack sends to the app (slash commands, interactivity payloads,
//   Events API callbacks), signed with the signing secret exactly like Slack does.
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { until } from "../support/waiting.ts";

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** Date.now() when the request arrived. */
  at: number;
  status: number;
  ok: boolean;
  error?: string;
}

export interface RecordedResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

export interface DoubleMessage {
  ts: string;
  user?: string;
  botId?: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
}

export interface DoubleChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isIm: boolean;
  archived: boolean;
  members: Set<string>;
  topic: string;
  pins: Set<string>;
  messages: DoubleMessage[];
  /** Shared with another organisation (Slack Connect). */
  externallyShared?: boolean;
}

export interface DoubleUser {
  id: string;
  name: string;
  realName?: string;
  displayName?: string;
  email?: string;
}

export interface DoubleView {
  id: string;
  triggerId: string;
  view: Record<string, unknown>;
}

interface ScriptedFailure {
  method: string;
  remaining: number;
  channel?: string;
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Parameters Slack takes as JSON inside a form-encoded body. */
const JSON_PARAMS = new Set(["blocks", "attachments", "view", "metadata", "files"]);

/** Slack's limits, checked like Slack does so a renderer bug shows up as `invalid_blocks`. */
const LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, field: 2000, fields: 10, buttonValue: 2000 };

class SlackApiFailure extends Error {
  readonly error: string;

  constructor(error: string) {
    super(error);
    this.error = error;
  }
}

type Handler = (params: Record<string, unknown>) => Record<string, unknown>;

export class SlackWebApiDouble {
  readonly botToken: string;
  readonly appToken: string;
  readonly botUserId: string;
  readonly botId = "B0TOCSIN";
  readonly teamId = "T0TOCSIN";
  readonly calls: RecordedCall[] = [];
  readonly responseUrlPosts: RecordedResponseUrlPost[] = [];
  readonly ephemeralMessages: Array<{ channel: string; user: string; text: string; blocks?: unknown[] }> = [];
  readonly channels = new Map<string, DoubleChannel>();
  readonly users = new Map<string, DoubleUser>();
  readonly views: DoubleView[] = [];
  /** Files shared in channels through files.uploadV2 (the three-step external upload). */
  readonly files: Array<{ id: string; channel: string; filename: string; title?: string; content: string }> =
    [];
  readonly #uploads = new Map<string, { filename: string; content?: string }>();
  readonly #server: Server;
  readonly #failures: ScriptedFailure[] = [];
  readonly #slow = new Map<string, { ms?: number; until?: Promise<void>; arrivals: number }>();
  readonly #events = new EventEmitter();
  readonly #handlers: Record<string, Handler>;
  #counter = 0;
  #expiredResponseUrls = 0;
  #socket: Duplex | undefined;
  #socketBuffer = Buffer.alloc(0);
  readonly #socketAcks = new Map<string, (ack: Record<string, unknown>) => void>();

  private constructor(server: Server, options: { botToken: string; appToken: string; botUserId: string }) {
    this.#server = server;
    this.botToken = options.botToken;
    this.appToken = options.appToken;
    this.botUserId = options.botUserId;
    this.users.set(this.botUserId, { id: this.botUserId, name: "tocsin" });
    this.#handlers = {
      "auth.test": () => this.#authTest(),
      "users.info": (p) => this.#usersInfo(p),
      "conversations.create": (p) => this.#conversationsCreate(p),
      "conversations.invite": (p) => this.#conversationsInvite(p),
      "conversations.setTopic": (p) => this.#conversationsSetTopic(p),
      "conversations.archive": (p) => this.#conversationsArchive(p),
      "conversations.info": (p) => ({ channel: this.#channelJson(this.#channel(p.channel)) }),
      "conversations.history": (p) => this.#conversationsHistory(p),
      "conversations.replies": (p) => this.#conversationsReplies(p),
      "conversations.open": (p) => this.#conversationsOpen(p),
      "chat.postMessage": (p) => this.#chatPostMessage(p),
      "chat.postEphemeral": (p) => this.#chatPostEphemeral(p),
      "chat.update": (p) => this.#chatUpdate(p),
      "pins.add": (p) => this.#pinsAdd(p),
      "files.getUploadURLExternal": (p) => this.#filesGetUploadUrl(p),
      "files.completeUploadExternal": (p) => this.#filesCompleteUpload(p),
      "views.open": (p) => this.#viewsOpen(p),
      "apps.connections.open": () => ({
        url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket-mode`,
      }),
    };
    server.on("upgrade", (req, socket) => this.#acceptSocket(req, socket));
    server.on("request", (req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
      });
    });
  }

  static async start(
    options: { botToken?: string; appToken?: string; botUserId?: string } = {},
  ): Promise<SlackWebApiDouble> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return new SlackWebApiDouble(server, {
      botToken: options.botToken ?? "xoxb-test-token",
      appToken: options.appToken ?? "xapp-test-token",
      botUserId: options.botUserId ?? "U0TOCSIN",
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** What SlackPlatform takes as `apiUrl`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  responseUrl(id: string = this.#nextId("R")): string {
    return `${this.baseUrl}/response/${id}`;
  }

  async close(): Promise<void> {
    this.#socket?.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- fixtures ------------------------------------------------------------------------------

  addUser(user: DoubleUser): DoubleUser {
    this.users.set(user.id, user);
    return user;
  }

  addChannel(spec: {
    name: string;
    isPrivate?: boolean;
    archived?: boolean;
    members?: string[];
    botIsMember?: boolean;
  }): DoubleChannel {
    const channel: DoubleChannel = {
      id: this.#nextId("C"),
      name: spec.name,
      isPrivate: spec.isPrivate ?? false,
      isIm: false,
      archived: spec.archived ?? false,
      members: new Set([...(spec.members ?? []), ...(spec.botIsMember === false ? [] : [this.botUserId])]),
      topic: "",
      pins: new Set(),
      messages: [],
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  addMessage(channelId: string, message: { user?: string; text: string; threadTs?: string }): DoubleMessage {
    const stored: DoubleMessage = { ts: this.#nextTs(), ...message };
    this.#channel(channelId).messages.push(stored);
    return stored;
  }

  /** The channel becomes (or stops being) shared with another organisation (Slack Connect). */
  shareExternally(channelId: string, shared = true): void {
    this.#channel(channelId).externallyShared = shared;
  }

  channelByName(name: string): DoubleChannel | undefined {
    return [...this.channels.values()].find((channel) => channel.name === name);
  }

  messagesIn(channelId: string): DoubleMessage[] {
    return this.channels.get(channelId)?.messages ?? [];
  }

  // ---- scripted failures ---------------------------------------------------------------------

  /** The next `times` calls of `method` (to `channel` only, if given) get HTTP 429 + Retry-After. */
  rateLimit(
    method: string,
    options: { times?: number; retryAfterSeconds?: number; channel?: string } = {},
  ): void {
    this.#failures.push({
      method,
      remaining: options.times ?? 1,
      channel: options.channel,
      status: 429,
      headers: { "retry-after": String(options.retryAfterSeconds ?? 1) },
      body: { ok: false, error: "ratelimited" },
    });
  }

  /** The next `times` calls of `method` get an HTTP server error. */
  serverError(method: string, options: { times?: number; status?: number; channel?: string } = {}): void {
    this.#failures.push({
      method,
      remaining: options.times ?? 1,
      channel: options.channel,
      status: options.status ?? 500,
      headers: {},
      body: { ok: false, error: "internal_error" },
    });
  }

  /**
   * Answers every later call of `method` only after `ms` (a slow Slack), or only once `until`
   * settles (calls held in flight); `arrived()` counts the calls taken in so far.
   */
  slowDown(method: string, options: { ms?: number; until?: Promise<void> }): { arrived(): number } {
    const slow = { ...options, arrivals: 0 };
    this.#slow.set(method, slow);
    return { arrived: () => slow.arrivals };
  }

  /** The next `times` calls of `method` get `{ ok: false, error }` (e.g. `expired_trigger_id`). */
  failWith(method: string, error: string, options: { times?: number; channel?: string } = {}): void {
    this.#failures.push({
      method,
      remaining: options.times ?? 1,
      channel: options.channel,
      status: 200,
      headers: {},
      body: { ok: false, error },
    });
  }

  /** The next `times` posts to any response_url are refused as Slack refuses expired ones. */
  expireResponseUrls(times = 1): void {
    this.#expiredResponseUrls += times;
  }

  // ---- observation ---------------------------------------------------------------------------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Resolves with the first call (past or future) of `method` that matches. */
  waitForCall(
    method: string,
    matches: (call: RecordedCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<RecordedCall> {
    return this.#waitFor(
      "call",
      () => this.calls.find((call) => call.method === method && matches(call)),
      timeoutMs,
    );
  }

  waitForResponseUrlPost(
    matches: (post: RecordedResponseUrlPost) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<RecordedResponseUrlPost> {
    return this.#waitFor("response", () => this.responseUrlPosts.find(matches), timeoutMs);
  }

  #waitFor<T>(event: string, find: () => T | undefined, timeoutMs: number): Promise<T> {
    return until(find, `the Slack double to see a matching ${event}`, {
      timeoutMs,
      wakeOn: (wake) => {
        this.#events.on(event, wake);
        return () => this.#events.off(event, wake);
      },
    });
  }

  // ---- Socket Mode ---------------------------------------------------------------------------

  /** Resolves once an app has connected over Socket Mode and been greeted. */
  waitForSocket(timeoutMs = 5000): Promise<void> {
    return this.#waitFor("socket", () => (this.#socket ? true : undefined), timeoutMs).then(() => undefined);
  }

  /**
   * Delivers one envelope over the socket as Slack does (`slash_commands`, `interactive`,
   * `events_api`) and resolves with the app's ack and how long it took.
   */
  deliverOverSocket(
    type: "slash_commands" | "interactive" | "events_api",
    payload: Record<string, unknown>,
    options: { retryAttempt?: number; envelopeId?: string; timeoutMs?: number } = {},
  ): Promise<{ envelopeId: string; ack: Record<string, unknown>; elapsedMs: number }> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(new Error("no app connected over Socket Mode"));
    const envelopeId = options.envelopeId ?? randomUUID();
    const envelope: Record<string, unknown> = {
      envelope_id: envelopeId,
      payload,
      type,
      accepts_response_payload: type !== "events_api",
    };
    if (type === "events_api") {
      envelope.retry_attempt = options.retryAttempt ?? 0;
      envelope.retry_reason = options.retryAttempt ? "timeout" : "";
    }
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#socketAcks.delete(envelopeId);
        reject(new Error(`no ack for envelope ${envelopeId}`));
      }, options.timeoutMs ?? 3000);
      this.#socketAcks.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve({ envelopeId, ack, elapsedMs: performance.now() - started });
      });
      socket.write(webSocketFrame(OPCODE.text, Buffer.from(JSON.stringify(envelope))));
    });
  }

  #acceptSocket(req: IncomingMessage, socket: Duplex): void {
    const key = req.headers["sec-websocket-key"];
    if (!req.url?.startsWith("/socket-mode") || typeof key !== "string") {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    this.#socket = socket;
    this.#socketBuffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => this.#readFrames(socket, chunk));
    socket.on("close", () => {
      if (this.#socket === socket) this.#socket = undefined;
    });
    socket.on("error", () => socket.destroy());
    const hello = {
      type: "hello",
      num_connections: 1,
      debug_info: { host: "double" },
      connection_info: { app_id: "A0TOCSIN" },
    };
    socket.write(webSocketFrame(OPCODE.text, Buffer.from(JSON.stringify(hello))));
    this.#events.emit("socket");
  }

  #readFrames(socket: Duplex, chunk: Buffer): void {
    this.#socketBuffer = Buffer.concat([this.#socketBuffer, chunk]);
    for (;;) {
      const frame = parseClientFrame(this.#socketBuffer);
      if (!frame) return;
      this.#socketBuffer = this.#socketBuffer.subarray(frame.length);
      if (frame.opcode === OPCODE.ping) socket.write(webSocketFrame(OPCODE.pong, frame.payload));
      if (frame.opcode === OPCODE.close) {
        // Echo the status code, as RFC 6455 asks of the side answering a close.
        socket.end(webSocketFrame(OPCODE.close, frame.payload.subarray(0, 2)));
        return;
      }
      if (frame.opcode === OPCODE.text) {
        const ack = JSON.parse(frame.payload.toString("utf8")) as Record<string, unknown>;
        const waiting = this.#socketAcks.get(String(ack.envelope_id));
        this.#socketAcks.delete(String(ack.envelope_id));
        waiting?.(ack);
      }
    }
  }

  // ---- wire protocol -------------------------------------------------------------------------

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    const raw = await readBody(req);
    if (req.method === "POST" && url.pathname.startsWith("/response/") && this.#expiredResponseUrls > 0) {
      this.#expiredResponseUrls--;
      res.writeHead(404, { "content-type": "text/plain" }).end("expired_url");
      return;
    }
    if (req.method === "POST" && url.pathname.startsWith("/response/")) {
      this.responseUrlPosts.push({
        id: url.pathname.slice("/response/".length),
        body: JSON.parse(raw),
        at: Date.now(),
      });
      this.#events.emit("response");
      sendJson(res, 200, { ok: true });
      return;
    }
    if (req.method === "POST" && url.pathname.startsWith("/upload/")) {
      const upload = this.#uploads.get(url.pathname.slice("/upload/".length));
      if (!upload) {
        res.writeHead(404, { "content-type": "text/plain" }).end("no such upload");
        return;
      }
      upload.content = raw;
      res.writeHead(200, { "content-type": "text/plain" }).end("OK - uploaded");
      return;
    }
    if (req.method !== "POST" || !url.pathname.startsWith("/api/")) {
      sendJson(res, 404, { ok: false, error: "unknown_path" });
      return;
    }
    const method = url.pathname.slice("/api/".length);
    const params = parseParams(raw, req.headers["content-type"] ?? "");
    const slow = this.#slow.get(method);
    if (slow) {
      slow.arrivals++;
      this.#events.emit("call");
      await (slow.until ?? new Promise((resolve) => setTimeout(resolve, slow.ms ?? 0)));
    }
    const call: RecordedCall = { method, params, at: Date.now(), status: 200, ok: true };
    const { status, headers, body } = this.#answer(method, params, req.headers.authorization);
    call.status = status;
    call.ok = body.ok === true;
    if (typeof body.error === "string") call.error = body.error;
    this.calls.push(call);
    this.#events.emit("call");
    sendJson(res, status, body, headers);
  }

  #answer(
    method: string,
    params: Record<string, unknown>,
    authorization: string | undefined,
  ): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
    const token = authorization?.replace(/^Bearer /, "") ?? params.token;
    if (!token) return { status: 200, headers: {}, body: { ok: false, error: "not_authed" } };
    // Socket Mode connections are opened with the app-level token, everything else with the bot's.
    const expected = method === "apps.connections.open" ? this.appToken : this.botToken;
    if (token !== expected) return { status: 200, headers: {}, body: { ok: false, error: "invalid_auth" } };
    const failure = this.#failures.find(
      (f) =>
        f.method === method && f.remaining > 0 && (f.channel === undefined || f.channel === params.channel),
    );
    if (failure) {
      failure.remaining--;
      return { status: failure.status, headers: failure.headers, body: failure.body };
    }
    const handler = this.#handlers[method];
    if (!handler) return { status: 200, headers: {}, body: { ok: false, error: "unknown_method" } };
    try {
      return { status: 200, headers: {}, body: { ok: true, ...handler(params) } };
    } catch (error) {
      if (error instanceof SlackApiFailure)
        return { status: 200, headers: {}, body: { ok: false, error: error.error } };
      throw error;
    }
  }

  // ---- methods -------------------------------------------------------------------------------

  #authTest(): Record<string, unknown> {
    return {
      url: "https://tocsin-test.slack.com/",
      team: "tocsin test",
      user: "tocsin",
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
    };
  }

  #usersInfo(p: Record<string, unknown>): Record<string, unknown> {
    const user = this.users.get(String(p.user));
    if (!user) throw new SlackApiFailure("user_not_found");
    return {
      user: {
        id: user.id,
        team_id: this.teamId,
        name: user.name,
        real_name: user.realName ?? user.name,
        profile: {
          real_name: user.realName ?? user.name,
          display_name: user.displayName ?? "",
          ...(user.email ? { email: user.email } : {}),
        },
      },
    };
  }

  #conversationsCreate(p: Record<string, unknown>): Record<string, unknown> {
    const name = String(p.name ?? "");
    if (!name) throw new SlackApiFailure("invalid_name_required");
    if (name.length > 80) throw new SlackApiFailure("invalid_name_maxlength");
    if (!/^[a-z0-9_-]+$/.test(name)) throw new SlackApiFailure("invalid_name_specials");
    // Archived channels keep their names: Slack answers name_taken for them too.
    if (this.channelByName(name)) throw new SlackApiFailure("name_taken");
    const channel = this.addChannel({ name, isPrivate: flag(p.is_private) });
    return { channel: this.#channelJson(channel) };
  }

  #conversationsInvite(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#memberChannel(p.channel);
    const users = String(p.users ?? "")
      .split(",")
      .filter(Boolean);
    if (users.length === 0) throw new SlackApiFailure("no_user");
    for (const user of users) {
      if (user === this.botUserId) throw new SlackApiFailure("cant_invite_self");
      if (!this.users.has(user)) throw new SlackApiFailure("user_not_found");
      if (channel.members.has(user)) throw new SlackApiFailure("already_in_channel");
    }
    for (const user of users) channel.members.add(user);
    return { channel: this.#channelJson(channel) };
  }

  #conversationsArchive(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#channel(p.channel);
    if (channel.archived) throw new SlackApiFailure("already_archived");
    this.#memberChannel(p.channel);
    channel.archived = true;
    return {};
  }

  #conversationsSetTopic(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#memberChannel(p.channel);
    const topic = String(p.topic ?? "");
    if (topic.length > 250) throw new SlackApiFailure("too_long");
    channel.topic = topic;
    return { channel: this.#channelJson(channel) };
  }

  #conversationsHistory(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#memberChannel(p.channel, { readOnly: true });
    const latest = p.latest === undefined ? Number.POSITIVE_INFINITY : Number(p.latest);
    const oldest = p.oldest === undefined ? 0 : Number(p.oldest);
    const inclusive = flag(p.inclusive);
    const limit = p.limit === undefined ? 100 : Number(p.limit);
    const inRange = channel.messages
      .filter((m) => m.threadTs === undefined || m.threadTs === m.ts)
      .filter((m) => {
        const ts = Number(m.ts);
        return (inclusive ? ts <= latest : ts < latest) && (inclusive ? ts >= oldest : ts > oldest);
      })
      .reverse();
    return { messages: inRange.slice(0, limit).map(messageJson), has_more: inRange.length > limit };
  }

  #conversationsReplies(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#memberChannel(p.channel, { readOnly: true });
    const target = channel.messages.find((m) => m.ts === p.ts);
    if (!target) throw new SlackApiFailure("thread_not_found");
    const root = target.threadTs ?? target.ts;
    const thread = channel.messages.filter((m) => m.ts === root || m.threadTs === root);
    return { messages: thread.map(messageJson), has_more: false };
  }

  #conversationsOpen(p: Record<string, unknown>): Record<string, unknown> {
    const user = String(p.users ?? "");
    if (!this.users.has(user)) throw new SlackApiFailure("user_not_found");
    let im = [...this.channels.values()].find((c) => c.isIm && c.members.has(user));
    if (!im) {
      im = {
        id: this.#nextId("D"),
        name: user,
        isPrivate: true,
        isIm: true,
        archived: false,
        members: new Set([this.botUserId, user]),
        topic: "",
        pins: new Set(),
        messages: [],
      };
      this.channels.set(im.id, im);
    }
    return { channel: { id: im.id } };
  }

  #chatPostMessage(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#memberChannel(p.channel);
    const text = typeof p.text === "string" ? p.text : "";
    const blocks = Array.isArray(p.blocks) ? p.blocks : undefined;
    if (!text && !blocks) throw new SlackApiFailure("no_text");
    if (blocks) validateBlocks(blocks);
    const message: DoubleMessage = { ts: this.#nextTs(), botId: this.botId, user: this.botUserId, text };
    if (blocks) message.blocks = blocks;
    if (typeof p.thread_ts === "string") message.threadTs = p.thread_ts;
    channel.messages.push(message);
    return { channel: channel.id, ts: message.ts, message: messageJson(message) };
  }

  #filesGetUploadUrl(p: Record<string, unknown>): Record<string, unknown> {
    const filename = String(p.filename ?? "");
    if (!filename || !p.length) throw new SlackApiFailure("invalid_arguments");
    const id = this.#nextId("F");
    this.#uploads.set(id, { filename });
    return { upload_url: `${this.baseUrl}/upload/${id}`, file_id: id };
  }

  #filesCompleteUpload(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#memberChannel(p.channel_id);
    const files = (p.files as Array<{ id: string; title?: string }>) ?? [];
    for (const file of files) {
      const upload = this.#uploads.get(file.id);
      if (upload?.content === undefined) throw new SlackApiFailure("file_not_found");
      this.files.push({
        id: file.id,
        channel: channel.id,
        filename: upload.filename,
        title: file.title,
        content: upload.content,
      });
      channel.messages.push({
        ts: this.#nextTs(),
        botId: this.botId,
        user: this.botUserId,
        text: `(file ${upload.filename})`,
      });
    }
    return { files: files.map((f) => ({ id: f.id, title: f.title })) };
  }

  #chatPostEphemeral(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#memberChannel(p.channel);
    const user = String(p.user ?? "");
    if (!channel.members.has(user)) throw new SlackApiFailure("user_not_in_channel");
    const blocks = Array.isArray(p.blocks) ? p.blocks : undefined;
    if (blocks) validateBlocks(blocks);
    this.ephemeralMessages.push({ channel: channel.id, user, text: String(p.text ?? ""), blocks });
    return { message_ts: this.#nextTs() };
  }

  #chatUpdate(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#memberChannel(p.channel);
    const message = channel.messages.find((m) => m.ts === p.ts);
    if (!message) throw new SlackApiFailure("message_not_found");
    if (message.botId !== this.botId) throw new SlackApiFailure("cant_update_message");
    const blocks = Array.isArray(p.blocks) ? p.blocks : undefined;
    if (blocks) validateBlocks(blocks);
    message.text = typeof p.text === "string" ? p.text : message.text;
    if (blocks) message.blocks = blocks;
    return { channel: channel.id, ts: message.ts, text: message.text };
  }

  #pinsAdd(p: Record<string, unknown>): Record<string, unknown> {
    const channel = this.#memberChannel(p.channel);
    const ts = String(p.timestamp ?? "");
    if (!channel.messages.some((m) => m.ts === ts)) throw new SlackApiFailure("message_not_found");
    if (channel.pins.has(ts)) throw new SlackApiFailure("already_pinned");
    channel.pins.add(ts);
    return {};
  }

  #viewsOpen(p: Record<string, unknown>): Record<string, unknown> {
    const triggerId = typeof p.trigger_id === "string" ? p.trigger_id : "";
    if (!triggerId) throw new SlackApiFailure("invalid_arguments");
    const view = p.view as Record<string, unknown> | undefined;
    if (!view || typeof view !== "object") throw new SlackApiFailure("invalid_arguments");
    const title = (view.title as { text?: string } | undefined)?.text ?? "";
    if (title.length > 24) throw new SlackApiFailure("invalid_arguments");
    const opened = {
      ...view,
      id: this.#nextId("V"),
      hash: randomBytes(8).toString("hex"),
      state: { values: {} },
    };
    this.views.push({ id: opened.id, triggerId, view: opened });
    return { view: opened };
  }

  // ---- state helpers ---------------------------------------------------------------------------

  #channel(id: unknown): DoubleChannel {
    const channel = this.channels.get(String(id ?? ""));
    if (!channel) throw new SlackApiFailure("channel_not_found");
    return channel;
  }

  /** A channel the bot may act in; private channels it is not in look missing, as in Slack. */
  #memberChannel(id: unknown, options: { readOnly?: boolean } = {}): DoubleChannel {
    const channel = this.#channel(id);
    const isMember = channel.members.has(this.botUserId);
    if (!isMember && channel.isPrivate) throw new SlackApiFailure("channel_not_found");
    if (!isMember) throw new SlackApiFailure("not_in_channel");
    if (channel.archived && !options.readOnly) throw new SlackApiFailure("is_archived");
    return channel;
  }

  #channelJson(channel: DoubleChannel): Record<string, unknown> {
    return {
      id: channel.id,
      name: channel.name,
      is_channel: !channel.isPrivate,
      is_group: channel.isPrivate,
      is_private: channel.isPrivate,
      is_archived: channel.archived,
      is_ext_shared: channel.externallyShared ?? false,
      is_shared: channel.externallyShared ?? false,
      topic: { value: channel.topic },
      num_members: channel.members.size,
    };
  }

  #nextId(prefix: string): string {
    this.#counter++;
    return `${prefix}${String(this.#counter).padStart(8, "0")}`;
  }

  #nextTs(): string {
    this.#counter++;
    return `${1_767_225_600 + this.#counter}.${String(this.#counter).padStart(6, "0")}`;
  }
}

const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** One unfragmented, unmasked server-to-client WebSocket frame (RFC 6455). */
function webSocketFrame(opcode: number, payload: Buffer): Buffer {
  let header: Buffer;
  if (payload.length < 126) {
    header = Buffer.from([0x80 | opcode, payload.length]);
  } else if (payload.length < 65_536) {
    header = Buffer.alloc(4);
    header.writeUInt8(0x80 | opcode, 0);
    header.writeUInt8(126, 1);
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header.writeUInt8(0x80 | opcode, 0);
    header.writeUInt8(127, 1);
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Reads one masked client frame from the front of `buffer`, or undefined if incomplete. */
function parseClientFrame(buffer: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (buffer.length < 2) return undefined;
  const opcode = buffer.readUInt8(0) & 0x0f;
  const masked = (buffer.readUInt8(1) & 0x80) !== 0;
  let length = buffer.readUInt8(1) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskKey = masked ? buffer.subarray(offset, offset + 4) : undefined;
  if (masked) offset += 4;
  if (buffer.length < offset + length) return undefined;
  const payload = Buffer.from(buffer.subarray(offset, offset + length));
  if (maskKey) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ maskKey[i % 4]!;
  return { opcode, payload, length: offset + length };
}

function messageJson(message: DoubleMessage): Record<string, unknown> {
  return {
    type: "message",
    ts: message.ts,
    text: message.text,
    ...(message.user ? { user: message.user } : {}),
    ...(message.botId ? { bot_id: message.botId } : {}),
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
  };
}

/** Rejects what Slack would reject as `invalid_blocks`. */
function validateBlocks(blocks: unknown[]): void {
  if (blocks.length > LIMITS.blocks) throw new SlackApiFailure("invalid_blocks");
  const actionIds = new Set<string>();
  for (const raw of blocks) {
    const block = raw as {
      type?: string;
      text?: { text?: string };
      fields?: Array<{ text?: string }>;
      elements?: Array<{ action_id?: string; value?: string }>;
    };
    if (block.type === "section") {
      if ((block.text?.text?.length ?? 0) > LIMITS.sectionText) throw new SlackApiFailure("invalid_blocks");
      if ((block.fields?.length ?? 0) > LIMITS.fields) throw new SlackApiFailure("invalid_blocks");
      if (block.fields?.some((f) => (f.text?.length ?? 0) > LIMITS.field))
        throw new SlackApiFailure("invalid_blocks");
      if (!block.text?.text && !block.fields?.length) throw new SlackApiFailure("invalid_blocks");
    }
    if (block.type === "header" && (block.text?.text?.length ?? 0) > LIMITS.headerText) {
      throw new SlackApiFailure("invalid_blocks");
    }
    if (block.type === "actions") {
      for (const element of block.elements ?? []) {
        if ((element.value?.length ?? 0) > LIMITS.buttonValue) throw new SlackApiFailure("invalid_blocks");
        if (element.action_id) {
          if (actionIds.has(element.action_id)) throw new SlackApiFailure("invalid_blocks");
          actionIds.add(element.action_id);
        }
      }
    }
  }
}

function parseParams(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes("application/json"))
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    params[key] = JSON_PARAMS.has(key) ? JSON.parse(value) : value;
  }
  return params;
}

/** Slack reads form booleans as "true"/"1". */
function flag(value: unknown): boolean {
  return value === true || value === "true" || value === "1" || value === 1;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

// ---- requests from Slack to the app ----------------------------------------------------------

/** Slack's request signature: `v0=` + HMAC-SHA256 of `v0:<timestamp>:<body>` with the secret. */
export function slackSignature(signingSecret: string, timestampSeconds: number, body: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestampSeconds}:${body}`).digest("hex")}`;
}

export interface DeliveryOptions {
  /** Sent as `X-Slack-Retry-Num` (with `X-Slack-Retry-Reason: http_timeout`). */
  retryNum?: number;
  /** Request timestamp in seconds; default now. */
  timestampSeconds?: number;
  /** Change the body after signing (a forged or corrupted request). */
  tamper?: boolean;
}

export interface Delivery {
  status: number;
  body: string;
  /** From sending the request to the end of the app's answer: the ack latency. */
  elapsedMs: number;
}

export interface SlackActor {
  id: string;
  name: string;
}

export interface SlackConversation {
  id: string;
  name: string;
}

/** A fresh id in Slack's trigger_id shape. */
export function newTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString("hex")}`;
}

export function newEventId(): string {
  return `Ev${randomBytes(5).toString("hex").toUpperCase()}`;
}

export interface SlashCommandSpec {
  command: string;
  text: string;
  user: SlackActor;
  channel: SlackConversation;
  triggerId?: string;
}

/** The fields of a slash command as Slack sends them (form-encoded over HTTP, JSON over a socket). */
export function slashCommandFields(
  slack: SlackWebApiDouble,
  command: SlashCommandSpec,
): Record<string, string> & { trigger_id: string; response_url: string } {
  return {
    token: "deprecated-verification-token",
    team_id: slack.teamId,
    team_domain: "tocsin-test",
    channel_id: command.channel.id,
    channel_name: command.channel.name,
    user_id: command.user.id,
    user_name: command.user.name,
    command: command.command,
    text: command.text,
    api_app_id: "A0TOCSIN",
    is_enterprise_install: "false",
    response_url: slack.responseUrl(),
    trigger_id: command.triggerId ?? newTriggerId(),
  };
}

/** The Events API envelope around one event. */
export function eventCallback(
  slack: SlackWebApiDouble,
  event: Record<string, unknown>,
  eventId: string,
): Record<string, unknown> {
  return {
    token: "deprecated-verification-token",
    team_id: slack.teamId,
    api_app_id: "A0TOCSIN",
    event,
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { team_id: slack.teamId, user_id: slack.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  };
}

/** Sends what Slack sends to an app's request URL, signed like Slack. */
export class SlackRequestSender {
  readonly #url: string;
  readonly #signingSecret: string;
  readonly #slack: SlackWebApiDouble;

  /** `url` is the app's request URL (`http://127.0.0.1:<port>/slack/events`). */
  constructor(url: string, signingSecret: string, slack: SlackWebApiDouble) {
    this.#url = url;
    this.#signingSecret = signingSecret;
    this.#slack = slack;
  }

  /** A slash command form post; returns the delivery and the trigger id Slack would have made. */
  async slashCommand(
    command: SlashCommandSpec,
    options: DeliveryOptions = {},
  ): Promise<Delivery & { triggerId: string; responseUrl: string }> {
    const fields = slashCommandFields(this.#slack, command);
    const form = new URLSearchParams(fields);
    const delivery = await this.send(form.toString(), "application/x-www-form-urlencoded", options);
    return { ...delivery, triggerId: fields.trigger_id, responseUrl: fields.response_url };
  }

  /**
   * A click on the button labelled `label` in a message the double holds; with `forgedValue`,
   * that button carrying another value than the one tocsin drew (what a forged request sends).
   */
  async clickButton(
    click: {
      user: SlackActor;
      channel: SlackConversation;
      message: DoubleMessage;
      label: string;
      forgedValue?: string;
    },
    options: DeliveryOptions = {},
  ): Promise<Delivery & { responseUrl: string }> {
    const drawn = findButton(click.message, click.label);
    const button = click.forgedValue === undefined ? drawn : { ...drawn, value: click.forgedValue };
    const responseUrl = this.#slack.responseUrl();
    const actionTs = `${(Date.now() / 1000).toFixed(6)}`;
    const payload = {
      type: "block_actions",
      user: {
        id: click.user.id,
        username: click.user.name,
        name: click.user.name,
        team_id: this.#slack.teamId,
      },
      api_app_id: "A0TOCSIN",
      token: "deprecated-verification-token",
      container: {
        type: "message",
        message_ts: click.message.ts,
        channel_id: click.channel.id,
        is_ephemeral: false,
      },
      trigger_id: newTriggerId(),
      team: { id: this.#slack.teamId, domain: "tocsin-test" },
      channel: { id: click.channel.id, name: click.channel.name },
      message: {
        type: "message",
        ts: click.message.ts,
        text: click.message.text,
        blocks: click.message.blocks,
      },
      response_url: responseUrl,
      actions: [{ ...button, block_id: button.block_id ?? "actions", action_ts: actionTs }],
    };
    const delivery = await this.interactivity(payload, options);
    return { ...delivery, responseUrl };
  }

  /**
   * Submits a modal the double opened, with `values` by block id (text inputs take the text,
   * selects the option value).
   */
  async submitView(
    submission: { user: SlackActor; view: DoubleView; values: Record<string, string> },
    options: DeliveryOptions = {},
  ): Promise<Delivery> {
    const view = submission.view.view;
    const state: Record<string, Record<string, unknown>> = {};
    for (const raw of (view.blocks as unknown[]) ?? []) {
      const block = raw as {
        type?: string;
        block_id?: string;
        element?: { type: string; action_id: string };
      };
      if (block.type !== "input" || !block.block_id || !block.element) continue;
      const value = submission.values[block.block_id];
      const element = block.element;
      state[block.block_id] = {
        [element.action_id]: element.type.endsWith("_select")
          ? {
              type: element.type,
              selected_option:
                value === undefined ? null : { text: { type: "plain_text", text: value }, value },
            }
          : { type: element.type, value: value ?? null },
      };
    }
    const payload = {
      type: "view_submission",
      team: { id: this.#slack.teamId, domain: "tocsin-test" },
      user: { id: submission.user.id, username: submission.user.name, name: submission.user.name },
      api_app_id: "A0TOCSIN",
      token: "deprecated-verification-token",
      trigger_id: newTriggerId(),
      view: { ...view, team_id: this.#slack.teamId, app_id: "A0TOCSIN", state: { values: state } },
      response_urls: [],
    };
    return this.interactivity(payload, options);
  }

  /** The "Add to timeline" message shortcut on a message the double holds. */
  async messageShortcut(
    shortcut: { callbackId: string; user: SlackActor; channel: SlackConversation; message: DoubleMessage },
    options: DeliveryOptions = {},
  ): Promise<Delivery & { responseUrl: string }> {
    const responseUrl = this.#slack.responseUrl();
    const payload = {
      type: "message_action",
      callback_id: shortcut.callbackId,
      trigger_id: newTriggerId(),
      message_ts: shortcut.message.ts,
      response_url: responseUrl,
      message: messageJson(shortcut.message),
      user: { id: shortcut.user.id, name: shortcut.user.name, team_id: this.#slack.teamId },
      channel: { id: shortcut.channel.id, name: shortcut.channel.name },
      team: { id: this.#slack.teamId, domain: "tocsin-test" },
      token: "deprecated-verification-token",
      action_ts: `${(Date.now() / 1000).toFixed(6)}`,
    };
    const delivery = await this.interactivity(payload, options);
    return { ...delivery, responseUrl };
  }

  /** An interactivity payload, form-encoded as `payload=<json>` like Slack sends it. */
  interactivity(payload: object, options: DeliveryOptions = {}): Promise<Delivery> {
    const form = new URLSearchParams({ payload: JSON.stringify(payload) });
    return this.send(form.toString(), "application/x-www-form-urlencoded", options);
  }

  /** An Events API callback around `event`; give the same `eventId` to redeliver it. */
  async event(
    event: Record<string, unknown>,
    options: DeliveryOptions & { eventId?: string } = {},
  ): Promise<Delivery & { eventId: string }> {
    const eventId = options.eventId ?? newEventId();
    const envelope = eventCallback(this.#slack, event, eventId);
    const delivery = await this.send(JSON.stringify(envelope), "application/json", options);
    return { ...delivery, eventId };
  }

  /** Posts a body to the request URL with Slack's signature headers. */
  async send(body: string, contentType: string, options: DeliveryOptions = {}): Promise<Delivery> {
    const timestamp = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      "content-type": contentType,
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": slackSignature(this.#signingSecret, timestamp, body),
    };
    if (options.retryNum !== undefined) {
      headers["x-slack-retry-num"] = String(options.retryNum);
      headers["x-slack-retry-reason"] = "http_timeout";
    }
    const sent = options.tamper ? `${body}&tampered=1` : body;
    const started = performance.now();
    const response = await fetch(this.#url, { method: "POST", headers, body: sent });
    const text = await response.text();
    return { status: response.status, body: text, elapsedMs: performance.now() - started };
  }
}

function findButton(
  message: DoubleMessage,
  label: string,
): { type: string; action_id: string; block_id?: string; value?: string; text: unknown } {
  for (const raw of message.blocks ?? []) {
    const block = raw as { type?: string; block_id?: string; elements?: Array<Record<string, unknown>> };
    if (block.type !== "actions") continue;
    for (const element of block.elements ?? []) {
      const text = element.text as { text?: string } | undefined;
      if (element.type === "button" && text?.text === label) {
        return {
          type: "button",
          action_id: String(element.action_id),
          block_id: block.block_id,
          value: element.value as string | undefined,
          text: element.text,
        };
      }
    }
  }
  throw new Error(`no button labelled "${label}" in message ${message.ts}`);
}
