// Resumable multi-part posts. A bulletin run sends several things (each digest part's message,
// its signed file, a chart, notices); when one of them fails the job is retried, and without a
// record every retry would post the earlier parts again (a missing Slack scope once made seven
// copies of part 1 in two and a half minutes). Each step is recorded in the database as soon as
// the platform took it, and a retry skips what is recorded. How a step is sent is not this
// module's business: it only wraps the sending.
//
// At least once, never lost: a crash between sending a step and recording it repeats that one
// step. Steps are named by their content (a hash of the text), so a retry whose plan came out
// different (a source changed in between) posts the new content instead of skipping it.
import { createHash } from "node:crypto";
import type { Db, DbTransaction } from "../db/database.ts";

/** Runs the sending of one step, or skips it when it was done before. */
export interface PostSteps {
  run(step: string, send: () => Promise<unknown>): Promise<void>;
}

/** For posts that are not part of a job (commands answered in the room): every step is sent. */
export const SEND_EVERY_STEP: PostSteps = {
  async run(_step, send) {
    await send();
  },
};

/** `digest:3f2a…`: names a step by what it sends, the same on every retry of the same content. */
export function stepName(kind: string, content: string): string {
  return `${kind}:${createHash("sha256").update(content).digest("hex").slice(0, 16)}`;
}

/** The steps of one run (one job), recorded in `BulletinPostStep`. */
export class RecordedPostSteps implements PostSteps {
  readonly #db: Db;
  readonly #runKey: string;
  readonly #now: () => Date;
  readonly #done: Set<string>;
  #skipped = 0;

  private constructor(db: Db, runKey: string, now: () => Date, done: Set<string>) {
    this.#db = db;
    this.#runKey = runKey;
    this.#now = now;
    this.#done = done;
  }

  /** Reads what earlier attempts of the run already sent. */
  static async load(db: Db, runKey: string, now: () => Date): Promise<RecordedPostSteps> {
    const rows = await db.bulletinPostStep.findMany({ where: { runKey }, select: { step: true } });
    return new RecordedPostSteps(db, runKey, now, new Set(rows.map((row) => row.step)));
  }

  /** Steps an earlier attempt had sent and this one did not send again. */
  get skipped(): number {
    return this.#skipped;
  }

  async run(step: string, send: () => Promise<unknown>): Promise<void> {
    if (this.#done.has(step)) {
      this.#skipped++;
      return;
    }
    await send();
    await this.#db.bulletinPostStep.createMany({
      data: [{ runKey: this.#runKey, step, postedAt: this.#now() }],
      skipDuplicates: true,
    });
    this.#done.add(step);
  }

  /** Forgets the run's steps, in the transaction that completes its job. */
  async clear(tx: DbTransaction): Promise<void> {
    await tx.bulletinPostStep.deleteMany({ where: { runKey: this.#runKey } });
  }
}
