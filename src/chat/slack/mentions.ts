// Slack's mention syntax. With "escape users" on (see slack/manifest.yaml), a slash command's
// text carries mentions as `<@U123|alice>`; the id is what identifies the person.

const MENTION = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/;

export function parseSlackMention(token: string): string | undefined {
  return MENTION.exec(token.trim())?.[1];
}

export function formatSlackMention(userId: string): string {
  return `<@${userId}>`;
}
