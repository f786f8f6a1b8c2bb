// SQL round trips per command: every statement tocsin's pg clients send is one round trip
// (pg's extended protocol ends each with a Sync). Counted in this process around single
// commands on an idle desk (no job polling), through the app's intake (claim included) and
// the router, with the console platform: the count does not depend on the chat platform.
import pg from "pg";
import { startConsoleBenchDesk } from "./console-desk.ts";
import type { Kind } from "./load.ts";

let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  statements++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

export type RoundTrips = Record<Kind, number[]>;

export async function measureRoundTrips(dataDir: string, times: number): Promise<RoundTrips> {
  const { database, app } = await startConsoleBenchDesk(dataDir);
  const result: RoundTrips = { declare: [], note: [], status: [], list: [], show: [] };
  let serial = 0;
  const run = async (text: string) => {
    const before = statements;
    await app.intake.handle({
      platform: "console",
      actor: { externalId: "alice", displayName: "alice" },
      room: { roomId: "#soc", name: "#soc" },
      text,
      dedupeKey: `round-trips:${process.pid}:${++serial}`,
      replyTarget: { platform: "console", roomId: "#soc", callerId: "alice" },
    });
    // The answered and announced marks are written in batches; settled() writes them now, inside
    // this command's window.
    await app.intake.settled();
    return statements - before;
  };
  // Warm-up: the first command of a process prepares what later ones reuse.
  await run("/inc declare Round trips warm-up sev:3");
  const [counter] = await database.prisma.$queryRaw<Array<{ n: number }>>`
    select count(*)::int as n from "Incident"`;
  const id = `INC-${new Date().getUTCFullYear()}-${String(counter?.n ?? 1).padStart(4, "0")}`;
  for (let i = 0; i < times; i++) {
    result.declare.push(await run(`/inc declare "Round trips ${i}" sev:3`));
    result.note.push(await run(`/inc note ${id} round trip ${i}`));
    result.status.push(await run(`/inc status ${id} ${i % 2 === 0 ? "investigating" : "contained"}`));
    result.list.push(await run("/inc list"));
    result.show.push(await run(`/inc show ${id}`));
  }
  await app.stop();
  await database.close();
  return result;
}
