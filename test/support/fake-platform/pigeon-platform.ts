// The Pigeon platform: keeps every room's posts in memory and answers commands into a list.
// A test sends lines as a person would and reads what tocsin said, nothing else.
import type { InvocationHandler, PlatformUser, Reply, ReplyTarget } from "../../../src/chat/invocation.ts";
import type { Message } from "../../../src/chat/message.ts";
import { renderPlainText } from "../../../src/chat/plain-text.ts";
import type {
  ChatPlatform,
  CreatedRoom,
  IncidentRoomSpec,
  SentDirectMessage,
} from "../../../src/chat/platform.ts";
import { pigeonDescriptor } from "./descriptor.ts";

export interface PigeonLine {
  roomId: string;
  text: string;
  /** Set for answers to a command: only the caller sees an ephemeral one. */
  visibility?: Reply["visibility"];
  failed?: Reply["failed"];
}

let sequence = 0;

export class PigeonPlatform implements ChatPlatform {
  readonly name = pigeonDescriptor.name;
  readonly ephemeralReplies = true;
  readonly lines: PigeonLine[] = [];
  readonly rooms = new Map<string, { name: string; topic: string; members: Set<string> }>();
  #onInvocation: InvocationHandler | undefined;

  async start(onInvocation: InvocationHandler): Promise<void> {
    this.#onInvocation = onInvocation;
  }

  async stop(): Promise<void> {
    this.#onInvocation = undefined;
  }

  /** `user` types `text` in `roomId`; resolves once tocsin has answered. */
  async send(user: string, roomId: string, text: string): Promise<void> {
    const handle = this.#onInvocation;
    if (!handle) throw new Error("the Pigeon platform is not started");
    // One sequence for every Pigeon of the process: replicas of one test must not share keys.
    const key = `pigeon-${++sequence}`;
    await handle({
      platform: this.name,
      actor: { externalId: user, displayName: user },
      room: { roomId, name: this.rooms.get(roomId)?.name ?? roomId },
      text,
      dedupeKey: key,
      replyTarget: { platform: this.name, roomId, callerId: user },
    });
  }

  async reply(target: ReplyTarget, reply: Reply): Promise<void> {
    this.lines.push({
      roomId: target.roomId,
      text: renderPlainText(reply.message),
      visibility: reply.visibility,
      failed: reply.failed,
    });
  }

  async isDirectWith(): Promise<boolean> {
    return false;
  }

  isExternalUser(): boolean {
    return false;
  }

  parseMention(token: string): string | undefined {
    return pigeonDescriptor.parseMention(token);
  }

  async lookupUser(externalId: string): Promise<PlatformUser | undefined> {
    return { externalId, displayName: externalId };
  }

  async createIncidentRoom(spec: IncidentRoomSpec): Promise<CreatedRoom> {
    const roomId = `&${spec.publicId.toLowerCase()}`;
    this.rooms.set(roomId, { name: roomId, topic: spec.topic, members: new Set(spec.invite) });
    return { roomId, name: roomId };
  }

  async invite(roomId: string, externalIds: string[]): Promise<void> {
    for (const id of externalIds) this.rooms.get(roomId)?.members.add(id);
  }

  async setTopic(roomId: string, topic: string): Promise<void> {
    const room = this.rooms.get(roomId);
    if (room) room.topic = topic;
  }

  async post(roomId: string, message: Message): Promise<string> {
    this.lines.push({ roomId, text: renderPlainText(message) });
    return `${roomId}/${this.lines.length}`;
  }

  async update(roomId: string, _messageId: string, message: Message): Promise<void> {
    this.lines.push({ roomId, text: `(updated) ${renderPlainText(message)}` });
  }

  async pin(): Promise<void> {}

  async directMessage(externalId: string, message: Message): Promise<SentDirectMessage> {
    this.lines.push({ roomId: `dm:${externalId}`, text: renderPlainText(message) });
    return { roomId: `dm:${externalId}`, messageId: `dm:${externalId}/${this.lines.length}` };
  }
}
