// Attack: anyone on the internet kept the desk "busy" (App.busy), so the idle memory collection
// (src/lifecycle/idle-memory.ts) never ran after a busy spell. Since the edge commits alerts
// itself, busy counted every alert request let in on either thread, before its key was checked:
// one stranger's post with a wrong key per check interval was enough. What the main thread's
// collection could delay is what it does itself (jobs, the hand-off's commits) and the pages of
// alerts committed on the edge: those are counted, refusals are not.
import { afterEach, expect, it } from "vitest";
import { type EdgeDesk, postAlert, startEdgeDesk } from "../support/edge-desk.ts";
import { until } from "../support/waiting.ts";

const KEY = "k".repeat(40);

let desk: EdgeDesk | undefined;
afterEach(async () => {
  await desk?.close();
  desk = undefined;
});

it("a stranger's refused alert post does not make the desk busy; a committed alert does", async () => {
  desk = await startEdgeDesk(KEY);
  const { app } = desk;
  // Whatever start-up took in is behind us.
  app.busy();
  expect((await postAlert(desk, "x".repeat(40), "g-stranger")).status).toBe(404);
  expect(app.busy()).toBe(false);
  // Committed on the edge: the main thread hears of it and counts it as work taken in.
  expect((await postAlert(desk, KEY, "g-sender")).status).toBe(202);
  await until(() => app.busy(), "the committed alert to count as work");
});
