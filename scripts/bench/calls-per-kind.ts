// Outbound calls per command kind through the real Slack path: Web API methods the Slack double
// counted, and answers posted to a command's response_url, per command, for the bench's kinds
// (declare, note, status, list, show) and a few changes that leave the topic as it is (task, class).
// A count, not a time: it does not depend on how busy the machine is.
//
//   node scripts/bench/calls-per-kind.ts [commands per kind=20]

import { rm } from "node:fs/promises";
import path from "node:path";
import { slackSender, startCommandRig } from "./command-rig.ts";
import { newId, sendCommand } from "./load.ts";
import { startTocsin, untilReady } from "./processes.ts";

const perKind = Number(process.argv[2] ?? 20);
const rig = await startCommandRig("calls");
const { dataRoot, doubles, port, env } = rig;
const tocsin = startTocsin("node", env, path.join(dataRoot, "tocsin.log"));

/** The double's counts once they stopped moving (a change's summary and topic follow its answer). */
async function settledCalls(): Promise<Record<string, number>> {
  let last = JSON.stringify(await doubles.calls());
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    const now = await doubles.calls();
    if (JSON.stringify(now) === last) return now;
    last = JSON.stringify(now);
  }
}

try {
  await untilReady(port, tocsin.child, performance.now());
  const sender = slackSender(rig);
  const year = new Date().getUTCFullYear();
  const publicId = (n: number) => `INC-${year}-${String(n).padStart(4, "0")}`;
  const declare = (id: number) => `declare "Calls bq${id}q" sev:3`;
  for (let i = 0; i < 2; i++) {
    const id = newId();
    await sendCommand(sender, "declare", declare(id), id);
  }
  const incident = publicId(1);
  let status: "investigating" | "contained" = "contained";
  const kinds: Array<[string, (id: number) => string]> = [
    ["declare", declare],
    ["note", (id) => `note ${incident} a note bq${id}q`],
    [
      "status",
      () => {
        status = status === "investigating" ? "contained" : "investigating";
        return `status ${incident} ${status}`;
      },
    ],
    ["list", () => "list"],
    ["show", () => `show ${incident}`],
    ["task", (id) => `task ${incident} a task bq${id}q`],
    ["class", (id) => `class ${incident} ${id % 2 ? "phishing" : "intrusions/system-compromise"}`],
  ];
  console.log(`Outbound calls per command (${perKind} of each kind, one at a time):`);
  for (const [kind, text] of kinds) {
    const before = await settledCalls();
    let ok = 0;
    for (let i = 0; i < perKind; i++) {
      const id = newId();
      const sample = await sendCommand(sender, kind as never, text(id), id);
      if (sample.outcome === "ok") ok++;
    }
    const after = await settledCalls();
    const per = Object.entries(after)
      .map(([method, n]) => [method, (n - (before[method] ?? 0)) / perKind] as const)
      .filter(([method, n]) => n > 0 && !method.startsWith("dm:"))
      .map(([method, n]) => `${method} ${n.toFixed(2)}`);
    const total = Object.entries(after)
      .filter(([method]) => !method.startsWith("dm:"))
      .reduce((sum, [method, n]) => sum + n - (before[method] ?? 0), 0);
    console.log(
      `  ${kind.padEnd(8)} ${(total / perKind).toFixed(2)} calls (${ok}/${perKind} answered ok): ${per.join(", ")}`,
    );
  }
} finally {
  await tocsin.stop();
  await doubles.stop();
  await rm(dataRoot, { recursive: true, force: true });
}
