// The in-process desk the bench's single-command measurements use (round trips, the trace,
// list/show at scale): the real app on an embedded PostgreSQL, the console platform with its
// output discarded, no job workers, and one way to type a command through the intake as alice.
import { PassThrough } from "node:stream";
import { createApp } from "../../src/app.ts";
import { ConsolePlatform } from "../../src/chat/console/console-platform.ts";
import { systemClock } from "../../src/clock.ts";
import { openDatabase } from "../../src/db/database.ts";
import { silentLogger } from "../../src/logging.ts";

export async function startConsoleBenchDesk(dataDir: string) {
  const database = await openDatabase({ embeddedDataDir: dataDir });
  const consolePlatform = new ConsolePlatform({
    input: new PassThrough(),
    output: new PassThrough().resume(),
    interactive: false,
    user: "alice",
  });
  const app = createApp({
    db: database.prisma,
    clock: systemClock,
    log: silentLogger,
    platforms: [consolePlatform],
    runJobs: false,
  });
  await app.start();
  return { database, app };
}
