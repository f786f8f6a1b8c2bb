// The platforms start together (Slack's auth.test and Matrix's first sync wait on different
// servers), yet no command is handled before every platform started, and a platform that fails
// to start stops those that did before the failure is reported.
import { PassThrough, Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { accessPolicy } from "../../src/access/policy.ts";
import { type App, createApp } from "../../src/app.ts";
import { ConsolePlatform } from "../../src/chat/console/console-platform.ts";
import type { InvocationHandler } from "../../src/chat/invocation.ts";
import { ManualClock } from "../../src/clock.ts";
import { silentLogger } from "../../src/logging.ts";
import { createTestDatabase, type TestDatabase } from "../database.ts";
import { PigeonPlatform } from "../support/fake-platform/index.ts";

/** A Pigeon whose start waits until the test lets it finish (or fail). */
class HeldPigeon extends PigeonPlatform {
  readonly calledStart: Promise<void>;
  #called!: () => void;
  #finish!: (error?: Error) => void;
  readonly #held: Promise<void>;
  readonly events: string[];

  constructor(events: string[]) {
    super();
    this.events = events;
    this.calledStart = new Promise((resolve) => {
      this.#called = resolve;
    });
    this.#held = new Promise((resolve, reject) => {
      this.#finish = (error) => (error ? reject(error) : resolve());
    });
  }

  override async start(onInvocation: InvocationHandler): Promise<void> {
    await super.start(onInvocation);
    this.#called();
    await this.#held;
    this.events.push("pigeon started");
  }

  finishStart(error?: Error): void {
    this.#finish(error);
  }
}

let db: TestDatabase;
let app: App | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await app?.stop();
  app = undefined;
});
afterAll(async () => {
  await db?.close();
});

function desk(events: string[]) {
  const pigeon = new HeldPigeon(events);
  const console = new ConsolePlatform({
    input: new PassThrough(),
    output: new Writable({ write: (_chunk, _encoding, done) => done() }),
    interactive: false,
    user: "alice",
  });
  app = createApp({
    db: db.prisma,
    clock: new ManualClock("2026-03-10T09:00:00Z"),
    log: silentLogger,
    // The held one first: a start in sequence would not start the console before it finished.
    platforms: [pigeon, console],
    runJobs: false,
    permissions: accessPolicy(db.prisma, {}),
  });
  return { app, pigeon, console };
}

describe("the platforms' start", () => {
  it("starts every platform at once and handles what arrives meanwhile once all have started", async () => {
    const events: string[] = [];
    const { app, pigeon, console } = desk(events);
    const consoleStart = vi.spyOn(console, "start");
    const starting = app.start();
    await pigeon.calledStart;
    // The console's start was called while the Pigeon's is still held.
    expect(consoleStart).toHaveBeenCalledTimes(1);
    const answered = pigeon.send("alice", "&general", "/inc list").then(() => events.push("answered"));
    // The barrier: settled() waits for every command the intake took. Had the command gone in
    // already, it would resolve only once the command was answered.
    await app.settled();
    events.push("nothing handled yet");
    pigeon.finishStart();
    await starting;
    await answered;
    expect(events).toEqual(["nothing handled yet", "pigeon started", "answered"]);
    expect(pigeon.lines).toHaveLength(1);
  });

  it("stops the platforms that started when another fails, and reports that one's failure", async () => {
    const { app, pigeon, console } = desk([]);
    const consoleStop = vi.spyOn(console, "stop");
    const starting = app.start();
    await pigeon.calledStart;
    pigeon.finishStart(new Error("the pigeon loft is locked"));
    await expect(starting).rejects.toThrow("the pigeon loft is locked");
    expect(consoleStop).toHaveBeenCalledTimes(1);
  });
});
