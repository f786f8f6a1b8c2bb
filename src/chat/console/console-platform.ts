// The console platform: tocsin in a terminal, with the same commands and the same behaviour as
// Slack or Matrix. Everything the bot would post is printed, labelled with where it would go:
//   [INC-2026-0001] ...     an incident's room (#inc-2026-0001-phishing-wave-...)
//   [#general] ...          another room or channel
//   [#general · you] ...    an answer only the caller sees (Slack's ephemeral messages)
//   [DM @bob] ...           a direct message
// Console-only commands switch who you are (/as @bob) and where you type (/room #name), so
// roles and paging can be tried by one person. With piped input it processes every line in
// order and `finished` resolves at the end of input, so it can be scripted; `failedLines` then
// says how many were refused or failed (tocsin exits 1 if any).

import { randomBytes } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { COMMAND_WORDS } from "../command-words.ts";
import type { InvocationHandler, PlatformUser, Reply, ReplyTarget } from "../invocation.ts";
import type { ChatFile, Message } from "../message.ts";
import { renderPlainText } from "../plain-text.ts";
import type { ChatPlatform, CreatedRoom, IncidentRoomSpec, SentDirectMessage } from "../platform.ts";
import { incidentChannelName } from "../room-name.ts";
import { normaliseHandle } from "./handle.ts";
import { gatherCommands } from "./pasted-blocks.ts";
import { RoomLabels } from "./room-labels.ts";
import { saveFile } from "./saved-files.ts";

export interface ConsoleOptions {
  input: Readable;
  output: Writable;
  /** A terminal: show a prompt. Otherwise echo each input line so a transcript reads well. */
  interactive: boolean;
  /** Handle of the user typing, without `@`. */
  user: string;
  /** The room you start in. */
  lobby?: string;
  /**
   * Write posted files (signed texts, SVG charts) here and print their path instead of their
   * content; main.ts sets it in a terminal. Unset: files are printed line by line.
   */
  filesDir?: string;
  /** Printed under the greeting in a terminal, e.g. `logs: ./data/tocsin.log`. */
  greeting?: string[];
}

/** Lines fit this many terminal columns, label included (help, long answers). */
export const CONSOLE_WIDTH = 100;

interface ConsoleRoom {
  name: string;
  topic: string;
  members: Set<string>;
}

/** A line's answers; a refused or failed one marks the line failed (a piped script then exits 1). */
interface ConsoleReplyTarget extends ReplyTarget {
  failed: boolean;
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
  #failedLines = 0;
  readonly #labels = new RoomLabels();

  constructor(options: ConsoleOptions) {
    this.#options = options;
    this.#user = normaliseHandle(options.user) ?? "operator";
    this.#room = options.lobby ?? "#general";
  }

  /** Resolves when the input has ended and every line has been handled. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  /** How many commands were refused or failed so far (a piped script exits 1 if any). */
  get failedLines(): number {
    return this.#failedLines;
  }

  async start(onInvocation: InvocationHandler): Promise<void> {
    this.#onInvocation = onInvocation;
    const rl = createInterface({
      input: this.#options.input,
      output: this.#options.interactive ? this.#options.output : undefined,
      terminal: this.#options.interactive,
    });
    this.#closeInput = () => rl.close();
    const interactive = this.#options.interactive;
    if (interactive) {
      this.#print(`tocsin console: you are @${this.#user} in ${this.#room}. Type /help, or /quit to leave.`);
      for (const line of this.#options.greeting ?? []) this.#print(line);
      rl.setPrompt(this.#prompt());
      rl.prompt();
    }
    const commands = gatherCommands(rl, {
      awaitingBlock: () => {
        if (!interactive) return;
        this.#print("(Paste the clear-signed text, from -----BEGIN PGP SIGNED MESSAGE----- to its end.)");
        rl.setPrompt("... ");
        rl.prompt();
      },
    });
    this.#finished = (async () => {
      for await (const lines of commands) {
        if (!interactive && lines.join("").trim()) {
          this.#print([`${this.#prompt()}${lines[0]}`, ...lines.slice(1)].join("\n"));
        }
        const keepGoing = await this.submit(lines.join("\n"));
        if (!keepGoing) break;
        if (interactive) {
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
        if (!handle) this.#refuse("Usage: /as @handle   (act as another person, e.g. /as @bob)");
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
          this.#refuse("Usage: /room #name or /room <incident id>   (e.g. /room #soc, /room INC-2026-0001)");
        else {
          // An incident's short label (as printed) stands for its room.
          this.#room = this.#labels.roomOf(name) ?? (name.startsWith("#") ? name : `#${name}`);
          const label = this.#labels.labelOf(this.#room);
          this.#print(`You are now in ${this.#room}${label === this.#room ? "" : ` (${label})`}.`);
        }
        return true;
      }
      case "/rooms": {
        const names = [...this.#rooms.values()].map((r) => {
          const label = this.#labels.labelOf(r.name);
          return [label === r.name ? "" : label, r.name, r.topic].filter(Boolean).join("  ");
        });
        this.#print(names.length ? names.join("\n") : "No rooms opened in this session yet.");
        return true;
      }
      case "/whoami":
        this.#print(`@${this.#user} in ${this.#room}`);
        return true;
      case "/help":
        this.#print(
          [
            "Console commands: /as @person (switch user)  /room #name|<incident id> (switch room)  /rooms  /whoami  /quit",
            `tocsin commands: ${COMMAND_WORDS.groups.map((g) => `/${g} help`).join("   ")}`,
          ].join("\n"),
        );
        return true;
    }
    if (!/^[/!]/.test(trimmed)) {
      this.#refuse("(Only commands are understood here; they start with /, e.g. /inc help.)");
      return true;
    }
    const user = this.#user;
    const room = this.#room;
    const target: ConsoleReplyTarget = { platform: "console", roomId: room, callerId: user, failed: false };
    await onInvocation({
      platform: "console",
      actor: { externalId: user, displayName: user },
      room: { roomId: room, name: room },
      text: trimmed,
      dedupeKey: `${this.#session}:${lineNumber}`,
      replyTarget: target,
    });
    if (target.failed) this.#failedLines++;
    return true;
  }

  #prompt(): string {
    return `${this.#user}@${this.#labels.labelOf(this.#room)}> `;
  }

  /** A console command's usage error: printed, and counted like a refused command. */
  #refuse(text: string): void {
    this.#failedLines++;
    this.#print(text);
  }

  #printReply(room: string, reply: Reply): void {
    const label = this.#labels.labelOf(room);
    this.#printMessage(reply.visibility === "ephemeral" ? `${label} · you` : label, reply.message);
  }

  #printMessage(label: string, message: Message): void {
    const layout = {
      // The label and its brackets and space share the line.
      width: CONSOLE_WIDTH - label.length - 3,
      // In a terminal paragraphs wrap too; a piped transcript keeps each line whole for grep.
      wrapText: this.#options.interactive,
    };
    this.#print(
      renderPlainText(message, layout)
        .split("\n")
        .map((line) => `[${label}] ${line}`.trimEnd())
        .join("\n"),
    );
  }

  #print(text: string): void {
    this.#options.output.write(`${text}\n`);
  }

  // ---- ChatPlatform outbound ---------------------------------------------------------------

  readonly ephemeralReplies = true;

  async reply(target: ReplyTarget, reply: Reply): Promise<void> {
    if (reply.failed) (target as ConsoleReplyTarget).failed = true;
    this.#printReply(target.roomId, reply);
  }

  /** The console's direct chats are `[DM → @person]` lines, never a room. */
  async isDirectWith(): Promise<boolean> {
    return false;
  }

  /** Everyone at this terminal is the organisation. */
  isExternalUser(): boolean {
    return false;
  }

  parseMention(token: string): string | undefined {
    return token.startsWith("@") ? normaliseHandle(token) : undefined;
  }

  async lookupUser(externalId: string): Promise<PlatformUser | undefined> {
    const handle = normaliseHandle(externalId);
    return handle ? { externalId: handle, displayName: handle } : undefined;
  }

  async createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    let attempt = 1;
    while (this.#rooms.has(`#${incidentChannelName(spec.publicId, spec.title, attempt)}`)) attempt++;
    const name = `#${incidentChannelName(spec.publicId, spec.title, attempt)}`;
    this.#rooms.set(name, { name, topic: spec.topic, members: new Set(spec.invite) });
    this.#labels.incidentRoom(name, spec.publicId);
    // Rooms are created empty and their people invited once bound (see IncidentRooms.open).
    const members = spec.invite.length ? `; members: ${spec.invite.map((u) => `@${u}`).join(", ")}` : "";
    this.#print(`[${this.#labels.labelOf(name)}] (private room ${name} created${members})`);
    return { roomId: name, name };
  }

  async invite(roomId: string, externalIds: string[]): Promise<void> {
    const room = this.#roomById(roomId);
    const added = externalIds.filter((id) => !room.members.has(id));
    for (const id of added) room.members.add(id);
    if (added.length) {
      this.#print(`[${this.#labels.labelOf(roomId)}] (invited ${added.map((u) => `@${u}`).join(", ")})`);
    }
  }

  async setTopic(roomId: string, topic: string): Promise<void> {
    this.#roomById(roomId).topic = topic;
  }

  async post(roomId: string, message: Message): Promise<string> {
    this.#roomById(roomId);
    this.#printMessage(this.#labels.labelOf(roomId), message);
    return `${this.#session}-${++this.#messageCount}`;
  }

  /**
   * With `filesDir` (a terminal): writes the file there and prints its path. Otherwise prints it
   * under a header line, each line labelled with the room like other posts.
   */
  async postFile(roomId: string, file: ChatFile): Promise<void> {
    this.#roomById(roomId);
    const label = this.#labels.labelOf(roomId);
    const caption = file.title ? ` ${file.title}` : "";
    if (this.#options.filesDir) {
      const saved = await saveFile(this.#options.filesDir, file.filename, file.content);
      this.#print(`[${label}] (file ${file.filename}:${caption} saved as ${displayPath(saved)})`);
      return;
    }
    const body =
      typeof file.content === "string"
        ? file.content.replace(/\n$/, "")
        : `(${file.content.byteLength} bytes of ${file.mimeType ?? "binary data"})`;
    this.#print(
      [`(file ${file.filename}:${caption})`, ...body.split("\n")]
        .map((line) => `[${label}] ${line}`.trimEnd())
        .join("\n"),
    );
  }

  async update(roomId: string, messageId: string, message: Message): Promise<void> {
    // Reprinting the whole summary after every change would drown the room; say it changed.
    const label = this.#labels.labelOf(roomId);
    if (this.#pinned.has(messageId)) this.#print(`[${label}] (pinned summary ${messageId} updated)`);
    else
      this.#print(`[${label}] (message ${messageId} now reads: ${renderPlainText(message).split("\n")[0]})`);
  }

  async pin(roomId: string, messageId: string): Promise<void> {
    this.#pinned.add(messageId);
    this.#print(`[${this.#labels.labelOf(roomId)}] (pinned ${messageId})`);
  }

  /** A terminal line cannot be edited: nothing to return for a later edit. */
  async directMessage(externalId: string, message: Message): Promise<SentDirectMessage | undefined> {
    this.#printMessage(`DM @${externalId}`, message);
    return undefined;
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

/** `data/files/x.svg` rather than an absolute path, when the file is under the working directory. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}
