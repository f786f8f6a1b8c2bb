// The console platform: tocsin in a terminal, with the same commands and the same behaviour as
// Slack or Matrix. Everything the bot would post is printed, labelled with where it would go:
//   [#inc-2026-0001-phishing-wave] ...    a room or channel
//   [#general · only you] ...             an ephemeral reply to the caller
//   [DM → @bob] ...                       a direct message
// Console-only commands switch who you are (/as @bob) and where you type (/room #name), so
// roles and paging can be tried by one person. With piped input it processes every line in
// order and `finished` resolves at the end of input, so it can be scripted.
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Message } from "../message.ts";
import { renderPlainText } from "../plain-text.ts";
import type {
  ChatFile,
  ChatPlatform,
  CreatedRoom,
  IncidentRoomSpec,
  InvocationHandler,
  PlatformUser,
  Reply,
} from "../platform.ts";
import { incidentChannelName } from "../room-name.ts";
import { normaliseHandle } from "./handle.ts";

export interface ConsoleOptions {
  input: Readable;
  output: Writable;
  /** A terminal: show a prompt. Otherwise echo each input line so a transcript reads well. */
  interactive: boolean;
  /** Handle of the user typing, without `@`. */
  user: string;
  /** The room you start in. */
  lobby?: string;
}

interface ConsoleRoom {
  name: string;
  topic: string;
  members: Set<string>;
}

export class ConsolePlatform implements ChatPlatform {
  readonly name = "console" as const;
  readonly #options: ConsoleOptions;
  readonly #rooms = new Map<string, ConsoleRoom>();
  readonly #session = randomBytes(4).toString("hex");
  #user: string;
  #room: string;
  #messageCount = 0;
  readonly #pinned = new Set<string>();
  #finished: Promise<void> = Promise.resolve();
  #closeInput: (() => void) | undefined;
  #onInvocation: InvocationHandler | undefined;
  #lineNumber = 0;

  constructor(options: ConsoleOptions) {
    this.#options = options;
    this.#user = normaliseHandle(options.user) ?? "operator";
    this.#room = options.lobby ?? "#general";
  }

  /** Resolves when the input has ended and every line has been handled. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  async start(onInvocation: InvocationHandler): Promise<void> {
    this.#onInvocation = onInvocation;
    const rl = createInterface({
      input: this.#options.input,
      output: this.#options.interactive ? this.#options.output : undefined,
      terminal: this.#options.interactive,
    });
    this.#closeInput = () => rl.close();
    if (this.#options.interactive) {
      this.#print(`tocsin console: you are @${this.#user} in ${this.#room}. Type /help, or /quit to leave.`);
      rl.setPrompt(this.#prompt());
      rl.prompt();
    }
    this.#finished = (async () => {
      for await (const line of rl) {
        if (!this.#options.interactive && line.trim()) this.#print(`${this.#prompt()}${line}`);
        const keepGoing = await this.submit(line);
        if (!keepGoing) break;
        if (this.#options.interactive) {
          rl.setPrompt(this.#prompt());
          rl.prompt();
        }
      }
      rl.close();
    })();
  }

  async stop(): Promise<void> {
    this.#closeInput?.();
  }

  /**
   * Handles one typed line (what the input loop does for each line; tests and benchmarks call it
   * directly). Resolves when the line's command is fully handled; false after /quit.
   */
  async submit(line: string): Promise<boolean> {
    const onInvocation = this.#onInvocation;
    if (!onInvocation) throw new Error("the console platform is not started");
    const lineNumber = ++this.#lineNumber;
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) return true;
    const [word = "", ...rest] = trimmed.split(/\s+/);
    switch (word.toLowerCase()) {
      case "/quit":
      case "/exit":
        return false;
      case "/as": {
        const handle = normaliseHandle(rest[0] ?? "");
        if (!handle) this.#print("Usage: /as @handle   (act as another person, e.g. /as @bob)");
        else {
          this.#user = handle;
          this.#print(`You are now @${handle}.`);
        }
        return true;
      }
      case "/room":
      case "/join": {
        const name = rest[0];
        if (!name)
          this.#print("Usage: /room #name   (type in another room, e.g. /room #inc-2026-0001-phishing)");
        else {
          this.#room = name.startsWith("#") ? name : `#${name}`;
          this.#print(`You are now in ${this.#room}.`);
        }
        return true;
      }
      case "/rooms": {
        const names = [...this.#rooms.values()].map((r) => `${r.name}  ${r.topic}`);
        this.#print(names.length ? names.join("\n") : "No rooms opened in this session yet.");
        return true;
      }
      case "/whoami":
        this.#print(`@${this.#user} in ${this.#room}`);
        return true;
      case "/help":
        this.#print(
          [
            "Console commands: /as @person (switch user)  /room #name (switch room)  /rooms  /whoami  /quit",
            "tocsin commands: /inc help   /oncall help   /bulletin help",
          ].join("\n"),
        );
        return true;
    }
    if (!/^[/!]/.test(trimmed)) {
      this.#print("(Only commands are understood here; they start with /, e.g. /inc help.)");
      return true;
    }
    const user = this.#user;
    const room = this.#room;
    await onInvocation({
      platform: "console",
      actor: { externalId: user, displayName: user },
      room: { roomId: room, name: room },
      text: trimmed,
      dedupeKey: `${this.#session}:${lineNumber}`,
      respond: async (reply: Reply) => this.#printReply(room, reply),
    });
    return true;
  }

  #prompt(): string {
    return `${this.#user}@${this.#room}> `;
  }

  #printReply(room: string, reply: Reply): void {
    this.#printMessage(reply.visibility === "ephemeral" ? `${room} · only you` : room, reply.message);
  }

  #printMessage(label: string, message: Message): void {
    this.#print(
      renderPlainText(message)
        .split("\n")
        .map((line) => `[${label}] ${line}`.trimEnd())
        .join("\n"),
    );
  }

  #print(text: string): void {
    this.#options.output.write(`${text}\n`);
  }

  // ---- ChatPlatform outbound ---------------------------------------------------------------

  parseMention(token: string): string | undefined {
    return token.startsWith("@") ? normaliseHandle(token) : undefined;
  }

  async lookupUser(externalId: string): Promise<PlatformUser | undefined> {
    const handle = normaliseHandle(externalId);
    return handle ? { externalId: handle, displayName: handle } : undefined;
  }

  formatMention(externalId: string): string {
    return `@${externalId}`;
  }

  async createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    let attempt = 1;
    while (this.#rooms.has(`#${incidentChannelName(spec.publicId, spec.title, attempt)}`)) attempt++;
    const name = `#${incidentChannelName(spec.publicId, spec.title, attempt)}`;
    this.#rooms.set(name, { name, topic: spec.topic, members: new Set(spec.invite) });
    this.#print(`[${name}] (private room created; members: ${spec.invite.map((u) => `@${u}`).join(", ")})`);
    return { roomId: name, name };
  }

  async invite(roomId: string, externalIds: string[]): Promise<void> {
    const room = this.#roomById(roomId);
    const added = externalIds.filter((id) => !room.members.has(id));
    for (const id of added) room.members.add(id);
    if (added.length) this.#print(`[${roomId}] (invited ${added.map((u) => `@${u}`).join(", ")})`);
  }

  async setTopic(roomId: string, topic: string): Promise<void> {
    this.#roomById(roomId).topic = topic;
  }

  async post(roomId: string, message: Message): Promise<string> {
    this.#roomById(roomId);
    this.#printMessage(roomId, message);
    return `${this.#session}-${++this.#messageCount}`;
  }

  /** Prints the file under a header line, each line labelled with the room like other posts. */
  async postFile(roomId: string, file: ChatFile): Promise<void> {
    this.#roomById(roomId);
    const caption = file.title ? ` ${file.title}` : "";
    const body =
      typeof file.content === "string"
        ? file.content.replace(/\n$/, "")
        : `(${file.content.byteLength} bytes of ${file.mimeType ?? "binary data"})`;
    this.#print(
      [`(file ${file.filename}:${caption})`, ...body.split("\n")]
        .map((line) => `[${roomId}] ${line}`.trimEnd())
        .join("\n"),
    );
  }

  async update(roomId: string, messageId: string, message: Message): Promise<void> {
    // Reprinting the whole summary after every change would drown the room; say it changed.
    if (this.#pinned.has(messageId)) this.#print(`[${roomId}] (pinned summary ${messageId} updated)`);
    else
      this.#print(`[${roomId}] (message ${messageId} now reads: ${renderPlainText(message).split("\n")[0]})`);
  }

  async pin(roomId: string, messageId: string): Promise<void> {
    this.#pinned.add(messageId);
    this.#print(`[${roomId}] (pinned ${messageId})`);
  }

  async directMessage(externalId: string, message: Message): Promise<void> {
    this.#printMessage(`DM → @${externalId}`, message);
  }

  /** Rooms survive restarts in the database but not in this process: recreate them on use. */
  #roomById(roomId: string): ConsoleRoom {
    let room = this.#rooms.get(roomId);
    if (!room) {
      room = { name: roomId, topic: "", members: new Set() };
      this.#rooms.set(roomId, room);
    }
    return room;
  }
}
