// What stands between the internet and Bolt. Bolt verifies signatures and the age of a
// request, but a signed body of `payload=null` or JSON `null` makes it throw outside any handler
// (an unhandled rejection), it reads bodies up to 4 MB, it accepts timestamps from the future,
// and it takes a request from any workspace whose app shares the signing secret. Every request
// passes here first, on the Slack ack thread (src/chat/slack/ack-thread.ts); only a well-formed,
// signed, current request from our own workspace is accepted, parsed once as Bolt would.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseQueryString } from "node:querystring";
import { ByteBudget, discardBody, readCappedBody } from "../../http/body-reader.ts";
import { sendText } from "../../http/server.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan, valueNestsDeeperThan } from "../json-nesting.ts";

/** Slack's own requests are a few KB; a large modal submission stays well below this. */
export const MAX_SLACK_BODY_BYTES = 512 * 1024;
/** Slack's rule for the age of a request, applied to the future too (Bolt checks only the past). */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/** The workspace tocsin is installed in, from `auth.test` at start. */
export interface SlackInstallation {
  teamId?: string;
  enterpriseId?: string;
  /** An org-wide install on Enterprise Grid: any workspace of the enterprise may call. */
  enterpriseInstall: boolean;
}

/** Where refusals are told (pino's shape; on the ack thread, a message to the main thread). */
export interface GateLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface GateOptions {
  /** Bytes of unverified bodies held at once (MAX_BUFFERED_SLACK_BYTES unless given; tests). */
  maxBufferedBytes?: number;
  signingSecret: string;
  installation(): SlackInstallation | undefined;
  log: GateLog;
  /** Seconds since the epoch; tests move it. */
  nowSeconds?: () => number;
}

/** `code`: the stable code a refusal is logged with, where tests and alerts key on it. */
type Refusal = { status: number; reason: string; code?: string };

/**
 * Bytes of not yet verified Slack bodies held at once, across connections. Slack's own bodies are
 * a few KB; without a bound, a flood of slow connections each sending up to MAX_SLACK_BODY_BYTES
 * would grow memory until the process dies. Past it a request is answered 503 (retry) unread.
 */
export const MAX_BUFFERED_SLACK_BYTES = 32 * 1024 * 1024;

/** A request that passed the gate: Slack's unsigned certificate check, or a signed body. */
export type VerifiedSlackRequest = { kind: "ssl_check" } | { kind: "signed"; body: SlackBody };

export function guardSlackRequests(
  accept: (request: VerifiedSlackRequest, req: IncomingMessage, res: ServerResponse) => void,
  options: GateOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const budget = new ByteBudget(options.maxBufferedBytes ?? MAX_BUFFERED_SLACK_BYTES);
  return async (req, res) => {
    const refused = (refusal: Refusal) => {
      options.log.warn(
        { status: refusal.status, reason: refusal.reason, code: refusal.code },
        "Slack request refused",
      );
      sendText(res, refusal.status, `${refusal.reason}\n`, undefined, { connection: "close" });
    };
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_SLACK_BODY_BYTES) {
      await discardBody(req);
      return refused(tooLarge());
    }
    const body = await readCappedBody(req, MAX_SLACK_BODY_BYTES, budget);
    // The client went away while sending: nobody to answer.
    if (body === "gone") return;
    if (body === "over budget") {
      options.log.warn({ status: 503 }, "Slack request refused: too many request bodies being read at once");
      sendText(res, 503, "busy: too many requests being read, retry\n", undefined, {
        connection: "close",
        "retry-after": "1",
      });
      req.destroy();
      return;
    }
    if (body === "too large") {
      await discardBody(req);
      return refused(tooLarge());
    }
    const text = body.toString("utf8");
    const contentType = String(req.headers["content-type"] ?? "")
      .split(";")[0]
      ?.trim();
    const form = contentType === "application/x-www-form-urlencoded";
    // Slack's certificate check is unsigned and carries nothing.
    if (form && parseQueryString(text).ssl_check === "1") return accept({ kind: "ssl_check" }, req, res);
    const problem = checkSignature(req, text, options);
    if (problem) return refused({ status: 401, reason: problem });
    const parsed = parseSlackBody(text, form);
    if (parsed === TOO_DEEP)
      return refused({
        status: 400,
        reason: `request body nested deeper than ${MAX_JSON_DEPTH} levels`,
        code: "slack.body_too_deep",
      });
    if (!parsed) return refused({ status: 400, reason: "malformed request body" });
    if (parsed.type !== "url_verification") {
      const foreign = foreignWorkspace(parsed, options.installation());
      if (foreign) return refused({ status: 403, reason: foreign });
    }
    accept({ kind: "signed", body: parsed }, req, res);
  };
}

function tooLarge(): Refusal {
  return { status: 413, reason: `request body larger than ${MAX_SLACK_BODY_BYTES} bytes` };
}

/** Slack's v0 signature over `v0:<timestamp>:<body>`, with the timestamp within 5 minutes. */
function checkSignature(req: IncomingMessage, body: string, options: GateOptions): string | undefined {
  const timestampHeader = req.headers["x-slack-request-timestamp"];
  const signature = req.headers["x-slack-signature"];
  if (typeof timestampHeader !== "string" || typeof signature !== "string") return "unsigned request";
  if (!/^\d{1,12}$/.test(timestampHeader)) return "bad request timestamp";
  const timestamp = Number(timestampHeader);
  const now = options.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
  if (timestamp > now + MAX_CLOCK_SKEW_SECONDS) return "request timestamp in the future";
  if (timestamp < now - MAX_CLOCK_SKEW_SECONDS) return "stale request timestamp";
  const expected = `v0=${createHmac("sha256", options.signingSecret).update(`v0:${timestampHeader}:${body}`).digest("hex")}`;
  const given = Buffer.from(signature);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted) ? undefined : "bad signature";
}

export type SlackBody = Record<string, unknown>;

/** A signed body whose JSON nests deeper than MAX_JSON_DEPTH: refused before it is parsed. */
export const TOO_DEEP = "too deep";

/**
 * The body as Bolt will read it, or undefined when it is not an object (`null`, `[]`, `1`, junk).
 * Its JSON's depth is checked first (linear): a deep body would overflow the structured clone
 * that carries it to the main thread, and every recursive walk after it.
 */
export function parseSlackBody(text: string, form: boolean): SlackBody | typeof TOO_DEEP | undefined {
  try {
    if (form) {
      const fields = parseQueryString(text);
      if (fields.payload === undefined) return fields as SlackBody;
      if (typeof fields.payload !== "string") return undefined;
      return nestsDeeperThan(fields.payload) ? TOO_DEEP : asObject(JSON.parse(fields.payload));
    }
    return nestsDeeperThan(text) ? TOO_DEEP : asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): SlackBody | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as SlackBody)
    : undefined;
}

function field(value: unknown, key: string): string | undefined {
  const inner = asObject(value)?.[key];
  return typeof inner === "string" && inner ? inner : undefined;
}

/**
 * Why a request does not come from the installation's workspace, or undefined when it does.
 * Commands carry `team_id`/`enterprise_id`, interactivity `team.id`/`enterprise.id` (a view
 * `view.team_id`), events `team_id`/`enterprise_id`.
 */
export function foreignWorkspace(
  body: SlackBody,
  installation: SlackInstallation | undefined,
): string | undefined {
  if (!installation) return "not ready for Slack requests yet";
  const team =
    field(body, "team_id") ??
    field(body.team, "id") ??
    field(body.view, "team_id") ??
    field(body.user, "team_id");
  const enterprise = field(body, "enterprise_id") ?? field(body.enterprise, "id");
  if (installation.enterpriseInstall) {
    return enterprise && enterprise === installation.enterpriseId
      ? undefined
      : "request from outside the installation's enterprise";
  }
  if (!team || team !== installation.teamId) return "request from another workspace";
  if (enterprise && enterprise !== installation.enterpriseId) return "request from another enterprise";
  // In a Slack Connect channel the request names the host workspace, but the person acting may
  // belong to another organisation: their own team decides (they get no role by default).
  const actorTeams = [
    field(body.user, "team_id"),
    field(body, "user_team"),
    field(body.event, "user_team"),
    field(body.event, "source_team"),
  ].filter((value): value is string => value !== undefined);
  if (actorTeams.some((actorTeam) => actorTeam !== installation.teamId)) {
    return "request from a person of another workspace (Slack Connect)";
  }
  return undefined;
}

/**
 * Bolt middleware for Socket Mode, where no HTTP request passes the gate: the same checks (the
 * depth of a body the Socket Mode client already parsed is counted on the value).
 */
export function workspaceMiddleware(installation: () => SlackInstallation | undefined, log: GateLog) {
  return async (args: {
    body: unknown;
    ack?: (() => Promise<void>) | undefined;
    next: () => Promise<void>;
  }) => {
    const body = asObject(args.body);
    const tooDeep = body !== undefined && valueNestsDeeperThan(body);
    const foreign = tooDeep
      ? `request body nested deeper than ${MAX_JSON_DEPTH} levels`
      : body
        ? foreignWorkspace(body, installation())
        : "malformed request body";
    if (!foreign) {
      await args.next();
      return;
    }
    log.warn({ reason: foreign, code: tooDeep ? "slack.body_too_deep" : undefined }, "Slack request refused");
    // Acknowledged so Slack does not redeliver it; nothing runs.
    await args.ack?.();
  };
}
