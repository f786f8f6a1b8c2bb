// The heap growing factor tocsin sets (src/lifecycle/heap-growth.ts) takes effect: after a full
// collection, V8's old-generation limit is what survived times the fixed factor, plus the young
// generation's capacity (V8 adds it on top). V8's own factor is 1.3-2.0 below a 2 GB heap bound
// and 4 above (4 on this project's machine), never 3. Read from V8's own trace of the collection.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "vitest";
import { HEAP_GROWING_PERCENT } from "../../src/lifecycle/heap-growth.ts";

const MODULE = path.resolve(import.meta.dirname, "../../src/lifecycle/heap-growth.ts");

/** The old generation's size after a full collection, the limit V8 set from it, the young generation's capacity. */
function limitAfterFullCollection(): { live: number; limit: number; young: number } {
  const script = `
    (await import(${JSON.stringify(MODULE)})).setHeapGrowth();
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
  return {
    live: field("end_object_size"),
    limit: field("old_gen_allocation_limit"),
    young: field("new_space_capacity"),
  };
}

test("the old generation's limit is what survived times the fixed growing factor", () => {
  const factor = 1 + HEAP_GROWING_PERCENT / 100;
  const { live, limit, young } = limitAfterFullCollection();
  expect(live).toBeGreaterThan(10_000_000);
  expect((limit - young) / live).toBeCloseTo(factor, 1);
});
