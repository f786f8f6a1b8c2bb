// What each part of tocsin costs to load: time, CPU and RSS after importing each group of
// modules in order, in one process with npm start's compile cache (run it twice: the second run
// reads the cache). For deciding what to load lazily or bundle; it starts nothing.
//   node --expose-gc --max-semi-space-size=1 scripts/bench/module-memory.ts
// NOCACHE=1 leaves the compile cache off; ORDER=8,7,0 imports only those groups, in that order.
import { enableCompileCache } from "node:module";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
if (!process.env.NOCACHE) enableCompileCache(path.join(ROOT, "node_modules/.cache/tocsin-compile"));
const src = (file: string) => path.join(ROOT, "src", file);
const GROUPS: Array<[string, string[]]> = [
  [
    "config, lock, embedded pg, pg",
    [src("config.ts"), src("db/data-dir-lock.ts"), src("db/embedded-postgres.ts"), "pg"],
  ],
  ["logging (pino)", [src("logging.ts")]],
  ["prisma client + adapter", [src("generated/prisma/client.ts"), "@prisma/adapter-pg"]],
  ["db/database + migrate", [src("db/database.ts")]],
  ["commands/index", [path.join(ROOT, "commands/index.ts")]],
  ["app.ts (rest of tocsin)", [src("app.ts")]],
  [
    "main's remaining imports",
    [
      src("http/server.ts"),
      src("access/policy.ts"),
      src("chat/console/console-platform.ts"),
      src("oncall/config.ts"),
      src("bulletins/settings.ts"),
    ],
  ],
  ["slack platform (bolt)", [src("chat/slack/slack-platform.ts")]],
  ["matrix platform (sdk)", [src("chat/matrix/matrix-platform.ts")]],
];
const order = process.env.ORDER ? process.env.ORDER.split(",").map(Number) : GROUPS.map((_, i) => i);
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);
let last = process.memoryUsage();
console.log(`node started: rss ${mb(last.rss)} MB, heap ${mb(last.heapUsed)} MB`);
for (const i of order) {
  const [name, modules] = GROUPS[i]!;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const module of modules) await import(module);
  const cpu = process.cpuUsage(cpu0);
  const now = process.memoryUsage();
  console.log(
    `${name.padEnd(28)} ${(performance.now() - t0).toFixed(0).padStart(5)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(5)} ms, rss +${mb(now.rss - last.rss).padStart(5)} = ${mb(now.rss)} MB, heap ${mb(now.heapUsed)} MB, external ${mb(now.external)} MB`,
  );
  last = now;
}
if (globalThis.gc) {
  globalThis.gc();
  const now = process.memoryUsage();
  console.log(`after a full GC: rss ${mb(now.rss)} MB, heap ${mb(now.heapUsed)} of ${mb(now.heapTotal)} MB`);
}
process.exit(0);
