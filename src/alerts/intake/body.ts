// Reading an alert request's body: size-capped while it streams in, strictly UTF-8, JSON with a
// nesting limit and a count of values checked before parsing, or an urlencoded form of a bounded
// number of fields. Every step is linear in the body, and every failure is a PayloadError the
// endpoint answers with a 4xx naming what was wrong.
import type { IncomingMessage } from "node:http";
import { jsonShapeFault, MAX_JSON_DEPTH, MAX_JSON_VALUES } from "../../chat/json-nesting.ts";
import { type ByteBudget, readCappedBody } from "../../http/body-reader.ts";

/** Answered as 400 (or `status`) with `message`; `field` names the offending field when known. */
export class PayloadError extends Error {
  readonly status: number;
  readonly field: string | undefined;

  constructor(message: string, options: { field?: string; status?: number } = {}) {
    super(message);
    this.name = "PayloadError";
    this.field = options.field;
    this.status = options.status ?? 400;
  }
}

export type BodyFormat = "json" | "form";

/**
 * What the Content-Type says. JSON endpoints also take a missing type and text/plain (curl and
 * some senders send those); the generic endpoint also takes urlencoded forms. Anything else: 415.
 */
export function bodyFormat(contentType: string | undefined, allowForm: boolean): BodyFormat {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "" || type === "application/json" || type === "text/plain" || type.endsWith("+json"))
    return "json";
  if (allowForm && type === "application/x-www-form-urlencoded") return "form";
  throw new PayloadError(
    `content type ${type} is not accepted; send application/json${allowForm ? " or application/x-www-form-urlencoded" : ""}`,
    { status: 415 },
  );
}

/**
 * Bytes of alert bodies being read at once, across connections and both pools: the in-flight
 * limits bound the requests, this bounds what their bodies hold meanwhile (a flood of slow
 * senders trickling 1 MB bodies, /v2/enqueue's unauthenticated ones included). Past it a request
 * is answered 503 + Retry-After unread.
 */
export const MAX_BUFFERED_ALERT_BYTES = 32 * 1024 * 1024;

/** The body could not be read: its sender went away (nobody to answer). */
export class SenderGone extends Error {
  constructor() {
    super("the sender went away before its body was read");
    this.name = "SenderGone";
  }
}

/**
 * The whole body, refused with 413 as soon as it passes `limit` bytes (a declared
 * Content-Length over the limit is refused before reading anything), with 503 when `budget`
 * cannot hold it.
 */
export async function readBody(req: IncomingMessage, limit: number, budget?: ByteBudget): Promise<Buffer> {
  const body = await readCappedBody(req, limit, budget);
  if (body === "too large")
    throw new PayloadError(`the body is larger than ${Math.floor(limit / 1024)} KB`, { status: 413 });
  if (body === "over budget")
    throw new PayloadError("too many alert bodies are being read at once; retry later", { status: 503 });
  if (body === "gone") throw new SenderGone();
  return body;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

export function decodeUtf8(body: Buffer): string {
  try {
    return UTF8.decode(body);
  } catch {
    throw new PayloadError("the body is not valid UTF-8");
  }
}

/** JSON text to a value; `__proto__` keys are dropped so no later copy can reach a prototype. */
export function parseJson(text: string): unknown {
  checkShape(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "it does not parse";
    throw new PayloadError(`the body is not valid JSON: ${reason}`);
  }
  // Only a text that can hold a `__proto__` key, spelled out or with \u escapes, is walked. A
  // reviver did this at a call per value, 5-33 times slower, and /v2/enqueue parses before it
  // knows the key: 511 KB of `[0,0,...]` and one `\u` cost 433 ms against 13 (the attack review
  // of 2026-12-01).
  if (text.includes("__proto__") || text.includes("\\u")) dropProtoKeys(value);
  return value;
}

/**
 * Removes every own `__proto__` key (JSON.parse makes them plain properties) from a parsed tree,
 * so no later copy can reach a prototype; iterative, linear in its values (bounded before parse).
 */
function dropProtoKeys(root: unknown): void {
  const stack: object[] = [];
  const push = (value: unknown) => {
    if (value !== null && typeof value === "object") stack.push(value);
  };
  push(root);
  while (stack.length > 0) {
    const value = stack.pop() as object;
    if (Array.isArray(value)) {
      for (const item of value) push(item);
      continue;
    }
    const record = value as Record<string, unknown>;
    if (Object.hasOwn(record, "__proto__")) Reflect.deleteProperty(record, "__proto__");
    for (const key in record) push(record[key]);
  }
}

/**
 * Deeper JSON than MAX_JSON_DEPTH is refused: no sender needs it, and recursive walks stay
 * shallow. So is JSON of more than MAX_JSON_VALUES values: what parsing it would hold is bounded
 * by the count, not by the body's size (json-nesting.ts).
 */
function checkShape(text: string): void {
  const fault = jsonShapeFault(text, MAX_JSON_DEPTH, MAX_JSON_VALUES);
  if (fault === "depth") throw new PayloadError(`the JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (fault === "values") throw new PayloadError(`the JSON holds more than ${MAX_JSON_VALUES} values`);
}

/** Fields in one urlencoded form, at most: a generic alert has about ten (links repeat). */
export const MAX_FORM_FIELDS = 1_000;

/**
 * An urlencoded form as an object of its fields (the last of repeated fields, except `links`),
 * read in one pass: split at `&` and the first `=`, each part decoded as URLSearchParams decodes
 * it (`+` a space, %XX bytes UTF-8). URLSearchParams itself was quadratic in fields without an
 * `=` on Node 24 (`a&a&...`: 512 KB took 1 s, 4 MB 78 s; the attack review of 2026-12-01), and
 * getAll per distinct name had been quadratic in distinct fields. More than MAX_FORM_FIELDS
 * fields is refused, which also bounds what the form holds.
 */
export function parseForm(text: string): Record<string, unknown> {
  const values = new Map<string, string>();
  const links: string[] = [];
  let count = 0;
  // A leading `?` is not part of the first name (URLSearchParams drops it too).
  for (let from = text.startsWith("?") ? 1 : 0; from < text.length; ) {
    let to = text.indexOf("&", from);
    if (to === -1) to = text.length;
    if (to > from) {
      if (++count > MAX_FORM_FIELDS)
        throw new PayloadError(`the form has more than ${MAX_FORM_FIELDS} fields`);
      // The `=` searched within the pair only: searched from `from` in the whole text, a pair
      // without one would scan to the next `=` of the body, quadratic again.
      const pair = text.slice(from, to);
      const equals = pair.indexOf("=");
      const name = formDecoded(equals === -1 ? pair : pair.slice(0, equals));
      const value = equals === -1 ? "" : formDecoded(pair.slice(equals + 1));
      if (name === "links") links.push(value);
      else values.set(name, value);
    }
    from = to + 1;
  }
  const fields: Record<string, unknown> = {};
  const define = (name: string, value: unknown) =>
    Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
  for (const [name, value] of values) if (name !== "__proto__") define(name, value);
  if (links.length > 0) define("links", links);
  return fields;
}

/**
 * A form's name or value decoded by the form rule: `+` is a space, %XX a byte, and the bytes
 * UTF-8 (invalid ones U+FFFD). Done on the part's UTF-8 bytes, so text around a stray `%` keeps
 * its characters (querystring.unescape's fallback kept only each character's low byte: "hôte"
 * became "h\ufffdte"), and into one buffer, where replaceAll("+", " ") built a piece per `+`
 * (4 MB of them took more than 128 MB: the attack review of 2026-12-01). Linear.
 */
function formDecoded(part: string): string {
  if (!part.includes("+") && !part.includes("%")) return part;
  const bytes = Buffer.from(part);
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const high = byte === 0x25 ? hexValue(bytes[i + 1]) : -1;
    const low = high >= 0 ? hexValue(bytes[i + 2]) : -1;
    if (low >= 0) {
      out[length++] = high * 16 + low;
      i += 2;
    } else out[length++] = byte === 0x2b ? 0x20 : byte;
  }
  return out.toString("utf8", 0, length);
}

/** A hex digit's value, or -1. */
function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
