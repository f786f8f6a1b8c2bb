// The edge thread's alert writer and its pool, in a module of their own so the thread loads them
// (the pg driver, the store's statements and schemas) with its first alert, not on its way to
// listening: they cost a prepared thread about 60 ms more CPU before it could answer anything
// (scripts/bench/ack-thread-boot.ts: 112-117 -> 167-186 ms, median of 15, 2026-11-30), and a
// start waits for the thread.
import { newPool, type PoolSettings, Sql } from "../../db/sql.ts";
import { AlertWriter } from "../alert-writer.ts";

/** Connections of the edge's writer: one batch at a time, and one to connect while it runs. */
const EDGE_WRITER_CONNECTIONS = 2;

export interface EdgeWriter {
  writer: AlertWriter;
  /** Finishes the batches taken in, then ends the pool. */
  close(): Promise<void>;
}

export function openEdgeWriter(settings: PoolSettings, jobsDue: () => void): EdgeWriter {
  const pool = newPool(settings, EDGE_WRITER_CONNECTIONS, { keepIdle: true });
  const driver = new Sql(pool);
  const writer = new AlertWriter({ sql: () => driver, now: () => new Date(), jobsDue });
  return {
    writer,
    async close() {
      await writer.idle();
      await pool.end();
    },
  };
}
