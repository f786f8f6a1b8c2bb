// A small Slack Web API double for the benchmark (the test suite has a fuller one in
// test/doubles; scripts do not import tests). It answers every method tocsin calls with what
// Slack would, keeps only what later calls need (channels by name), and reports the first
// answer to each benchmark command: a command carries its id in its response_url path
// (/response/<id>) and, where a reply is posted to a channel instead, as a marker `bq<id>q` in
// the text (declare titles). Alert pages are seen the same way: a direct message (a `D...`
// channel) whose text carries an alert's marker `ba<id>a` reports that alert's page delivered;
// every direct message is counted per channel (calls `dm:<channel>`), so a notification storm
// shows.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const BOT_TOKEN = "xoxb-bench-token";
export const TEAM_ID = "T0BENCH";
export const BOT_USER_ID = "U0TOCSIN";
export const MARKER = /bq(\d+)q/;
/** The marker an alert's summary carries in the benchmark (scripts/bench/alert-load.ts). */
export const PAGE_MARKER = /ba(\d+)a/;
/** Where the benchmark types its commands. */
export const ORIGIN_CHANNEL = "C0SOC";
export const BUSY_MARK = "busy right now";

export type Verdict = "ok" | "busy" | "refused";

/** The first answer seen for a command id: when it arrived and what it said (refusals' text). */
export type OnAnswer = (id: number, at: number, verdict: Verdict, text?: string) => void;
/** The first direct message carrying alert marker `id`: when it arrived. */
export type OnPage = (id: number, at: number) => void;

export class BenchSlackDouble {
  readonly #server: Server;
  readonly #onAnswer: OnAnswer;
  readonly #onPage: OnPage;
  readonly #answered = new Set<number>();
  readonly #paged = new Set<number>();
  readonly #channels = new Map<string, string>();
  readonly calls = new Map<string, number>();
  #counter = 0;

  private constructor(server: Server, onAnswer: OnAnswer, onPage: OnPage) {
    this.#server = server;
    this.#onAnswer = onAnswer;
    this.#onPage = onPage;
    server.on("request", (req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
      });
    });
  }

  static async start(onAnswer: OnAnswer, onPage: OnPage = () => {}): Promise<BenchSlackDouble> {
    const server = createServer({ keepAliveTimeout: 30_000 });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return new BenchSlackDouble(server, onAnswer, onPage);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Forgets which ids were answered (between runs whose ids restart). */
  reset(): void {
    this.#answered.clear();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const at = performance.timeOrigin + performance.now();
    const path = req.url ?? "/";
    if (path.startsWith("/response/")) {
      // Counted with the Web API's methods: an answer is an outbound call too.
      this.calls.set("response_url", (this.calls.get("response_url") ?? 0) + 1);
      this.#answer(Number(path.slice("/response/".length)), at, raw);
      return sendJson(res, { ok: true });
    }
    if (!path.startsWith("/api/")) return sendJson(res, { ok: false, error: "unknown_path" }, 404);
    const method = path.slice("/api/".length).split("?")[0] ?? "";
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const params = parseParams(raw, req.headers["content-type"] ?? "");
    // A reply in the channel the command was typed in (a declare's announcement), not the
    // incident room's summary, which carries the same title earlier.
    if (
      (method === "chat.postMessage" || method === "chat.postEphemeral") &&
      params.channel === ORIGIN_CHANNEL
    ) {
      const id = MARKER.exec(raw)?.[1];
      if (id !== undefined) this.#answer(Number(id), at, raw);
    }
    if (method === "chat.postMessage" && String(params.channel ?? "").startsWith("D")) {
      const dm = `dm:${String(params.channel)}`;
      this.calls.set(dm, (this.calls.get(dm) ?? 0) + 1);
      const id = Number(PAGE_MARKER.exec(raw)?.[1]);
      if (Number.isFinite(id) && !this.#paged.has(id)) {
        this.#paged.add(id);
        this.#onPage(id, at);
      }
    }
    sendJson(res, { ok: true, ...this.#result(method, params) });
  }

  #answer(id: number, at: number, body: string): void {
    if (!Number.isFinite(id) || this.#answered.has(id)) return;
    this.#answered.add(id);
    const verdict: Verdict = body.includes(BUSY_MARK) ? "busy" : body.includes("⚠️") ? "refused" : "ok";
    this.#onAnswer(id, at, verdict, verdict === "refused" ? refusalText(body) : undefined);
  }

  #result(method: string, p: Record<string, unknown>): Record<string, unknown> {
    const channel = String(p.channel ?? p.channel_id ?? "C0SOC");
    switch (method) {
      case "auth.test":
        return {
          url: "https://bench.slack.com/",
          team: "bench",
          user: "tocsin",
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: "B0TOCSIN",
        };
      case "users.info": {
        const id = String(p.user ?? "");
        const name = id.toLowerCase();
        return {
          user: {
            id,
            team_id: TEAM_ID,
            name,
            real_name: name,
            profile: { real_name: name, display_name: name },
          },
        };
      }
      case "conversations.create": {
        const name = String(p.name ?? "");
        let id = this.#channels.get(name);
        if (!id) {
          id = `C${String(++this.#counter).padStart(8, "0")}`;
          this.#channels.set(name, id);
        }
        return { channel: channelJson(id, name) };
      }
      case "conversations.info":
      case "conversations.invite":
      case "conversations.setTopic":
        return { channel: channelJson(channel, channel.toLowerCase()) };
      case "conversations.open":
        return { channel: { id: `D${String(p.users ?? "").slice(0, 12)}` } };
      case "chat.postMessage":
      case "chat.update":
        return { channel, ts: this.#ts(), message: { ts: this.#ts(), text: "" } };
      case "chat.postEphemeral":
        return { message_ts: this.#ts() };
      case "conversations.history":
      case "conversations.replies":
        return { messages: [], has_more: false };
      default:
        return {};
    }
  }

  #ts(): string {
    this.#counter++;
    return `${1_767_225_600 + this.#counter}.${String(this.#counter).padStart(6, "0")}`;
  }
}

/** The refusal's sentence, for the report (the first text after the warning sign). */
function refusalText(body: string): string {
  const at = body.indexOf("⚠️");
  return body.slice(at, at + 160).split(/\\n|"/)[0] ?? "";
}

function channelJson(id: string, name: string): Record<string, unknown> {
  return {
    id,
    name,
    is_channel: true,
    is_group: false,
    is_private: false,
    is_archived: false,
    is_ext_shared: false,
    is_shared: false,
    topic: { value: "" },
    num_members: 2,
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function parseParams(raw: string, contentType: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.includes("application/json")) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}
