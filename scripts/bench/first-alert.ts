// The first alerts after a start: tocsin (npm start's command, Slack + Matrix on the bench's
// doubles, an on-call file with an Alertmanager integration) restarted N times on one data
// directory; at each, as soon as /readyz answers 200, one Alertmanager post of a new group, then
// a second one, each timed from send to its answer (a 202 after the commit), and the Slack ack
// thread's CPU for the first (the schemas it builds on first use would show there). Wall times
// on a shared machine are indicative; the point is whether a first alert stalls.
//   node scripts/bench/first-alert.ts [starts=5]
import { rm } from "node:fs/promises";
import path from "node:path";
import { alertmanagerBody, fingerprintOf, postAlert } from "./alert-load.ts";
import { AM_KEY, alertRig } from "./alerts.ts";
import { startTocsin, untilReady } from "./processes.ts";
import { percentile } from "./stats.ts";

const STARTS = Number(process.argv[2] ?? 5);
const { root, doubles, port, env } = await alertRig("tocsin-first-alert-", "");
const url = `http://127.0.0.1:${port}/alerts/alertmanager/${AM_KEY}`;
const first: number[] = [];
const second: number[] = [];
let group = 0;
const post = async () => {
  group++;
  const sample = await postAlert({
    url,
    body: alertmanagerBody(`FirstAlert${group}`, `First alert ${group}`, [
      { fingerprint: fingerprintOf(30_000_000 + group), status: "firing" },
    ]),
  });
  if (sample.status !== 202) throw new Error(`alert refused: HTTP ${sample.status}`);
  return sample.ms;
};

try {
  // The first start creates the cluster and applies the migrations: not measured.
  const initial = startTocsin("node", env, path.join(root, "first.log"));
  await untilReady(port, initial.child, performance.now());
  await initial.stop();
  for (let i = 0; i < STARTS; i++) {
    const tocsin = startTocsin("node", env, path.join(root, `start-${i}.log`));
    await untilReady(port, tocsin.child, performance.now());
    first.push(await post());
    second.push(await post());
    console.log(
      `start ${i + 1}: first alert ${first.at(-1)!.toFixed(1)} ms, second ${second.at(-1)!.toFixed(1)} ms`,
    );
    await tocsin.stop();
  }
  const line = (name: string, values: number[]) =>
    `${name}: min ${Math.min(...values).toFixed(1)} / median ${percentile(values, 50).toFixed(1)} / max ${Math.max(...values).toFixed(1)} ms`;
  console.log(line("first alert after ready", first));
  console.log(line("second alert", second));
} finally {
  await doubles.stop();
  await rm(root, { recursive: true, force: true });
}
