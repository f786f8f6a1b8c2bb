// The edge sides the HTTP edge thread runs, by the name their main-thread HandOff is registered
// under (server.handOff). Provided by the edge thread's entry (src/edge-thread.ts, which knows
// the parts) before the thread's server starts; a leaf, so the thread's own code (the Slack gate)
// needs to know no part of the domain.
import type { EdgeSideFactory } from "./hand-off.ts";

const provided = new Map<string, EdgeSideFactory>();

export function provideEdgeSide(name: string, factory: EdgeSideFactory): void {
  provided.set(name, factory);
}

export function edgeSideNamed(name: string): EdgeSideFactory | undefined {
  return provided.get(name);
}
