// Reading an alert request's body: size-capped while it streams in, strictly UTF-8, JSON with a
// nesting limit and a count of values checked before parsing, or an urlencoded form. Every step is linear in the body,
// and every failure is a PayloadError the endpoint answers with a 4xx naming what was wrong.
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

/**
 * An urlencoded form as an object of its fields (the last of repeated fields, except `links`).
 * One pass over the pairs: URLSearchParams.getAll scans them all, so a getAll per distinct name
 * would be quadratic in a body of many distinct fields.
 */
export function parseForm(text: string): Record<string, unknown> {
  const values = new Map<string, string>();
  const links: string[] = [];
  for (const [name, value] of new URLSearchParams(text)) {
    if (name === "links") links.push(value);
    else values.set(name, value);
  }
  const fields: Record<string, unknown> = {};
  const define = (name: string, value: unknown) =>
    Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
  for (const [name, value] of values) if (name !== "__proto__") define(name, value);
  if (links.length > 0) define("links", links);
  return fields;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
