// The bench's list/show-at-scale part alone (measureIncidentScale, exactly as `npm run bench`
// runs it, and its table), for a machine too busy for the whole bench.
//   node scripts/bench/incident-scale-only.ts [times=10] [rounds=5] [sizes=10,10000,100000]
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { measureIncidentScale, printScaleTable, scaleGoal } from "./incident-scale.ts";

const times = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 5);
const sizes = (process.argv[4] ?? "10,10000,100000").split(",").map(Number);
const root = await mkdtemp(path.join(tmpdir(), "tocsin-scale-"));
// The embedded PostgreSQL runs as "postgres" when this runs as root: it must reach the directory.
await chmod(root, 0o755);
try {
  const started = performance.now();
  const points = await measureIncidentScale(path.join(root, "scale-postgres"), sizes, { times, rounds });
  printScaleTable(points, { times, rounds });
  const goal = scaleGoal(points);
  console.log(`\n${goal.goal}: ${goal.measured}: ${goal.met ? "met" : "NOT met"}`);
  console.log(`${((performance.now() - started) / 1000).toFixed(0)} s in all`);
} finally {
  await rm(root, { recursive: true, force: true });
}
