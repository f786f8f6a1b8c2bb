// The heap growing factor tocsin sets (src/lifecycle/heap-growth.ts) takes effect: after a full
// collection, V8's old-generation limit is the fixed factor's, not the one V8 picks itself (which
// for this small, cheaply collected heap is larger). Read from V8's own trace of the collection.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "vitest";
import { HEAP_GROWING_PERCENT } from "../../src/lifecycle/heap-growth.ts";

const MODULE = path.resolve(import.meta.dirname, "../../src/lifecycle/heap-growth.ts");

/** The old generation's size after a full collection and the limit V8 set from it. */
function limitAfterFullCollection(withSetting: boolean): { live: number; limit: number } {
  const script = `
    ${withSetting ? `(await import(${JSON.stringify(MODULE)})).setHeapGrowth();` : ""}
    const live = [];
    for (let i = 0; i < 200_000; i++) live.push({ i, text: "item " + i });
    globalThis.gc();
    globalThis.gc();
    process.stdout.write("kept " + live.length + "\\n");`;
  const run = spawnSync(
    process.execPath,
    ["--expose-gc", "--trace-gc-nvp", "--input-type=module", "--eval", script],
    { encoding: "utf8", timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  const last = run.stdout
    .split("\n")
    .filter((line) => line.includes("gc=mc"))
    .at(-1);
  const field = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(last ?? "")?.[1]);
  return { live: field("end_object_size"), limit: field("old_gen_allocation_limit") };
}

test("the old generation's limit follows the fixed growing factor, not V8's own", () => {
  const factor = 1 + HEAP_GROWING_PERCENT / 100;
  const own = limitAfterFullCollection(false);
  const fixed = limitAfterFullCollection(true);
  expect(fixed.live).toBeGreaterThan(10_000_000);
  // V8 adds a step on top of live x factor; the fixed factor's limit stays well under V8's own.
  expect(fixed.limit).toBeGreaterThanOrEqual(fixed.live * factor);
  expect(fixed.limit).toBeLessThan(fixed.live * (factor + 1));
  expect(own.limit).toBeGreaterThan(fixed.limit);
});
