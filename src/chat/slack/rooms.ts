// What the Slack platform does to channels, each in the channel's lane: creating an incident's
// private channel under a free name, inviting people one by one, its topic, pins, files, and
// archiving it.
import type { webApi } from "@slack/bolt";
import type { Logger } from "pino";
import type { ChatFile } from "../message.ts";
import type { CreatedRoom } from "../platform.ts";
import { incidentChannelName } from "../room-name.ts";
import { truncatePlainText } from "./block-kit.ts";
import { type CallLanes, slackErrorCode } from "./call-lanes.ts";
import type { SlackLookups } from "./lookups.ts";
import type { WebApiPoster } from "./web-api-poster.ts";

export const SLACK_TOPIC_MAX_LENGTH = 250;
/** `name_taken` retries (`-2` ... `-50`) before creating the incident room gives up. */
const MAX_CHANNEL_NAME_ATTEMPTS = 50;

/** Invite errors about one person: the room is still usable, so they are logged, not thrown. */
const PERSONAL_INVITE_ERRORS = new Set([
  "user_not_found",
  "cant_invite",
  "user_is_restricted",
  "user_is_ultra_restricted",
  "user_is_bot",
  "ura_max_channels",
  "user_team_not_in_channel",
  "missing_scope_for_user",
]);

export interface SlackRoomsDeps {
  client: webApi.WebClient;
  poster: WebApiPoster;
  calls: CallLanes;
  log: Logger;
  /** Told the sharing of each channel created, so posting its summary asks Slack nothing more. */
  lookups: SlackLookups;
  /** The bot's own user id once the platform has started: it never invites itself. */
  botUserId: () => string | undefined;
}

export class SlackRooms {
  readonly #client: webApi.WebClient;
  readonly #poster: WebApiPoster;
  readonly #calls: CallLanes;
  readonly #log: Logger;
  readonly #lookups: SlackLookups;
  readonly #botUserId: () => string | undefined;

  constructor(deps: SlackRoomsDeps) {
    this.#client = deps.client;
    this.#poster = deps.poster;
    this.#calls = deps.calls;
    this.#log = deps.log;
    this.#lookups = deps.lookups;
    this.#botUserId = deps.botUserId;
  }

  async createPrivateChannel(publicId: string, title: string): Promise<CreatedRoom> {
    for (let attempt = 1; attempt <= MAX_CHANNEL_NAME_ATTEMPTS; attempt++) {
      const name = incidentChannelName(publicId, title, attempt);
      try {
        const result = await this.#calls.direct("conversations.create", () =>
          this.#client.conversations.create({ name, is_private: true }),
        );
        if (!result.channel?.id) throw new Error(`conversations.create returned no channel for ${name}`);
        // The new channel's sharing as Slack answered it (a conversation object, as
        // conversations.info's): posting the summary needs no call to ask again. A later share
        // comes as channel_shared, which reads it afresh.
        const external = Boolean(result.channel.is_ext_shared || result.channel.is_pending_ext_shared);
        this.#lookups.rememberSharing(result.channel.id, external);
        return { roomId: result.channel.id, name: result.channel.name ?? name };
      } catch (error) {
        // Names of archived channels stay taken too; the next suffix is the way out.
        if (slackErrorCode(error) === "name_taken") continue;
        throw error;
      }
    }
    throw new Error(`no free Slack channel name for ${publicId} after ${MAX_CHANNEL_NAME_ATTEMPTS} attempts`);
  }

  async invite(roomId: string, externalIds: string[]): Promise<void> {
    const botUserId = this.#botUserId();
    const invitees = [...new Set(externalIds)].filter((id) => id !== botUserId);
    // One call per person: Slack fails a batch on the first person it refuses, and an
    // already-present member is not an error for us.
    for (const userId of invitees) {
      try {
        await this.#calls.inLane(roomId, "conversations.invite", () =>
          this.#client.conversations.invite({ channel: roomId, users: userId }),
        );
      } catch (error) {
        const code = slackErrorCode(error);
        if (code === "already_in_channel" || code === "cant_invite_self") continue;
        if (code && PERSONAL_INVITE_ERRORS.has(code)) {
          this.#log.warn(
            { channel: roomId, user: userId, error: code },
            "could not invite a person to the room",
          );
          continue;
        }
        throw error;
      }
    }
  }

  /** Signed bulletins and reports travel as files: chat formatting would break a signature. */
  async postFile(roomId: string, file: ChatFile): Promise<void> {
    const content =
      typeof file.content === "string" ? Buffer.from(file.content, "utf8") : Buffer.from(file.content);
    await this.#calls.inLane(roomId, "files.uploadV2", () =>
      this.#client.files.uploadV2({
        channel_id: roomId,
        file: content,
        filename: file.filename,
        title: file.title,
      }),
    );
  }

  async archive(roomId: string): Promise<void> {
    try {
      await this.#calls.inLane(roomId, "conversations.archive", () =>
        this.#client.conversations.archive({ channel: roomId }),
      );
    } catch (error) {
      if (slackErrorCode(error) !== "already_archived") throw error;
    }
  }

  async setTopic(roomId: string, topic: string): Promise<void> {
    await this.#calls.inLane(roomId, "conversations.setTopic", () =>
      this.#poster.call("conversations.setTopic", {
        channel: roomId,
        topic: truncatePlainText(topic, SLACK_TOPIC_MAX_LENGTH),
      }),
    );
  }

  async pin(roomId: string, messageId: string): Promise<void> {
    try {
      await this.#calls.inLane(roomId, "pins.add", () =>
        this.#client.pins.add({ channel: roomId, timestamp: messageId }),
      );
    } catch (error) {
      if (slackErrorCode(error) !== "already_pinned") throw error;
    }
  }
}
