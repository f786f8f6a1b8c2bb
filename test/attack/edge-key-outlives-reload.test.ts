// Attack: a key rotated by `/oncall reload` kept working on the HTTP edge thread. The directory
// swaps its configuration in the middle of reload() and only then awaits more database work (the
// count of overrides kept) before it runs its after-reload listeners; the edge's generation was
// raised (and its new setup posted) by one of those listeners. Meanwhile the main thread's
// configuration was the new one while the edge still took the old key and committed with it;
// and a reload whose later step failed never raised the generation at all, so the old key kept
// committing alerts until the next successful reload. The old key must be refused from the swap on.
import { writeFile } from "node:fs/promises";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { keyDigest } from "../../src/alerts/integrations.ts";
import { type EdgeDesk, oncallYaml, postAlert, startEdgeDesk } from "../support/edge-desk.ts";
import { until } from "../support/waiting.ts";

const OLD_KEY = "o".repeat(40);
const NEW_KEY = "n".repeat(40);

let desk: EdgeDesk | undefined;
let locker: pg.Client | undefined;
afterEach(async () => {
  await locker?.end();
  locker = undefined;
  await desk?.close();
  desk = undefined;
});

it("refuses a rotated key on the edge from the moment the configuration is swapped", async () => {
  desk = await startEdgeDesk(OLD_KEY);
  const { app, db } = desk;
  expect((await postAlert(desk, OLD_KEY, "g-before")).status).toBe(202);

  // The reload's step after the swap (the count of overrides) waits on this lock.
  locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  await locker.query("begin");
  await locker.query('lock table "OncallOverride" in access exclusive mode');
  await writeFile(desk.path, oncallYaml(NEW_KEY));
  const reloaded = app.services.oncall.directory.reload();
  // Barrier: the configuration in use is the new one (the reload now waits on the lock).
  await until(
    () => app.services.oncall.directory.configIfAny?.integrations[0]?.keyDigest === keyDigest(NEW_KEY),
    "the reload to swap the configuration",
  );
  try {
    expect((await postAlert(desk, OLD_KEY, "g-old-key")).status).toBe(404);
    expect(await db.prisma.alert.count({ where: { dedupKey: "g-old-key" } })).toBe(0);
  } finally {
    await locker.query("rollback");
    await reloaded;
  }
  expect((await postAlert(desk, NEW_KEY, "g-new-key")).status).toBe(202);
});
