// How deeply a JSON body from a chat platform (or an alert sender: src/alerts/intake/body.ts)
// nests, read in one pass over its characters before anything parses it. JSON.parse itself copes
// with any depth, but what comes after does not: a structured clone (the Slack ack thread hands
// bodies to the main thread), JSON.stringify, loggers and recursive walks all recurse, and a body
// nested a hundred thousand levels deep overflows their stack. No chat platform or alert sender
// needs more than a dozen levels.

/** Deeper JSON than this is refused wherever a body from outside is parsed. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `text` opens more than `limit` brackets at once, counting only brackets outside
 * strings. Linear in the text, and stops at the first level past the limit.
 */
export function nestsDeeperThan(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * The same question of a value a library already parsed (Slack's Socket Mode, a Matrix event's
 * content): an explicit stack instead of recursion, linear in the values visited, stopping at
 * the first one past the limit. The value itself counts as level 1 when it is an object or array.
 */
export function valueNestsDeeperThan(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [current, depth] = next;
    if (current === null || typeof current !== "object") continue;
    if (depth > limit) return true;
    for (const inner of Array.isArray(current) ? current : Object.values(current)) {
      if (inner !== null && typeof inner === "object") stack.push([inner, depth + 1]);
    }
  }
  return false;
}
