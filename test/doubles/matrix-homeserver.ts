// A local double of the Matrix client-server API (https://spec.matrix.org/v1.12/client-server-api/)
// on 127.0.0.1, speaking the real wire protocol for what matrix-js-sdk and tocsin's Matrix platform
// use: discovery (versions, whoami, pushrules, capabilities, filters), long-polling /sync with
// `since` tokens, rooms (createRoom with M_ROOM_IN_USE, invite, join, leave, state, members),
// sends idempotent on (access token, txnId), profiles, aliases, account data and /messages.
//
// Tests act as the other people directly (`sendMessage`, `invite`, `join`) instead of through HTTP,
// and read what the bot did (`messages`, `state`, `waitForEvent`). Failures are scriptable: the
// next N calls of an endpoint answer 429 M_LIMIT_EXCEEDED with retry_after_ms (or any error), or
// have their connection dropped; `setOffline` drops every connection until it is turned off.
//
// Deliberate simplifications: one server name for every user; no federation, no redactions, no
// room versions beyond the create event; power levels are checked for state events only; history
// is visible to every member (history_visibility "shared" is the only behaviour).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { until } from "../support/waiting.ts";

export interface RoomEvent {
  event_id: string;
  type: string;
  sender: string;
  room_id: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  state_key?: string;
  unsigned?: Record<string, unknown>;
}

export interface MatrixUser {
  userId: string;
  accessToken: string;
  deviceId: string;
}

export type Endpoint =
  | "versions"
  | "whoami"
  | "pushrules"
  | "capabilities"
  | "filter"
  | "sync"
  | "createRoom"
  | "invite"
  | "join"
  | "leave"
  | "send"
  | "state"
  | "profile"
  | "members"
  | "directory"
  | "account_data"
  | "messages"
  | "event"
  | "unknown";

export type ScriptedFailure =
  /** 429 M_LIMIT_EXCEEDED with `retry_after_ms` in the body (and no Retry-After header). */
  | { kind: "rate-limit"; retryAfterMs: number }
  /** The connection is destroyed without an answer (the client sees a network error). */
  | { kind: "drop" }
  /** The request is carried out, then the connection is destroyed: the answer is lost. */
  | { kind: "drop-answer" }
  | { kind: "error"; status: number; errcode: string; error?: string };

export interface LoggedRequest {
  method: string;
  path: string;
  /** Query parameters (`since`, `timeout`...), access tokens left out. */
  query: Record<string, string>;
  endpoint: Endpoint;
  userId?: string;
  status: number;
  /** The parsed JSON body of the request, when it had one. */
  body?: unknown;
}

interface StoredEvent {
  stream: number;
  event: RoomEvent;
  /** Set when sent through the API with a transaction id: echoed to the sender's own syncs. */
  transaction?: { accessToken: string; txnId: string };
}

interface Room {
  roomId: string;
  events: StoredEvent[];
  /** `${type}\u0000${stateKey}` -> the current state event. */
  state: Map<string, StoredEvent>;
}

interface User extends MatrixUser {
  displayName?: string;
  filters: Map<string, unknown>;
  accountData: Map<string, { stream: number; content: unknown }>;
}

interface PendingFailure {
  endpoint: Endpoint;
  remaining: number;
  failure: ScriptedFailure;
  matches?: (request: { method: string; path: string; body: unknown }) => boolean;
}

export interface CreateRoomOptions {
  name?: string;
  topic?: string;
  /** Local part of the alias: `inc-2026-0001` makes `#inc-2026-0001:<server>`. */
  aliasLocalpart?: string;
  preset?: "private_chat" | "trusted_private_chat" | "public_chat";
  invite?: string[];
  isDirect?: boolean;
  initialState?: Array<{ type: string; state_key?: string; content: Record<string, unknown> }>;
  powerLevelOverride?: Record<string, unknown>;
}

export class MatrixError extends Error {
  readonly status: number;
  readonly errcode: string;
  readonly extra: Record<string, unknown>;

  constructor(status: number, errcode: string, error: string, extra: Record<string, unknown> = {}) {
    super(error);
    this.status = status;
    this.errcode = errcode;
    this.extra = extra;
  }
}

const CLIENT_PREFIX = "/_matrix/client/";
const DEFAULT_TIMELINE_LIMIT = 10;
const MAX_SYNC_TIMEOUT_MS = 30_000;

export class MatrixHomeserverDouble {
  readonly serverName: string;
  readonly requests: LoggedRequest[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #users = new Map<string, User>();
  readonly #usersByToken = new Map<string, User>();
  /** Uploaded media by mxc:// URI (signed bulletins and reports travel as files). */
  readonly media = new Map<
    string,
    { content: string; filename?: string; contentType?: string; uploader: string }
  >();
  readonly #rooms = new Map<string, Room>();
  readonly #aliases = new Map<string, string>();
  readonly #failures: PendingFailure[] = [];
  /** Woken on every new event or account data change: long-polling syncs and test waits. */
  readonly #listeners = new Set<() => void>();
  /** Stripped invite state as a malicious (federated) server would forge it, by room. */
  readonly #forgedInviteState = new Map<string, (events: StrippedEvent[]) => StrippedEvent[]>();
  #stream = 0;
  #lastTimestamp = 0;
  #offline = false;
  #closed = false;
  #port = 0;

  private constructor(serverName: string) {
    this.serverName = serverName;
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
  }

  static async start(options: { serverName?: string } = {}): Promise<MatrixHomeserverDouble> {
    const double = new MatrixHomeserverDouble(options.serverName ?? "example.org");
    await new Promise<void>((resolve) => double.#server.listen(0, "127.0.0.1", resolve));
    double.#port = (double.#server.address() as AddressInfo).port;
    return double;
  }

  /** Base URL to give matrix-js-sdk (`baseUrl`). */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#notify();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- scripting -------------------------------------------------------------------------

  /** The next `count` calls of `endpoint` (that `matches`, if given) fail as described. */
  failNext(
    endpoint: Endpoint,
    count: number,
    failure: ScriptedFailure,
    matches?: PendingFailure["matches"],
  ): void {
    this.#failures.push({ endpoint, remaining: count, failure, matches });
  }

  /** While offline every connection, open or new, is dropped without an answer. */
  setOffline(offline: boolean): void {
    this.#offline = offline;
    if (offline) for (const socket of this.#sockets) socket.destroy();
  }

  /** How many requests reached an endpoint (optionally only with a given status). */
  callCount(endpoint: Endpoint, status?: number): number {
    return this.requests.filter(
      (r) => r.endpoint === endpoint && (status === undefined || r.status === status),
    ).length;
  }

  // ---- people and rooms, as tests set them up ------------------------------------------

  /** A user with an access token. `name` is a localpart (`alice`) or a full id (`@x:other.org`). */
  addUser(name: string, displayName?: string): MatrixUser {
    const userId = name.startsWith("@") ? name : `@${name}:${this.serverName}`;
    const existing = this.#users.get(userId);
    if (existing) return existing;
    const user: User = {
      userId,
      accessToken: `syt_${randomToken(18)}`,
      deviceId: randomToken(8).toUpperCase(),
      displayName,
      filters: new Map(),
      accountData: new Map(),
    };
    this.#users.set(userId, user);
    this.#usersByToken.set(user.accessToken, user);
    return user;
  }

  createRoom(creator: string, options: CreateRoomOptions = {}): string {
    return this.#createRoom(this.#requireUser(creator), options);
  }

  invite(inviter: string, roomId: string, invitee: string): void {
    this.#invite(this.#requireUser(inviter), this.#requireRoom(roomId), invitee);
  }

  /**
   * Invites in `roomId` reach clients with their stripped state passed through `forge`: stripped
   * state is not signed, and a server relaying an invite can put anything in it.
   */
  forgeInviteState(roomId: string, forge: (events: StrippedEvent[]) => StrippedEvent[]): void {
    this.#forgedInviteState.set(roomId, forge);
  }

  join(userId: string, roomIdOrAlias: string): string {
    return this.#join(this.#requireUser(userId), roomIdOrAlias);
  }

  leave(userId: string, roomId: string): void {
    this.#setMembership(this.#requireRoom(roomId), userId, userId, "leave");
  }

  /**
   * A person typing a message. With `formattedBody` it is sent as `org.matrix.custom.html`
   * (how Element sends pills: `<a href="https://matrix.to/#/@bob:example.org">Bob</a>`).
   */
  sendMessage(
    sender: string,
    roomId: string,
    body: string,
    options: { formattedBody?: string; msgtype?: string; extra?: Record<string, unknown> } = {},
  ): string {
    const content: Record<string, unknown> = { msgtype: options.msgtype ?? "m.text", body };
    if (options.formattedBody !== undefined) {
      content.format = "org.matrix.custom.html";
      content.formatted_body = options.formattedBody;
    }
    Object.assign(content, options.extra);
    return this.sendEvent(sender, roomId, "m.room.message", content);
  }

  sendEvent(sender: string, roomId: string, type: string, content: Record<string, unknown>): string {
    const room = this.#requireRoom(roomId);
    this.#requireJoined(room, sender);
    return this.#append(room, { type, sender, content }).event.event_id;
  }

  sendState(
    sender: string,
    roomId: string,
    type: string,
    content: Record<string, unknown>,
    stateKey = "",
  ): string {
    const room = this.#requireRoom(roomId);
    this.#requireJoined(room, sender);
    return this.#append(room, { type, sender, content, state_key: stateKey }).event.event_id;
  }

  // ---- reading what happened -------------------------------------------------------------

  /** Every event of a room's timeline, oldest first. */
  events(roomId: string): RoomEvent[] {
    return this.#requireRoom(roomId).events.map((stored) => stored.event);
  }

  /** `m.room.message` events of a room, optionally only those of one sender. */
  messages(roomId: string, sender?: string): RoomEvent[] {
    return this.events(roomId).filter(
      (event) => event.type === "m.room.message" && (sender === undefined || event.sender === sender),
    );
  }

  /** Every event, in every room, sent by `sender` after stream position `since`. */
  eventsSince(since: number, sender?: string): RoomEvent[] {
    const found: StoredEvent[] = [];
    for (const room of this.#rooms.values()) {
      for (const stored of room.events) {
        if (stored.stream > since && (sender === undefined || stored.event.sender === sender))
          found.push(stored);
      }
    }
    return found.sort((a, b) => a.stream - b.stream).map((stored) => stored.event);
  }

  /** The current stream position: pass it to `eventsSince` to see what comes after now. */
  get position(): number {
    return this.#stream;
  }

  /** The stream position of an event (a sync token `s<N>` with N below it comes before it). */
  streamOf(eventId: string): number | undefined {
    for (const room of this.#rooms.values()) {
      const found = room.events.find((stored) => stored.event.event_id === eventId);
      if (found) return found.stream;
    }
    return undefined;
  }

  event(eventId: string): RoomEvent | undefined {
    for (const room of this.#rooms.values()) {
      const found = room.events.find((stored) => stored.event.event_id === eventId);
      if (found) return found.event;
    }
    return undefined;
  }

  /** Content of a current state event, e.g. `state(roomId, "m.room.topic")?.topic`. */
  state(roomId: string, type: string, stateKey = ""): Record<string, unknown> | undefined {
    return this.#requireRoom(roomId).state.get(stateKeyOf(type, stateKey))?.event.content;
  }

  membership(roomId: string, userId: string): string | undefined {
    return this.state(roomId, "m.room.member", userId)?.membership as string | undefined;
  }

  /** Users whose membership is `membership` (default join). */
  members(roomId: string, membership = "join"): string[] {
    return [...this.#requireRoom(roomId).state.values()]
      .filter((s) => s.event.type === "m.room.member" && s.event.content.membership === membership)
      .map((s) => s.event.state_key ?? "");
  }

  roomIdForAlias(alias: string): string | undefined {
    return this.#aliases.get(alias);
  }

  roomIds(): string[] {
    return [...this.#rooms.keys()];
  }

  /** Rooms a user is in (or invited to, with `membership: "invite"`). */
  roomsOf(userId: string, membership = "join"): string[] {
    return [...this.#rooms.values()]
      .filter(
        (room) =>
          room.state.get(stateKeyOf("m.room.member", userId))?.event.content.membership === membership,
      )
      .map((room) => room.roomId);
  }

  accountData(userId: string, type: string): unknown {
    return this.#users.get(userId)?.accountData.get(type)?.content;
  }

  /**
   * Resolves with the first event (already there or still to come) that matches; rejects after
   * `timeoutMs`.
   */
  waitForEvent(matches: (event: RoomEvent) => boolean, timeoutMs = 5000): Promise<RoomEvent> {
    return this.waitFor(() => {
      for (const room of this.#rooms.values()) {
        const found = room.events.find((stored) => matches(stored.event));
        if (found) return found.event;
      }
      return undefined;
    }, timeoutMs);
  }

  /** Resolves with the first defined value of `probe`, re-evaluated after every change. */
  waitFor<T>(probe: () => T | undefined, timeoutMs = 5000, what = "condition"): Promise<T> {
    return until(probe, `the Matrix homeserver double: ${what}`, {
      timeoutMs,
      wakeOn: (wake) => {
        this.#listeners.add(wake);
        return () => this.#listeners.delete(wake);
      },
    });
  }

  // ---- the room model ----------------------------------------------------------------------

  #createRoom(creator: User, options: CreateRoomOptions): string {
    let alias: string | undefined;
    if (options.aliasLocalpart !== undefined) {
      if (!/^[a-z0-9._=\-/]+$/.test(options.aliasLocalpart)) {
        throw new MatrixError(400, "M_INVALID_PARAM", "Invalid characters in room alias");
      }
      alias = `#${options.aliasLocalpart}:${this.serverName}`;
      if (this.#aliases.has(alias)) throw new MatrixError(400, "M_ROOM_IN_USE", "Room alias already taken");
    }
    const roomId = `!${randomToken(18)}:${this.serverName}`;
    const room: Room = { roomId, events: [], state: new Map() };
    this.#rooms.set(roomId, room);
    const preset = options.preset ?? "private_chat";
    const creatorId = creator.userId;
    const state = (type: string, content: Record<string, unknown>, stateKey = "") =>
      this.#append(room, { type, sender: creatorId, content, state_key: stateKey });

    state("m.room.create", { creator: creatorId, room_version: "10" });
    state("m.room.member", memberContent("join", creator.displayName), creatorId);
    const users: Record<string, number> = { [creatorId]: 100 };
    if (preset === "trusted_private_chat") for (const id of options.invite ?? []) users[id] = 100;
    state("m.room.power_levels", {
      users,
      users_default: 0,
      events: {
        "m.room.name": 50,
        "m.room.power_levels": 100,
        "m.room.history_visibility": 100,
        "m.room.canonical_alias": 50,
        "m.room.avatar": 50,
        "m.room.tombstone": 100,
        "m.room.server_acl": 100,
        "m.room.encryption": 100,
      },
      events_default: 0,
      state_default: 50,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: 0,
      notifications: { room: 50 },
      ...options.powerLevelOverride,
    });
    if (alias) {
      this.#aliases.set(alias, roomId);
      state("m.room.canonical_alias", { alias });
    }
    state("m.room.join_rules", { join_rule: preset === "public_chat" ? "public" : "invite" });
    state("m.room.history_visibility", { history_visibility: "shared" });
    if (preset !== "public_chat") state("m.room.guest_access", { guest_access: "forbidden" });
    for (const initial of options.initialState ?? []) state(initial.type, initial.content, initial.state_key);
    if (options.name !== undefined) state("m.room.name", { name: options.name });
    if (options.topic !== undefined) state("m.room.topic", { topic: options.topic });
    for (const invitee of options.invite ?? []) this.#invite(creator, room, invitee, options.isDirect);
    return roomId;
  }

  #invite(inviter: User, room: Room, invitee: string, isDirect?: boolean): void {
    this.#requireJoined(room, inviter.userId);
    if (!/^@[^:]+:.+$/.test(invitee)) throw new MatrixError(400, "M_INVALID_PARAM", "Bad user id");
    const current = this.#membershipOf(room, invitee);
    if (current === "join" || current === "invite") {
      throw new MatrixError(403, "M_FORBIDDEN", `${invitee} is already in the room.`);
    }
    if (current === "ban") throw new MatrixError(403, "M_FORBIDDEN", `${invitee} is banned from the room`);
    const content = memberContent("invite", this.#users.get(invitee)?.displayName);
    if (isDirect) content.is_direct = true;
    this.#append(room, { type: "m.room.member", sender: inviter.userId, content, state_key: invitee });
  }

  #join(user: User, roomIdOrAlias: string): string {
    const roomId = roomIdOrAlias.startsWith("#") ? this.#aliases.get(roomIdOrAlias) : roomIdOrAlias;
    const room = roomId ? this.#rooms.get(roomId) : undefined;
    if (!room) throw new MatrixError(404, "M_NOT_FOUND", "No known servers");
    const current = this.#membershipOf(room, user.userId);
    if (current === "join") return room.roomId;
    const joinRule = room.state.get(stateKeyOf("m.room.join_rules", ""))?.event.content.join_rule;
    if (current !== "invite" && joinRule !== "public") {
      throw new MatrixError(403, "M_FORBIDDEN", "You are not invited to this room.");
    }
    this.#setMembership(room, user.userId, user.userId, "join");
    return room.roomId;
  }

  #setMembership(room: Room, sender: string, target: string, membership: string): void {
    const content = memberContent(membership, this.#users.get(target)?.displayName);
    this.#append(room, { type: "m.room.member", sender, content, state_key: target });
  }

  #membershipOf(room: Room, userId: string): string | undefined {
    return room.state.get(stateKeyOf("m.room.member", userId))?.event.content.membership as
      | string
      | undefined;
  }

  #requireJoined(room: Room, userId: string): void {
    if (this.#membershipOf(room, userId) !== "join") {
      throw new MatrixError(403, "M_FORBIDDEN", `User ${userId} not in room ${room.roomId}`);
    }
  }

  #requireRoom(roomId: string): Room {
    const room = this.#rooms.get(roomId);
    if (!room) throw new MatrixError(404, "M_NOT_FOUND", `Unknown room ${roomId}`);
    return room;
  }

  #requireUser(userId: string): User {
    const user = this.#users.get(userId);
    if (!user) throw new Error(`the double has no user ${userId}: addUser() first`);
    return user;
  }

  #append(
    room: Room,
    event: Pick<RoomEvent, "type" | "sender" | "content" | "state_key">,
    transaction?: StoredEvent["transaction"],
  ): StoredEvent {
    // Strictly increasing timestamps keep "before/after" questions unambiguous in tests.
    this.#lastTimestamp = Math.max(Date.now(), this.#lastTimestamp + 1);
    const full: RoomEvent = {
      event_id: `$${randomToken(24)}`,
      room_id: room.roomId,
      origin_server_ts: this.#lastTimestamp,
      ...event,
    };
    if (event.state_key !== undefined) {
      const previous = room.state.get(stateKeyOf(event.type, event.state_key));
      if (previous) {
        full.unsigned = { prev_content: previous.event.content, replaces_state: previous.event.event_id };
      }
    }
    const stored: StoredEvent = { stream: ++this.#stream, event: full, transaction };
    room.events.push(stored);
    if (event.state_key !== undefined) room.state.set(stateKeyOf(event.type, event.state_key), stored);
    this.#notify();
    return stored;
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const route = routeOf(method, url.pathname);
    const query = Object.fromEntries([...url.searchParams].filter(([key]) => key !== "access_token"));
    const logged: LoggedRequest = { method, path: url.pathname, query, endpoint: route.endpoint, status: 0 };
    this.requests.push(logged);
    if (this.#offline || this.#closed) {
      req.socket.destroy();
      return;
    }
    if (method === "POST" && url.pathname === "/_matrix/media/v3/upload") {
      // The media repository takes raw bytes, not JSON.
      try {
        const user = this.#authenticate(req, url);
        const content = await readBody(req);
        const mediaId = `m${++this.#stream}`;
        const uri = `mxc://${this.serverName}/${mediaId}`;
        this.media.set(uri, {
          content,
          filename: url.searchParams.get("filename") ?? undefined,
          contentType: req.headers["content-type"],
          uploader: user.userId,
        });
        return this.#send(res, logged, 200, { content_uri: uri });
      } catch (error) {
        if (error instanceof MatrixError) {
          return this.#send(res, logged, error.status, { errcode: error.errcode, error: error.message });
        }
        throw error;
      }
    }
    let body: unknown;
    try {
      const raw = await readBody(req);
      if (raw.length > 0) body = JSON.parse(raw);
    } catch {
      return this.#send(res, logged, 400, { errcode: "M_NOT_JSON", error: "Content not JSON." });
    }
    logged.body = body;

    const failure = this.#takeFailure(route.endpoint, { method, path: url.pathname, body });
    if (failure?.kind === "drop") {
      logged.status = -1;
      req.socket.destroy();
      return;
    }
    if (failure?.kind === "rate-limit") {
      return this.#send(res, logged, 429, {
        errcode: "M_LIMIT_EXCEEDED",
        error: "Too Many Requests",
        retry_after_ms: failure.retryAfterMs,
      });
    }
    if (failure?.kind === "error") {
      return this.#send(res, logged, failure.status, {
        errcode: failure.errcode,
        error: failure.error ?? failure.errcode,
      });
    }

    try {
      if (route.endpoint === "versions") {
        return this.#send(res, logged, 200, {
          versions: [
            "v1.1",
            "v1.2",
            "v1.3",
            "v1.4",
            "v1.5",
            "v1.6",
            "v1.7",
            "v1.8",
            "v1.9",
            "v1.10",
            "v1.11",
            "v1.12",
          ],
          unstable_features: {},
        });
      }
      if (route.endpoint === "unknown") {
        return this.#send(res, logged, 404, { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" });
      }
      const user = this.#authenticate(req, url);
      logged.userId = user.userId;
      const answer = await this.#route(route, user, url, body, res);
      if (failure?.kind === "drop-answer") {
        logged.status = -1;
        req.socket.destroy();
        return;
      }
      return this.#send(res, logged, 200, answer);
    } catch (error) {
      if (error instanceof MatrixError) {
        return this.#send(res, logged, error.status, {
          errcode: error.errcode,
          error: error.message,
          ...error.extra,
        });
      }
      if (error instanceof ClientGone) return;
      return this.#send(res, logged, 500, { errcode: "M_UNKNOWN", error: String(error) });
    }
  }

  #takeFailure(endpoint: Endpoint, request: { method: string; path: string; body: unknown }) {
    const pending = this.#failures.find(
      (f) => f.endpoint === endpoint && f.remaining > 0 && (f.matches?.(request) ?? true),
    );
    if (!pending) return undefined;
    pending.remaining--;
    if (pending.remaining === 0) this.#failures.splice(this.#failures.indexOf(pending), 1);
    return pending.failure;
  }

  #send(res: ServerResponse, logged: LoggedRequest, status: number, body: unknown): void {
    logged.status = status;
    if (res.destroyed) return;
    const json = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
    res.end(json);
  }

  #authenticate(req: IncomingMessage, url: URL): User {
    const header = req.headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice(7) : url.searchParams.get("access_token");
    if (!token) throw new MatrixError(401, "M_MISSING_TOKEN", "Missing access token");
    const user = this.#usersByToken.get(token);
    if (!user) throw new MatrixError(401, "M_UNKNOWN_TOKEN", "Unknown access token");
    return user;
  }

  async #route(route: Route, user: User, url: URL, body: unknown, res: ServerResponse): Promise<unknown> {
    const p = route.params;
    const json = (body ?? {}) as Record<string, unknown>;
    switch (route.endpoint) {
      case "whoami":
        return { user_id: user.userId, device_id: user.deviceId, is_guest: false };
      case "pushrules":
        return { global: DEFAULT_PUSH_RULES };
      case "capabilities":
        return {
          capabilities: {
            "m.change_password": { enabled: false },
            "m.room_versions": { default: "10", available: { "10": "stable", "11": "stable" } },
          },
        };
      case "filter": {
        if (p.userId !== user.userId)
          throw new MatrixError(403, "M_FORBIDDEN", "Cannot use another user's filters");
        if (route.method === "POST") {
          const filterId = String(user.filters.size + 1);
          user.filters.set(filterId, body);
          return { filter_id: filterId };
        }
        const filter = user.filters.get(p.filterId ?? "");
        if (!filter) throw new MatrixError(404, "M_NOT_FOUND", "No such filter");
        return filter;
      }
      case "account_data": {
        if (p.userId !== user.userId) throw new MatrixError(403, "M_FORBIDDEN", "Not your account data");
        const type = p.type ?? "";
        if (route.method === "PUT") {
          user.accountData.set(type, { stream: ++this.#stream, content: body });
          this.#notify();
          return {};
        }
        const found = user.accountData.get(type);
        if (!found) throw new MatrixError(404, "M_NOT_FOUND", "Account data not found");
        return found.content;
      }
      case "sync":
        return this.#sync(user, url, res);
      case "createRoom": {
        const preset = (json.preset as CreateRoomOptions["preset"]) ?? "private_chat";
        const roomId = this.#createRoom(user, {
          name: json.name as string | undefined,
          topic: json.topic as string | undefined,
          aliasLocalpart: json.room_alias_name as string | undefined,
          preset,
          invite: (json.invite as string[] | undefined) ?? [],
          isDirect: json.is_direct === true,
          initialState: json.initial_state as CreateRoomOptions["initialState"],
          powerLevelOverride: json.power_level_content_override as Record<string, unknown> | undefined,
        });
        return { room_id: roomId };
      }
      case "invite": {
        this.#invite(user, this.#requireRoom(p.roomId ?? ""), String(json.user_id ?? ""));
        return {};
      }
      case "join":
        return { room_id: this.#join(user, p.roomId ?? "") };
      case "leave": {
        const room = this.#requireRoom(p.roomId ?? "");
        if (this.#membershipOf(room, user.userId) !== "leave") {
          this.#setMembership(room, user.userId, user.userId, "leave");
        }
        return {};
      }
      case "send": {
        const room = this.#requireRoom(p.roomId ?? "");
        const txnId = p.txnId ?? "";
        const earlier = room.events.find(
          (s) => s.transaction?.accessToken === user.accessToken && s.transaction.txnId === txnId,
        );
        if (earlier) return { event_id: earlier.event.event_id };
        this.#requireJoined(room, user.userId);
        const stored = this.#append(
          room,
          { type: p.type ?? "", sender: user.userId, content: json },
          { accessToken: user.accessToken, txnId },
        );
        return { event_id: stored.event.event_id };
      }
      case "state": {
        const room = this.#requireRoom(p.roomId ?? "");
        if (p.type === undefined) {
          this.#requireMemberOrFormer(room, user.userId);
          return [...room.state.values()].map((s) => this.#forClient(s, user));
        }
        const key = stateKeyOf(p.type, p.stateKey ?? "");
        if (route.method === "GET") {
          this.#requireMemberOrFormer(room, user.userId);
          const found = room.state.get(key);
          if (!found) throw new MatrixError(404, "M_NOT_FOUND", "Event not found.");
          return found.event.content;
        }
        this.#requireJoined(room, user.userId);
        this.#requirePower(room, user.userId, p.type);
        const stored = this.#append(room, {
          type: p.type,
          sender: user.userId,
          content: json,
          state_key: p.stateKey ?? "",
        });
        return { event_id: stored.event.event_id };
      }
      case "profile": {
        const target = this.#users.get(p.userId ?? "");
        if (!target) throw new MatrixError(404, "M_NOT_FOUND", "Profile was not found");
        const profile: Record<string, unknown> = {};
        if (target.displayName !== undefined) profile.displayname = target.displayName;
        if (p.field) {
          if (!(p.field in profile)) throw new MatrixError(404, "M_NOT_FOUND", "Profile field not found");
          return { [p.field]: profile[p.field] };
        }
        return profile;
      }
      case "members": {
        const room = this.#requireRoom(p.roomId ?? "");
        this.#requireMemberOrFormer(room, user.userId);
        const members = [...room.state.values()].filter((s) => s.event.type === "m.room.member");
        if (route.path.endsWith("/joined_members")) {
          const joined: Record<string, { display_name?: string }> = {};
          for (const m of members) {
            if (m.event.content.membership !== "join") continue;
            joined[m.event.state_key ?? ""] = {
              display_name: m.event.content.displayname as string | undefined,
            };
          }
          return { joined };
        }
        return { chunk: members.map((m) => this.#forClient(m, user)) };
      }
      case "directory": {
        const roomId = this.#aliases.get(p.alias ?? "");
        if (!roomId) throw new MatrixError(404, "M_NOT_FOUND", `Room alias ${p.alias} not found`);
        return { room_id: roomId, servers: [this.serverName] };
      }
      case "event": {
        const room = this.#requireRoom(p.roomId ?? "");
        this.#requireMemberOrFormer(room, user.userId);
        const found = room.events.find((s) => s.event.event_id === p.eventId);
        if (!found) throw new MatrixError(404, "M_NOT_FOUND", "Event not found.");
        return this.#forClient(found, user);
      }
      case "messages":
        return this.#messages(user, this.#requireRoom(p.roomId ?? ""), url);
      default:
        throw new MatrixError(404, "M_UNRECOGNIZED", "Unrecognized request");
    }
  }

  #requireMemberOrFormer(room: Room, userId: string): void {
    if (this.#membershipOf(room, userId) === undefined) {
      throw new MatrixError(403, "M_FORBIDDEN", `User ${userId} not in room ${room.roomId}`);
    }
  }

  #requirePower(room: Room, userId: string, type: string): void {
    const levels = room.state.get(stateKeyOf("m.room.power_levels", ""))?.event.content as
      | {
          users?: Record<string, number>;
          users_default?: number;
          events?: Record<string, number>;
          state_default?: number;
        }
      | undefined;
    if (!levels) return;
    const have = levels.users?.[userId] ?? levels.users_default ?? 0;
    const need = levels.events?.[type] ?? levels.state_default ?? 50;
    if (have < need) {
      throw new MatrixError(
        403,
        "M_FORBIDDEN",
        `You don't have permission to post that to the room (${type})`,
      );
    }
  }

  /** An event as `user` receives it: age, and the transaction id when they sent it themselves. */
  #forClient(stored: StoredEvent, user: User): RoomEvent {
    const event: RoomEvent = structuredClone(stored.event);
    event.unsigned = { ...event.unsigned, age: Math.max(0, Date.now() - event.origin_server_ts) };
    if (stored.transaction?.accessToken === user.accessToken)
      event.unsigned.transaction_id = stored.transaction.txnId;
    return event;
  }

  // ---- /sync --------------------------------------------------------------------------------

  async #sync(user: User, url: URL, res: ServerResponse): Promise<unknown> {
    const since = parseSince(url.searchParams.get("since"));
    const timeoutMs = Math.min(Number(url.searchParams.get("timeout") ?? 0) || 0, MAX_SYNC_TIMEOUT_MS);
    const limit = this.#timelineLimit(user, url.searchParams.get("filter"));
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    // The response closes early when the client gives up (aborted long poll, stopped client).
    res.once("close", () => {
      gone = true;
      this.#notify();
    });
    for (;;) {
      const position = this.#stream;
      const response = this.#syncResponse(user, since, position, limit);
      if (since === undefined || response.hasContent || Date.now() >= deadline) return response.body;
      await new Promise<void>((resolve) => {
        const wake = () => {
          if (this.#stream === position && !gone && !this.#closed && Date.now() < deadline) return;
          clearTimeout(timer);
          this.#listeners.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(0, deadline - Date.now()));
        this.#listeners.add(wake);
      });
      if (gone || this.#closed) throw new ClientGone();
    }
  }

  #timelineLimit(user: User, filterParam: string | null): number {
    let filter: unknown;
    if (filterParam?.startsWith("{")) {
      try {
        filter = JSON.parse(filterParam);
      } catch {
        throw new MatrixError(400, "M_BAD_JSON", "Bad filter");
      }
    } else if (filterParam) {
      filter = user.filters.get(filterParam);
    }
    const limit = (filter as { room?: { timeline?: { limit?: unknown } } } | undefined)?.room?.timeline
      ?.limit;
    return typeof limit === "number" && limit > 0 ? limit : DEFAULT_TIMELINE_LIMIT;
  }

  #syncResponse(
    user: User,
    since: number | undefined,
    position: number,
    limit: number,
  ): { hasContent: boolean; body: unknown } {
    const join: Record<string, unknown> = {};
    const invite: Record<string, unknown> = {};
    const leave: Record<string, unknown> = {};
    const after = since ?? -1;
    for (const room of this.#rooms.values()) {
      const member = room.state.get(stateKeyOf("m.room.member", user.userId));
      if (!member || member.stream > position) continue;
      const membership = member.event.content.membership;
      if (membership === "join") {
        const fresh = room.events.filter((s) => s.stream > after && s.stream <= position);
        if (fresh.length === 0) continue;
        // A room joined since the last sync is sent whole (recent history and full state), as if
        // it were an initial sync; a known room gets what is new.
        const newlyJoined = since === undefined || member.stream > after;
        const candidates = newlyJoined ? room.events.filter((s) => s.stream <= position) : fresh;
        const timeline = candidates.slice(-limit);
        const timelineStart = timeline[0]?.stream ?? position + 1;
        const inTimeline = new Set(timeline.map((s) => s.event.event_id));
        const state = [...room.state.values()].filter(
          (s) =>
            !inTimeline.has(s.event.event_id) &&
            s.stream < timelineStart &&
            (newlyJoined || s.stream > after),
        );
        join[room.roomId] = {
          state: { events: state.map((s) => this.#forClient(s, user)) },
          timeline: {
            events: timeline.map((s) => this.#forClient(s, user)),
            limited: candidates.length > timeline.length,
            prev_batch: `t${timelineStart}`,
          },
          ephemeral: { events: [] },
          account_data: { events: [] },
          unread_notifications: { highlight_count: 0, notification_count: 0 },
          summary: {},
        };
      } else if (membership === "invite" && member.stream > after) {
        const stripped = this.#strippedState(room, user.userId);
        const forge = this.#forgedInviteState.get(room.roomId);
        invite[room.roomId] = { invite_state: { events: forge ? forge(stripped) : stripped } };
      } else if (
        (membership === "leave" || membership === "ban") &&
        since !== undefined &&
        member.stream > after
      ) {
        leave[room.roomId] = {
          state: { events: [] },
          timeline: {
            events: [this.#forClient(member, user)],
            limited: false,
            prev_batch: `t${member.stream}`,
          },
          account_data: { events: [] },
        };
      }
    }
    const accountData = [...user.accountData.entries()]
      .filter(([, value]) => value.stream > after && value.stream <= position)
      .map(([type, value]) => ({ type, content: value.content }));
    const hasContent =
      Object.keys(join).length + Object.keys(invite).length + Object.keys(leave).length + accountData.length >
      0;
    return {
      hasContent,
      body: {
        next_batch: `s${position}`,
        rooms: { join, invite, leave, knock: {} },
        account_data: { events: accountData },
        presence: { events: [] },
        to_device: { events: [] },
        device_lists: { changed: [], left: [] },
        device_one_time_keys_count: {},
      },
    };
  }

  #strippedState(room: Room, userId: string): StrippedEvent[] {
    const wanted = [
      "m.room.create",
      "m.room.name",
      "m.room.join_rules",
      "m.room.canonical_alias",
      "m.room.topic",
    ];
    const events = [...room.state.values()].filter((s) => wanted.includes(s.event.type)).map((s) => s.event);
    const own = room.state.get(stateKeyOf("m.room.member", userId))?.event;
    const inviter = own ? room.state.get(stateKeyOf("m.room.member", own.sender))?.event : undefined;
    if (inviter) events.push(inviter);
    if (own) events.push(own);
    return events.map((e) => ({
      type: e.type,
      state_key: e.state_key ?? "",
      sender: e.sender,
      content: e.content,
    }));
  }

  /** GET /rooms/{id}/messages, backwards only (what gap filling needs). */
  #messages(user: User, room: Room, url: URL) {
    this.#requireMemberOrFormer(room, user.userId);
    if (url.searchParams.get("dir") !== "b") throw new MatrixError(400, "M_INVALID_PARAM", "only dir=b here");
    const from = upperBound(url.searchParams.get("from")) ?? this.#stream + 1;
    const to = lowerBound(url.searchParams.get("to")) ?? 0;
    const limit = Math.min(Number(url.searchParams.get("limit") ?? 10) || 10, 1000);
    const older = room.events.filter((s) => s.stream < from && s.stream > to).reverse();
    const page = older.slice(0, limit);
    const last = page.at(-1);
    return {
      chunk: page.map((s) => this.#forClient(s, user)),
      start: url.searchParams.get("from") ?? `t${from}`,
      ...(older.length > page.length && last ? { end: `t${last.stream}` } : {}),
    };
  }
}

class ClientGone extends Error {}

/**
 * The server-default push rule ids (Matrix 1.12, plus the unstable ones matrix-js-sdk expects),
 * so the SDK does not warn about missing ones. Conditions are left out: a bot is never notified.
 */
const DEFAULT_PUSH_RULES = (() => {
  const rule = (rule_id: string, enabled = true) => ({
    rule_id,
    default: true,
    enabled,
    conditions: [],
    actions: ["dont_notify"],
  });
  return {
    override: [
      rule(".m.rule.master", false),
      ...[
        ".m.rule.suppress_notices",
        ".m.rule.invite_for_me",
        ".m.rule.member_event",
        ".m.rule.is_user_mention",
        ".m.rule.contains_display_name",
        ".m.rule.is_room_mention",
        ".m.rule.roomnotif",
        ".m.rule.tombstone",
        ".m.rule.reaction",
        ".m.rule.room.server_acl",
        ".org.matrix.msc3786.rule.room.server_acl",
        ".m.rule.suppress_edits",
      ].map((id) => rule(id)),
    ],
    content: [{ ...rule(".m.rule.contains_user_name"), pattern: "tocsin" }],
    room: [],
    sender: [],
    underride: [
      ".m.rule.call",
      ".org.matrix.msc3914.rule.room.call",
      ".m.rule.encrypted_room_one_to_one",
      ".m.rule.room_one_to_one",
      ".m.rule.message",
      ".m.rule.encrypted",
    ].map((id) => rule(id)),
  };
})();

interface Route {
  endpoint: Endpoint;
  method: string;
  path: string;
  params: Partial<
    Record<
      "userId" | "roomId" | "type" | "stateKey" | "txnId" | "filterId" | "alias" | "field" | "eventId",
      string
    >
  >;
}

/** Maps a request to an endpoint. Path segments are percent-decoded, as the SDK encodes ids. */
export interface StrippedEvent {
  type: string;
  state_key: string;
  sender: string;
  content: Record<string, unknown>;
}

function routeOf(method: string, pathname: string): Route {
  const route = (endpoint: Endpoint, params: Route["params"] = {}): Route => ({
    endpoint,
    method,
    path: pathname,
    params,
  });
  if (pathname === "/_matrix/client/versions") return route("versions");
  if (!pathname.startsWith(CLIENT_PREFIX)) return route("unknown");
  const segments = pathname.slice(CLIENT_PREFIX.length).split("/").map(safeDecode);
  const [version, ...rest] = segments;
  if (version !== "v3" && version !== "r0") return route("unknown");
  const [a, b, c, d, e, f] = rest;
  const is = (m: string) => method === m;
  if (a === "account" && b === "whoami" && is("GET")) return route("whoami");
  if (a === "pushrules" && (b === "" || b === undefined) && is("GET")) return route("pushrules");
  if (a === "capabilities" && is("GET")) return route("capabilities");
  if (a === "sync" && is("GET")) return route("sync");
  if (a === "createRoom" && is("POST")) return route("createRoom");
  if (a === "join" && b && is("POST")) return route("join", { roomId: b });
  if (a === "directory" && b === "room" && c && is("GET")) return route("directory", { alias: c });
  if (a === "profile" && b && (is("GET") || is("PUT"))) return route("profile", { userId: b, field: c });
  if (a === "user" && b && c === "filter") {
    if (is("POST") && d === undefined) return route("filter", { userId: b });
    if (is("GET") && d) return route("filter", { userId: b, filterId: d });
  }
  if (a === "user" && b && c === "account_data" && d && (is("GET") || is("PUT")))
    return route("account_data", { userId: b, type: d });
  if (a === "rooms" && b) {
    const roomId = b;
    if (c === "invite" && is("POST")) return route("invite", { roomId });
    if (c === "join" && is("POST")) return route("join", { roomId });
    if (c === "leave" && is("POST")) return route("leave", { roomId });
    if (c === "send" && d && e && is("PUT")) return route("send", { roomId, type: d, txnId: e });
    if (c === "state" && is("GET") && (d === undefined || d === "")) return route("state", { roomId });
    if (c === "state" && d && (is("GET") || is("PUT")))
      return route("state", { roomId, type: d, stateKey: e ?? "" });
    if ((c === "members" || c === "joined_members") && is("GET")) return route("members", { roomId });
    if (c === "messages" && is("GET")) return route("messages", { roomId });
    if (c === "event" && d && is("GET")) return route("event", { roomId, eventId: d });
    void f;
  }
  return route("unknown");
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function stateKeyOf(type: string, stateKey: string): string {
  return `${type}\u0000${stateKey}`;
}

function memberContent(membership: string, displayName: string | undefined): Record<string, unknown> {
  return displayName === undefined ? { membership } : { membership, displayname: displayName };
}

function parseSince(token: string | null): number | undefined {
  if (!token) return undefined;
  const match = /^s(\d+)$/.exec(token);
  if (!match) throw new MatrixError(400, "M_INVALID_PARAM", `Bad since token ${token}`);
  return Number(match[1]);
}

// Pagination tokens: `t<N>` is the point just before stream position N, a sync token `s<N>` the
// point just after N. `from` gives the exclusive upper bound of a backwards page, `to` the
// exclusive lower bound.
function upperBound(token: string | null): number | undefined {
  const point = parsePoint(token);
  return point && (point.kind === "s" ? point.n + 1 : point.n);
}

function lowerBound(token: string | null): number | undefined {
  const point = parsePoint(token);
  return point && (point.kind === "s" ? point.n : point.n - 1);
}

function parsePoint(token: string | null): { kind: string; n: number } | undefined {
  if (!token) return undefined;
  const match = /^([ts])(\d+)$/.exec(token);
  if (!match) throw new MatrixError(400, "M_INVALID_PARAM", `Bad pagination token ${token}`);
  return { kind: match[1] ?? "t", n: Number(match[2]) };
}

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}
