// Reading a request body into memory, capped: per request (`limit`, past which it is refused as
// too large) and, optionally, across requests (a `ByteBudget` shared by the requests of one
// endpoint family, past which a request is refused unread). Without the shared bound a flood of
// slow connections, each sending up to the per-request limit, would grow memory until the
// process dies; with it, memory held by bodies not yet read through is at most the budget.
// Used by the Slack gate (src/chat/slack/request-gate.ts) and the alert endpoints
// (src/alerts/intake/body.ts), on whichever thread serves them.
import type { IncomingMessage } from "node:http";

/** A count of bytes held, shared by the requests one endpoint family reads. */
export class ByteBudget {
  #used = 0;
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  take(bytes: number): boolean {
    if (this.#used + bytes > this.#limit) return false;
    this.#used += bytes;
    return true;
  }
  give(bytes: number): void {
    this.#used -= bytes;
  }
  /** Bytes held now (tests, diagnostics). */
  get used(): number {
    return this.#used;
  }
}

/**
 * The body; "too large" once it grows past `limit` (a declared Content-Length over it is refused
 * before reading anything), "over budget" when the budget cannot hold its next chunk (then the
 * rest is not read), "gone" when the client went away mid-body. Its bytes go back to the budget
 * once the outcome is known: the caller holds them from then on, bounded by the requests it
 * lets in at once.
 */
export function readCappedBody(
  req: IncomingMessage,
  limit: number,
  budget?: ByteBudget,
): Promise<Buffer | "too large" | "over budget" | "gone"> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve("too large");
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: Buffer | "too large" | "over budget" | "gone") => {
      if (settled) return;
      settled = true;
      budget?.give(size);
      req.off("data", onData);
      req.off("close", onClose);
      req.off("error", onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) {
        req.pause();
        settle("too large");
        return;
      }
      if (budget && !budget.take(chunk.length)) {
        req.pause();
        settle("over budget");
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    };
    // A client that goes away mid-body (an "aborted" error, then close): its bytes are given
    // back, and nobody is answered.
    const onClose = () => settle("gone");
    req.on("data", onData);
    req.once("end", () => settle(Buffer.concat(chunks, size)));
    req.on("error", onClose);
    req.once("close", onClose);
  });
}

/**
 * Reads and drops what a refused sender is still sending, within bounds, before the refusal: a
 * server that answers and closes while the client writes makes the client's kernel reset the
 * connection, and the sender never reads why. Past the bounds the answer goes out anyway.
 */
export function discardBody(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off("data", onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DISCARD_LIMIT_BYTES) done();
    };
    const timer = setTimeout(done, DISCARD_LIMIT_MS);
    req.on("data", onData);
    req.once("end", done);
    req.once("error", done);
    req.resume();
  });
}

const DISCARD_LIMIT_BYTES = 32 * 1024 * 1024;
const DISCARD_LIMIT_MS = 3_000;
