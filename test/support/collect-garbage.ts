// A full collection in the calling thread, for the heap tests' workers (edge-bounded-worker.ts):
// what a worker reports of its heap after it is what is alive. Imports nothing of tocsin's, so a
// worker's heap holds only what it measures.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
