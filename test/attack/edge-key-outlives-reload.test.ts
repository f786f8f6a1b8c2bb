// Attack: a key rotated by `/oncall reload` kept working on the HTTP edge thread. The directory
// swaps its configuration in the middle of reload() and only then awaits more database work (the
// count of overrides kept) before it runs its after-reload listeners; the edge's generation was
// raised (and its new setup posted) by one of those listeners. Meanwhile the main thread's
// configuration was the new one while the edge still took the old key and committed with it;
// and a reload whose later step failed never raised the generation at all, so the old key kept
// committing alerts until the next successful reload. The old key must be refused from the swap on.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { keyDigest } from "../../src/alerts/integrations.ts";
import { type App, createApp } from "../../src/app.ts";
import { SlackPlatform } from "../../src/chat/slack/slack-platform.ts";
import { systemClock } from "../../src/clock.ts";
import { HttpServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logging.ts";
import { parseOncallConfig } from "../../src/oncall/config.ts";
import { createTestDatabase } from "../database.ts";
import { SlackWebApiDouble } from "../doubles/slack-web-api.ts";
import { SIGNING_SECRET } from "../platform/slack/harness.ts";
import { until } from "../support/waiting.ts";

const OLD_KEY = "o".repeat(40);
const NEW_KEY = "n".repeat(40);

function oncallYaml(key: string): string {
  return `people:
  - { id: alice, name: Alice, timeZone: Europe/Paris }
teams:
  - { id: csirt, name: CSIRT, members: [alice], escalationPolicy: default }
escalationPolicies:
  - { id: default, levels: [{ target: { team: csirt }, after: 5m }] }
integrations:
  - { id: prom, kind: alertmanager, team: csirt, key: ${key} }
`;
}

function amBody(groupKey: string): string {
  return JSON.stringify({
    version: "4",
    groupKey,
    status: "firing",
    receiver: "tocsin",
    alerts: [{ status: "firing", fingerprint: "f1", labels: { alertname: "DiskFull" }, annotations: {} }],
    commonLabels: { alertname: "DiskFull" },
  });
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it("refuses a rotated key on the edge from the moment the configuration is swapped", async () => {
  const db = await createTestDatabase();
  cleanups.push(() => db.close());
  const dir = await mkdtemp(join(tmpdir(), "tocsin-reload-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "oncall.yaml");
  await writeFile(path, oncallYaml(OLD_KEY));
  const slack = await SlackWebApiDouble.start();
  cleanups.push(() => slack.close());
  const http = new HttpServer(silentLogger);
  const platform = new SlackPlatform({
    botToken: slack.botToken,
    signingSecret: SIGNING_SECRET,
    apiUrl: slack.apiUrl,
    http,
    log: silentLogger,
  });
  const app: App = createApp({
    db: db.prisma,
    clock: systemClock,
    log: silentLogger,
    platforms: [platform],
    http,
    runJobs: false,
    oncall: { path, config: parseOncallConfig(oncallYaml(OLD_KEY), path) },
  });
  await app.start();
  cleanups.push(() => app.stop());
  const port = await http.listen(0, "127.0.0.1");
  cleanups.push(() => http.close());
  const post = (key: string, groupKey: string) =>
    fetch(`http://127.0.0.1:${port}/alerts/alertmanager/${key}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: amBody(groupKey),
    });
  expect((await post(OLD_KEY, "g-before")).status).toBe(202);

  // The reload's step after the swap (the count of overrides) waits on this lock.
  const locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  cleanups.push(() => locker.end());
  await locker.query("begin");
  await locker.query('lock table "OncallOverride" in access exclusive mode');
  await writeFile(path, oncallYaml(NEW_KEY));
  const reloaded = app.services.oncall.directory.reload();
  // Barrier: the reload waits on the lock, so the configuration in use is the new one.
  await until(
    () => app.services.oncall.directory.configIfAny?.integrations[0]?.keyDigest === keyDigest(NEW_KEY),
    "the reload to swap the configuration",
  );
  try {
    const old = await post(OLD_KEY, "g-old-key");
    expect(old.status).toBe(404);
    expect(await db.prisma.alert.count({ where: { dedupKey: "g-old-key" } })).toBe(0);
  } finally {
    await locker.query("rollback");
    await reloaded;
  }
  expect((await post(NEW_KEY, "g-new-key")).status).toBe(202);
});
