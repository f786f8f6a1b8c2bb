// The hot statements on the `pg` driver itself, next to Prisma on the same pool. Prisma's client
// costs about 2 ms of CPU per call even for `$queryRaw` (its query compiler, request pipeline
// and result mapping), a fifth of a command's CPU when commands are one or two statements each;
// the driver alone costs a few tens of microseconds. Prisma stays the schema, the migrations and
// every statement off the hot path.
//
// Statements are built by statement.ts (the tag Prisma.sql is, without Prisma's runtime; `text`
// has $1..$n placeholders), so the SQL reads as it did under $queryRaw. Rows are checked by a zod schema (rows.ts) as before. Values and
// answers are converted as Prisma's adapter does, whatever the process's TZ: a Date is sent as
// an ISO instant, a `timestamp` without a zone is read as UTC (the columns are `timestamptz`,
// which carry their offset), int8 is a bigint. A statement marked `prepared` is a named prepared statement: parsed and planned
// once per connection instead of per call (a note's statement is a dozen CTEs).
import { createHash } from "node:crypto";
import pg from "pg";
import type { z } from "zod";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { rows } from "./rows.ts";

/** A statement of statement.ts (or anything with the same shape). */
export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

const TIMESTAMP_OID = 1114;
const TIMESTAMP_ARRAY_OID = 1115;
const INT8_OID = 20;

/** `2026-11-30 04:44:12.123` (no zone: UTC by tocsin's convention) as a Date. */
function utcTimestamp(text: string): Date | string {
  // infinity / -infinity stay strings, as pg leaves them.
  if (text.length < 19 || text.charCodeAt(0) > 57) return text;
  return new Date(`${text.slice(0, 10)}T${text.slice(11)}Z`);
}

const parsers = new Map<number, (text: string) => unknown>([
  [TIMESTAMP_OID, utcTimestamp],
  [INT8_OID, (text) => BigInt(text)],
]);

/** Per query (not process-wide) so other users of `pg` keep the driver's defaults. */
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    const own = parsers.get(oid);
    if (own) return own;
    // The driver would read these as local time; no hot statement selects one, so say so loudly.
    if (oid === TIMESTAMP_ARRAY_OID)
      return () => {
        throw new Error("timestamp[] columns are not read through Sql: select them as json");
      };
    return pg.types.getTypeParser(oid, format ?? "text");
  },
} as pg.CustomTypesConfig;

/** Dates go as ISO strings with a Z: right for `timestamp` (zone ignored) and `timestamptz`. */
function value(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(value);
  return v;
}

/**
 * What opens a pool to the database, plain data: another thread (the HTTP edge's alert writer)
 * opens its own pool with it, as bounded as the main thread's.
 */
export interface PoolSettings {
  url: string;
  /** The server cancels a statement after this; the client gives up on an answer a little later. */
  timeoutMs: number;
}

/**
 * A pool with every call bounded: the server cancels a statement after `timeoutMs`, and the
 * client gives up on an answer a little later (a hung or stopped server never answers at all).
 */
export function newPool(settings: PoolSettings, max: number, options: { keepIdle?: boolean } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.url,
    max,
    // keepIdle: idle connections stay open (the driver closes them after 10 s otherwise), for a
    // pool whose first statement after a quiet spell must not wait for a connection to be made
    // and its statements prepared again (the alert intake's writer: a sender waits on it).
    // With TCP keepalive (first probe after 30 s idle): a connection a firewall dropped in
    // silence fails its probes within minutes and leaves the pool while idle, rather than being
    // found by the next statement waiting out its timeout (the attack review's finding).
    ...(options.keepIdle
      ? { idleTimeoutMillis: 0, keepAlive: true, keepAliveInitialDelayMillis: 30_000 }
      : {}),
    connectionTimeoutMillis: Math.min(settings.timeoutMs, 10_000),
    statement_timeout: settings.timeoutMs,
    query_timeout: settings.timeoutMs + 5000,
  });
  // An idle connection's server going away (a restart of the embedded PostgreSQL) is not an
  // error of any statement: the next checkout connects afresh. Prisma's adapter does the same.
  pool.on("error", () => {});
  return pool;
}

export class Sql {
  readonly #pool: pg.Pool;
  /** How the pool was opened, when known (see PoolSettings). */
  readonly settings: PoolSettings | undefined;
  /** Statement text -> prepared statement name (only statements marked prepared: a bounded set). */
  readonly #names = new Map<string, string>();
  /** Part of every name; raised when the server refuses a statement prepared before a schema change. */
  #generation = 0;

  constructor(pool: pg.Pool, settings?: PoolSettings) {
    this.#pool = pool;
    this.settings = settings;
  }

  /** Rows of `statement`, each checked by `schema`. */
  async rows<S extends z.ZodType>(
    schema: S,
    statement: Statement,
    options: { prepared?: boolean } = {},
  ): Promise<Array<z.output<S>>> {
    const result = await this.#query(statement, options.prepared ?? false);
    return rows(schema, result.rows);
  }

  /** How many rows `statement` wrote. */
  async execute(statement: Statement, options: { prepared?: boolean } = {}): Promise<number> {
    const result = await this.#query(statement, options.prepared ?? false);
    return result.rowCount ?? 0;
  }

  async #query(statement: Statement, prepared: boolean): Promise<pg.QueryResult> {
    const config: pg.QueryConfig = { text: statement.text, values: statement.values.map(value), types };
    if (!prepared) return this.#pool.query(config);
    const generation = this.#generation;
    config.name = this.#nameOf(statement.text);
    try {
      return await this.#pool.query(config);
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      // A table's columns changed under a prepared statement (`select *` after a migration, as
      // another replica's upgrade runs): the server refuses it on every connection that
      // prepared it. New names make each connection prepare every statement afresh.
      if (this.#generation === generation) {
        this.#generation++;
        this.#names.clear();
      }
      config.name = this.#nameOf(statement.text);
      return this.#pool.query(config);
    }
  }

  #nameOf(text: string): string {
    let name = this.#names.get(text);
    if (name === undefined) {
      name = `tocsin_${createHash("sha1").update(text).digest("hex").slice(0, 16)}_${this.#generation}`;
      this.#names.set(text, name);
    }
    return name;
  }
}

/** PostgreSQL's refusal of a prepared statement whose result columns changed since it was planned. */
function isStalePlan(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: string }).code === "0A000" &&
    error.message.includes("cached plan must not change result type")
  );
}

const sqlOfClient = new WeakMap<PrismaClient, Sql>();

/** Makes `pool` (the one under `client`'s adapter) the pool `sqlOf(client)` runs on. */
export function registerPool(client: PrismaClient, pool: pg.Pool, settings?: PoolSettings): void {
  sqlOfClient.set(client, new Sql(pool, settings));
}

/**
 * The driver-level access beside a Prisma client made by connectPrisma (database.ts), on the
 * same pool. Not for a transaction's client: statements inside a transaction stay on it.
 */
export function sqlOf(client: PrismaClient): Sql {
  const sql = sqlOfClient.get(client);
  if (!sql) throw new Error("this Prisma client was not made by connectPrisma: it has no pool of its own");
  return sql;
}
