// Matrix user ids as people type, paste and click them: `@alice:example.org`, a matrix.to
// permalink (what Element's pills link to), or a `matrix:u/` URI. Also who may invite the bot.

/** `@localpart:server.name[:port]`; the server may be an IPv6 literal in brackets. */
const USER_ID = /^@[^\s:@]+:(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;
const MAX_USER_ID_LENGTH = 255;
/** Punctuation people put after a mention: `!inc invite @a:x.org, @b:x.org`. */
const TRAILING_PUNCTUATION = new Set([",", ";", ".", "!", "?", ")", "]"]);

export function isMatrixUserId(value: string): boolean {
  return value.length <= MAX_USER_ID_LENGTH && USER_ID.test(value);
}

/** The user id a permalink points to: `https://matrix.to/#/@alice:example.org`, `matrix:u/alice:example.org`. */
export function userIdFromPermalink(href: string): string | undefined {
  const trimmed = href.trim();
  let candidate: string | undefined;
  const matrixTo = /^https:\/\/matrix\.to\/#\/([^?/]+)/i.exec(trimmed);
  if (matrixTo?.[1]) candidate = safeDecode(matrixTo[1]);
  const uri = /^matrix:u\/([^?/]+)/i.exec(trimmed);
  if (uri?.[1]) candidate = `@${safeDecode(uri[1])}`;
  return candidate && isMatrixUserId(candidate) ? candidate : undefined;
}

/** The user id in one command token, or undefined when the token is not a mention. */
export function parseMatrixMention(token: string): string | undefined {
  const bare = withoutTrailingPunctuation(token.trim());
  if (bare.startsWith("@")) return isMatrixUserId(bare) ? bare : undefined;
  return userIdFromPermalink(bare);
}

/**
 * A loop, not `/[,;.]+$/`: a regular expression tries that at every position of a long run of
 * punctuation followed by a letter, which is quadratic.
 */
function withoutTrailingPunctuation(token: string): string {
  let end = token.length;
  while (end > 0 && TRAILING_PUNCTUATION.has(token[end - 1] ?? "")) end--;
  return token.slice(0, end);
}

/** `@bot:example.org:8448` -> `example.org:8448`. */
export function serverNameOf(userId: string): string {
  return userId.slice(userId.indexOf(":") + 1);
}

/**
 * Whether an invite from `inviter` is followed. Patterns are user ids (`@alice:example.org`),
 * whole servers (`*:example.org`, also written `@*:example.org`) or `*` for anyone.
 */
export function isAllowedInviter(inviter: string, patterns: readonly string[]): boolean {
  const server = serverNameOf(inviter).toLowerCase();
  return patterns.some((raw) => {
    const pattern = raw.trim();
    if (pattern === "*") return true;
    const wildcardServer = /^@?\*:(.+)$/.exec(pattern)?.[1];
    if (wildcardServer) return wildcardServer.toLowerCase() === server;
    return pattern === inviter;
  });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
