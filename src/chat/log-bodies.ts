// What platform libraries may log at debug: their own words, never a message body. Chat SDKs log
// whole requests at debug (a note, a TLP:RED summary); a debug log is not cleared for that.

/**
 * The library's own message: its first string up to where data begins (`{`, `[`, a quote, a line
 * break), cut short; objects and payloads are dropped. `http request body: {"text":…}` becomes
 * `http request body: (data not logged)`.
 */
export function withoutBodies(messages: unknown[]): string {
  const first = messages.find((part): part is string => typeof part === "string");
  if (first === undefined) return "(data not logged)";
  const dataAt = dataStart(first);
  const words = (dataAt < 0 ? first : first.slice(0, dataAt)).trimEnd();
  const cut = words.length > 80 ? `${words.slice(0, 80)}…` : words;
  return dataAt < 0 && messages.length <= 1 ? cut : `${cut} (data not logged)`;
}

/** Where data begins: a bracket, a quote or a line break; a quoted method name ('chat.postMessage') is words. */
function dataStart(line: string): number {
  for (const match of line.matchAll(/'[\w.]{1,60}'|[{["'`\n]/g)) {
    if (match[0].length === 1) return match.index;
  }
  return -1;
}
