// What the Slack platform asks Slack about people and channels, and how long it believes the
// answers: a person's profile (users.info), whether a channel is shared outside the organisation
// (conversations.info, which the TLP gate depends on), the DM channel with a person
// (conversations.open, kept for good), and the text of one message (conversations.history or
// .replies, not kept).
import type { webApi } from "@slack/bolt";
import type { Clock } from "../../clock.ts";
import type { PlatformUser } from "../invocation.ts";
import type { SendOptions } from "../platform.ts";
import { type CallLanes, slackErrorCode } from "./call-lanes.ts";

// Re-checked before posting: a channel that became Slack Connect is capped at GREEN within this.
const SHARING_CACHE_TTL_MS = 30_000;
const USER_CACHE_TTL_MS = 10 * 60_000;

export interface SlackLookupsDeps {
  client: webApi.WebClient;
  /** Pages' own client (see SlackPlatform): an urgent DM opens its channel through it. */
  pageClient: webApi.WebClient;
  calls: CallLanes;
  clock: Clock;
}

export class SlackLookups {
  readonly #client: webApi.WebClient;
  readonly #pageClient: webApi.WebClient;
  readonly #calls: CallLanes;
  readonly #clock: Clock;
  readonly #users = new Map<string, { user: PlatformUser | undefined; expiresAt: number }>();
  readonly #directChannels = new Map<string, string>();
  /** Whether channels are shared outside the organisation, re-read every few minutes. */
  readonly #sharing = new Map<string, { external: boolean; expiresAt: number }>();

  constructor(deps: SlackLookupsDeps) {
    this.#client = deps.client;
    this.#pageClient = deps.pageClient;
    this.#calls = deps.calls;
    this.#clock = deps.clock;
  }

  async user(externalId: string): Promise<PlatformUser | undefined> {
    const now = this.#clock.now().getTime();
    const cached = this.#users.get(externalId);
    if (cached && cached.expiresAt > now) return cached.user;
    let user: PlatformUser | undefined;
    try {
      const result = await this.#calls.direct("users.info", () =>
        this.#client.users.info({ user: externalId }),
      );
      const profile = result.user?.profile;
      if (result.user?.id) {
        user = {
          externalId: result.user.id,
          displayName:
            profile?.display_name || profile?.real_name || result.user.real_name || result.user.name,
          email: profile?.email || undefined,
        };
      }
    } catch (error) {
      if (slackErrorCode(error) !== "user_not_found") throw error;
    }
    this.#users.set(externalId, { user, expiresAt: now + USER_CACHE_TTL_MS });
    return user;
  }

  async isExternal(roomId: string): Promise<boolean> {
    const now = this.#clock.now().getTime();
    const cached = this.#sharing.get(roomId);
    if (cached && cached.expiresAt > now) return cached.external;
    const info = await this.#calls.direct("conversations.info", () =>
      this.#client.conversations.info({ channel: roomId }),
    );
    // Slack Connect: the channel has members from another organisation.
    const external = Boolean(info.channel?.is_ext_shared || info.channel?.is_pending_ext_shared);
    this.#sharing.set(roomId, { external, expiresAt: now + SHARING_CACHE_TTL_MS });
    return external;
  }

  /** A channel's sharing as Slack just answered it some other way (a channel it created). */
  rememberSharing(roomId: string, external: boolean): void {
    this.#sharing.set(roomId, { external, expiresAt: this.#clock.now().getTime() + SHARING_CACHE_TTL_MS });
  }

  /** The channel was shared or unshared: the next isExternal asks Slack again. */
  forgetSharing(roomId: string): void {
    this.#sharing.delete(roomId);
  }

  async directChannel(userId: string, options: SendOptions = {}): Promise<string> {
    const known = this.#directChannels.get(userId);
    if (known) return known;
    const client = options.urgent ? this.#pageClient : this.#client;
    const result = await this.#calls.direct("conversations.open", () =>
      client.conversations.open({ users: userId }),
    );
    const channel = result.channel?.id;
    if (!channel) throw new Error(`conversations.open returned no channel for ${userId}`);
    this.#directChannels.set(userId, channel);
    return channel;
  }

  async message(channel: string, ts: string): Promise<{ text: string; user?: string } | undefined> {
    const history = await this.#calls.direct("conversations.history", () =>
      this.#client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 }),
    );
    let found = history.messages?.find((candidate) => candidate.ts === ts);
    if (!found) {
      // A thread reply is not in the channel's history, only in its thread.
      const thread = await this.#calls.direct("conversations.replies", () =>
        this.#client.conversations.replies({ channel, ts, inclusive: true, limit: 1 }),
      );
      found = thread.messages?.find((candidate) => candidate.ts === ts);
    }
    if (!found) return undefined;
    return found.user ? { text: found.text ?? "", user: found.user } : { text: found.text ?? "" };
  }
}
