// Work done on the HTTP edge (the thread that owns the public port, src/chat/slack/ack-thread*.ts)
// and finished on the main thread, by message rather than by a second HTTP hop. A main-thread
// part registers a `HandOff` on the HTTP server (server.handOff); the edge runs the part's
// `EdgeSide` (named in edge-sides.ts), which reads, caps, parses and checks a request there and
// hands the main thread a plain, already validated structure; the main thread's answer comes
// back by message and the edge writes it. Work moved to the edge costs the main thread's event
// loop, which every request and job shares, nothing; a part whose answer is a commit and nothing
// else (the alert intake) may even commit there, on a pool of its own, and only tell the main
// thread what it did (src/alerts/intake/edge.ts).
import type { IncomingMessage, ServerResponse } from "node:http";

/** An answer the edge writes as it is (a JSON body, already serialised). */
export interface EdgeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The main thread's side of an edge part. */
export interface HandOff {
  /** Plain data the edge side needs (structured-cloned to the thread when it starts). */
  setup(): unknown;
  /** Calls `listener` whenever setup() changes (the edge gets the new one). */
  onSetupChange(listener: () => void): void;
  /** A request the edge prepared; resolves with its answer (never rejects). */
  handle(request: unknown): Promise<EdgeAnswer>;
  /** Something the edge answered itself, told here (metrics live on the main thread). */
  note(note: unknown): void;
  /**
   * The edge thread started with `setup` has ended (died, or closed): what it held in shared
   * memory is given back here, since its own cleanup may never have run.
   */
  threadEnded(setup: unknown): void;
}

/** Where edge logs go (on the edge thread, messages to the main thread's logger). */
export interface EdgeLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** What an edge side may do with the main thread. */
export interface EdgeLink {
  handOff(request: unknown): Promise<EdgeAnswer>;
  note(note: unknown): void;
  log: EdgeLog;
}

/** The edge thread's side of a part. */
export interface EdgeSide {
  /** Whether this request is this side's to serve (else it goes on to the main thread's server). */
  serves(method: string | undefined, url: URL): boolean;
  serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** The main thread's setup() changed. */
  update(setup: unknown): void;
  /** The thread is closing (its server closed): finish what was taken in, release what is held. */
  close?(): Promise<void>;
}

export type EdgeSideFactory = (setup: unknown, link: EdgeLink) => EdgeSide;

export function writeEdgeAnswer(res: ServerResponse, answer: EdgeAnswer): void {
  res.writeHead(answer.status, answer.headers).end(answer.body);
}
