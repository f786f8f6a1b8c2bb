// What the command-measuring scripts set up before starting tocsin: a data directory of their
// own, the Slack/Matrix doubles with their answers delivered to one `Answers`, a free port and
// tocsin's environment against the doubles.
import { chmod, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import { Answers } from "./load.ts";
import { type Doubles, startDoubles, tocsinEnv } from "./processes.ts";

export interface CommandRig {
  dataRoot: string;
  doubles: Doubles;
  answers: Answers;
  port: number;
  env: Record<string, string>;
  /** When the doubles last delivered an answer (performance.now()). */
  lastAnswerAt: number;
}

/** The rig, its data directory named `tocsin-<name>-…` under the system's temporary folder. */
export async function startCommandRig(name: string): Promise<CommandRig> {
  const dataRoot = await mkdtemp(path.join(tmpdir(), `tocsin-${name}-`));
  await chmod(dataRoot, 0o755);
  const doubles = await startDoubles();
  const answers = new Answers();
  const port = await freeLoopbackPort();
  const rig: CommandRig = {
    dataRoot,
    doubles,
    answers,
    port,
    env: tocsinEnv(path.join(dataRoot, "tocsin"), port, doubles),
    lastAnswerAt: performance.now(),
  };
  doubles.onAnswers((batch) => {
    rig.lastAnswerAt = performance.now();
    for (const [id, at, verdict] of batch) answers.deliver(id, at, verdict as never);
  });
  return rig;
}

/** Signed slash commands to tocsin's Slack endpoint, answered through the rig's doubles. */
export function slackSender(rig: CommandRig) {
  return {
    target: { name: "tocsin", url: `http://127.0.0.1:${rig.port}/slack/events`, answers: true },
    slackBase: rig.doubles.slackBase,
    answers: rig.answers,
  };
}
