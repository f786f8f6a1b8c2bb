// Reading an alert request's body: size-capped while it streams in, strictly UTF-8, JSON with a
// nesting limit and a count of values checked before parsing, or an urlencoded form of a bounded
// number of fields. Every step is linear in the body, and every failure is a PayloadError the
// endpoint answers with a 4xx naming what was wrong.
import type { IncomingMessage } from "node:http";
import { unescape as percentDecoded } from "node:querystring";
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
  try {
    // A reviver makes JSON.parse several times slower (a call per value): only a text that can
    // hold a `__proto__` key, spelled out or with \u escapes, needs one.
    if (!text.includes("__proto__") && !text.includes("\\u")) return JSON.parse(text);
    return JSON.parse(text, (key, value) => (key === "__proto__" ? undefined : value));
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : "it does not parse";
    throw new PayloadError(`the body is not valid JSON: ${reason}`);
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

/** A form's name or value decoded: `+` is a space; %XX bytes are UTF-8, invalid ones U+FFFD. */
function formDecoded(part: string): string {
  const spaced = part.includes("+") ? part.replaceAll("+", " ") : part;
  // querystring.unescape: decodeURIComponent, or byte by byte where that throws (a stray `%`
  // is kept, as URLSearchParams keeps it). Linear either way.
  return spaced.includes("%") ? percentDecoded(spaced) : spaced;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
