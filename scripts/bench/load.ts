// The load generator: signed Slack slash commands over keep-alive HTTP, open-loop (Poisson
// arrivals at a fixed rate, sent whether or not earlier ones finished) or closed-loop (N clients,
// each sending its next command once the last one was answered). Every command sent is one
// sample: acked (HTTP 200) and answered, or counted as an HTTP error, busy, refused or timeout.
import { createHmac, randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { ORIGIN_CHANNEL, TEAM_ID, type Verdict } from "./slack-double.ts";

export const SIGNING_SECRET = "bench-signing-secret";
/** A command not answered this long after it was sent counts as a timeout. */
export const ANSWER_TIMEOUT_MS = 10_000;

export type Kind = "note" | "status" | "list" | "show" | "declare";

export interface Sample {
  kind: Kind;
  /** Send to HTTP response (Slack's ack). */
  ackMs?: number;
  /** Send to the command's first answer at the Slack double (tocsin only). */
  answerMs?: number;
  outcome: "ok" | "busy" | "refused" | "http-error" | "timeout";
}

/** Where answers arrive (the doubles' process): waits for a command id's first answer. */
export class Answers {
  readonly #waiting = new Map<number, (at: number, verdict: Verdict) => void>();
  readonly #early = new Map<number, [number, Verdict]>();

  deliver(id: number, at: number, verdict: Verdict): void {
    const wake = this.#waiting.get(id);
    if (wake) {
      this.#waiting.delete(id);
      wake(at, verdict);
    } else {
      this.#early.set(id, [at, verdict]);
    }
  }

  wait(id: number, timeoutMs: number): Promise<[number, Verdict] | undefined> {
    const early = this.#early.get(id);
    if (early) {
      this.#early.delete(id);
      return Promise.resolve(early);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.#waiting.set(id, (at, verdict) => {
        clearTimeout(timer);
        resolve([at, verdict]);
      });
    });
  }

  get outstanding(): number {
    return this.#waiting.size;
  }
}

export interface Target {
  name: string;
  url: string;
  /** tocsin answers at the Slack double; the floor only acks. */
  answers: boolean;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
let nextId = 1;
const now = () => performance.timeOrigin + performance.now();

/** Which command to send next: a declare every 20th, else notes, status changes, lists, shows. */
export class Workload {
  readonly #noteIncidents: string[];
  readonly #statusIncidents = new Map<
    string,
    { status: "investigating" | "contained"; busy: boolean; retired: boolean }
  >();
  #n = 0;

  constructor(noteIncidents: string[], statusIncidents: string[]) {
    this.#noteIncidents = noteIncidents;
    for (const id of statusIncidents)
      this.#statusIncidents.set(id, { status: "investigating", busy: false, retired: false });
  }

  /** The next command's text for id `id`; `settle` is called with its outcome. */
  next(id: number): { kind: Kind; text: string; settle(outcome: Sample["outcome"]): void } {
    const n = this.#n++;
    const none = () => {};
    const incident = this.#noteIncidents[n % this.#noteIncidents.length] ?? "";
    if (n % 20 === 19) return { kind: "declare", text: `declare "Load bq${id}q" sev:3`, settle: none };
    const slot = n % 10;
    if (slot < 4) return { kind: "note", text: `note ${incident} load note bq${id}q`, settle: none };
    if (slot < 6) {
      // One status change per incident at a time, alternating, so every change is a valid one.
      for (const [publicId, state] of this.#statusIncidents) {
        if (state.busy || state.retired) continue;
        state.busy = true;
        const to = state.status === "investigating" ? "contained" : "investigating";
        return {
          kind: "status",
          text: `status ${publicId} ${to}`,
          settle: (outcome) => {
            state.busy = false;
            if (outcome === "ok") state.status = to;
            // Unanswered: whether it applied is unknown, so this incident takes no more changes.
            if (outcome === "timeout" || outcome === "http-error") state.retired = true;
          },
        };
      }
    }
    if (slot < 8) return { kind: "list", text: "list", settle: none };
    return { kind: "show", text: `show ${incident}`, settle: none };
  }
}

export interface Sender {
  target: Target;
  slackBase: string;
  answers: Answers;
}

/** Sends one command and resolves with its sample (never rejects). */
export async function sendCommand(sender: Sender, kind: Kind, text: string, id: number): Promise<Sample> {
  const fields = new URLSearchParams({
    token: "deprecated",
    team_id: TEAM_ID,
    team_domain: "bench",
    channel_id: ORIGIN_CHANNEL,
    channel_name: "soc",
    user_id: "U0ALICE",
    user_name: "alice",
    command: "/inc",
    text,
    api_app_id: "A0TOCSIN",
    is_enterprise_install: "false",
    response_url: `${sender.slackBase}/response/${id}`,
    trigger_id: `${id}.${randomBytes(6).toString("hex")}`,
  }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac("sha256", SIGNING_SECRET).update(`v0:${timestamp}:${fields}`).digest("hex")}`;
  const answered = sender.target.answers ? sender.answers.wait(id, ANSWER_TIMEOUT_MS) : undefined;
  const sentAt = now();
  const status = await post(sender.target.url, fields, {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": signature,
  });
  const ackMs = now() - sentAt;
  if (status !== 200) {
    // Its answer is not waited for; a late one is ignored.
    return { kind, ackMs, outcome: "http-error" };
  }
  if (!answered) return { kind, ackMs, outcome: "ok" };
  const answer = await answered;
  if (!answer) return { kind, ackMs, outcome: "timeout" };
  const [at, verdict] = answer;
  return { kind, ackMs, answerMs: at - sentAt, outcome: verdict };
}

function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        timeout: ANSWER_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end(body);
  });
}

export function newId(): number {
  return nextId++;
}

/** Poisson arrivals at `rate` per second for `seconds`; resolves when every sample is in. */
export async function openLoop(
  sender: Sender,
  workload: Workload,
  rate: number,
  seconds: number,
): Promise<Sample[]> {
  const samples: Array<Promise<Sample>> = [];
  const start = performance.now();
  let due = 0;
  for (;;) {
    due += -Math.log(1 - Math.random()) * (1000 / rate);
    if (due >= seconds * 1000) break;
    const wait = start + due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = newId();
    const next = workload.next(id);
    samples.push(
      sendCommand(sender, next.kind, next.text, id).then((sample) => {
        next.settle(sample.outcome);
        return sample;
      }),
    );
  }
  return Promise.all(samples);
}

/** `clients` each send, wait for the answer (tocsin) or the ack (floor), and send again. */
export async function closedLoop(
  sender: Sender,
  workload: Workload,
  clients: number,
  seconds: number,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const id = newId();
        const next = workload.next(id);
        const sample = await sendCommand(sender, next.kind, next.text, id);
        next.settle(sample.outcome);
        samples.push(sample);
      }
    }),
  );
  return samples;
}
