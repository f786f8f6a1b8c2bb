// A whole tocsin desk on Slack over a fresh test database: real Bolt mounted on tocsin's HTTP
// server, the real WebClient against the Slack double, the real router and domain. Tests send
// what Slack would (slash commands, clicks) with `sender` and read what the double received.
import { type App, type AppOptions, createApp } from "../../src/app.ts";
import {
  SLACK_EVENTS_PATH,
  SlackPlatform,
  type SlackPlatformOptions,
} from "../../src/chat/slack/slack-platform.ts";
import { ManualClock } from "../../src/clock.ts";
import { HttpServer } from "../../src/http/server.ts";
import { silentLogger } from "../../src/logging.ts";
import { createTestDatabase, type TestDatabase } from "../database.ts";
import { SlackRequestSender, SlackWebApiDouble } from "../doubles/slack-web-api.ts";
import { addPeople, FAST_RETRIES, SIGNING_SECRET } from "../platform/slack/harness.ts";

export interface SlackDesk {
  db: TestDatabase;
  slack: SlackWebApiDouble;
  http: HttpServer;
  app: App;
  sender: SlackRequestSender;
  close(): Promise<void>;
}

export async function startSlackDesk(
  options: {
    clock?: ManualClock;
    /** People and channels the test needs, added to the double (alice and bob are there) before the app starts. */
    setUp?(slack: SlackWebApiDouble): void;
    /** The platform also reads the desk's clock (for what it times itself). */
    platformUsesClock?: boolean;
    /** More app options (access, on-call, bulletins, ...), made with the test's database. */
    app?(db: TestDatabase): Partial<AppOptions>;
  } = {},
): Promise<SlackDesk> {
  const clock = options.clock ?? new ManualClock("2026-03-10T09:00:00Z");
  const db = await createTestDatabase();
  const slack = await SlackWebApiDouble.start();
  addPeople(slack);
  options.setUp?.(slack);
  const http = new HttpServer(silentLogger);
  const platform = new SlackPlatform({
    botToken: slack.botToken,
    signingSecret: SIGNING_SECRET,
    apiUrl: slack.apiUrl,
    http,
    log: silentLogger,
    retryPolicy: FAST_RETRIES,
    ...(options.platformUsesClock ? { clock } : {}),
  } satisfies SlackPlatformOptions);
  const app = createApp({
    db: db.prisma,
    clock,
    log: silentLogger,
    platforms: [platform],
    http,
    runJobs: false,
    ...options.app?.(db),
  });
  await app.start();
  const port = await http.listen(0, "127.0.0.1");
  const sender = new SlackRequestSender(
    `http://127.0.0.1:${port}${SLACK_EVENTS_PATH}`,
    SIGNING_SECRET,
    slack,
  );
  return {
    db,
    slack,
    http,
    app,
    sender,
    async close() {
      await http.close();
      await app.stop();
      await slack.close();
      await db.close();
    },
  };
}
