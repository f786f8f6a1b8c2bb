// How deeply a JSON body from a chat platform (or an alert sender: src/alerts/intake/body.ts)
// nests, and for alert bodies how many values it holds, read in one pass over its characters
// before anything parses it. JSON.parse itself copes with any depth, but what comes after does
// not: a structured clone (the Slack ack thread hands bodies to the main thread), JSON.stringify,
// loggers and recursive walks all recurse, and a body nested a hundred thousand levels deep
// overflows their stack. No chat platform or alert sender needs more than a dozen levels.

/** Deeper JSON than this is refused wherever a body from outside is parsed. */
export const MAX_JSON_DEPTH = 32;

/**
 * Values in one alert body, at most: counted before parsing, since JSON.parse builds every one
 * of them before anything can look at the result, and some take forty times their bytes (an
 * empty object `{}` and its place in an array: 4 MB of them held 173 MB while parsed,
 * test/unit/alerts/largest-body-heap.test.ts). A post of 1,000 Alertmanager alerts holds about
 * 30,000.
 */
export const MAX_JSON_VALUES = 262_144;

/**
 * What is wrong with the shape of `text`, read before it is parsed, in one linear pass that
 * stops at the first fault: "depth" when it opens more than `maxDepth` brackets at once,
 * "values" when it holds more than `maxValues` values (the body itself, and each element of an
 * array or member of an object: the first after an opening bracket, then one per comma). Only
 * characters outside strings count.
 */
export function jsonShapeFault(
  text: string,
  maxDepth: number = MAX_JSON_DEPTH,
  maxValues: number = Number.POSITIVE_INFINITY,
): "depth" | "values" | undefined {
  let depth = 0;
  let values = 1;
  let inString = false;
  /** Just after an opening bracket: the next character says whether a first value follows. */
  let opened = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (opened) {
      opened = false;
      if (c !== 0x7d && c !== 0x5d && ++values > maxValues) return "values";
    }
    if (c === 0x22) inString = true;
    else if (c === 0x2c) {
      if (++values > maxValues) return "values";
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return "depth";
      opened = true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/**
 * Whether `text` opens more than `limit` brackets at once, counting only brackets outside
 * strings. Linear in the text, and stops at the first level past the limit.
 */
export function nestsDeeperThan(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  return jsonShapeFault(text, limit) === "depth";
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
