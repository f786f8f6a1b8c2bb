// A whole desk (createApp) on the system's clock with Slack on HTTP, so the HTTP edge thread owns
// the port and commits alerts itself (src/alerts/intake/edge.ts), over a fresh test database,
// its on-call configuration read from a file the test can rewrite and reload.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type App, createApp } from "../../src/app.ts";
import { SlackPlatform } from "../../src/chat/slack/slack-platform.ts";
import { systemClock } from "../../src/clock.ts";
import { HttpServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logging.ts";
import { parseOncallConfig } from "../../src/oncall/config.ts";
import { createTestDatabase, type TestDatabase } from "../database.ts";
import { SlackWebApiDouble } from "../doubles/slack-web-api.ts";
import { SIGNING_SECRET } from "../platform/slack/harness.ts";
import { oncallYamlWithIntegrations } from "./alert-config.ts";
import { alertmanagerBody, postJson } from "./alert-edge.ts";

export interface EdgeDesk {
  app: App;
  db: TestDatabase;
  /** The on-call configuration file (rewrite it, then reload the directory). */
  path: string;
  base: string;
  close(): Promise<void>;
}

/** The smallest on-call file with one Alertmanager integration of `key`. */
export function oncallYaml(key: string): string {
  return oncallYamlWithIntegrations(`  - { id: prom, kind: alertmanager, team: csirt, key: ${key} }\n`);
}

export async function startEdgeDesk(key: string): Promise<EdgeDesk> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const db = await createTestDatabase();
    closers.push(() => db.close());
    const dir = await mkdtemp(join(tmpdir(), "tocsin-edge-desk-"));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, "oncall.yaml");
    await writeFile(path, oncallYaml(key));
    const slack = await SlackWebApiDouble.start();
    closers.push(() => slack.close());
    const http = new HttpServer(silentLogger);
    const platform = new SlackPlatform({
      botToken: slack.botToken,
      signingSecret: SIGNING_SECRET,
      apiUrl: slack.apiUrl,
      http,
      log: silentLogger,
    });
    const app = createApp({
      db: db.prisma,
      clock: systemClock,
      log: silentLogger,
      platforms: [platform],
      http,
      runJobs: false,
      oncall: { path, config: parseOncallConfig(oncallYaml(key), path) },
    });
    await app.start();
    closers.push(() => app.stop());
    const port = await http.listen(0, "127.0.0.1");
    closers.push(() => http.close());
    return { app, db, path, base: `http://127.0.0.1:${port}`, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Posts a one-alert Alertmanager notification of group `groupKey` with `key`. */
export function postAlert(desk: EdgeDesk, key: string, groupKey: string): Promise<Response> {
  return postJson(`${desk.base}/alerts/alertmanager/${key}`, alertmanagerBody(groupKey));
}
