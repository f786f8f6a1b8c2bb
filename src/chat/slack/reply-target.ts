// Where a Slack command's answer goes; shared by the listeners (inbound.ts, direct-messages.ts)
// and the platform that answers.

/** Where a command's answer goes: the channel, the person, and Slack's reply hook if any. */
export interface SlackReplyTarget {
  channelId: string;
  userId: string;
  /** Slack's response_url: answers there work even where the bot is not a member. */
  responseUrl?: string;
}
