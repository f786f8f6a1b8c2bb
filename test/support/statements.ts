// Counting the SQL statements tocsin's pg clients send while some work runs (every client of
// the process: Prisma's pool and raw connections alike), for tests that pin a path's cost.
import pg from "pg";

const query = pg.Client.prototype.query;

/** Runs `work` and returns how many statements were sent meanwhile, by their text. */
export async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    sent.push((typeof first === "string" ? first : (first?.text ?? "?")).replace(/\s+/g, " ").trim());
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}
