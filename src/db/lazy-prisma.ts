// A Prisma client that loads Prisma's runtime and connects on its first use. tocsin's start, its
// readiness and its hot paths run on the `pg` driver (sql.ts), with statements built without
// Prisma (statement.ts); retention, bulletins and the rarer commands still go through Prisma's
// client, and load it when they first run.
//
// The stand-in has the client's type and is used as the client is: `db.incident.findMany(...)`,
// `db.$transaction(fn)`, `db.$queryRaw(statement)`. Each such call waits for the one real client (two
// first callers at once share one load) and then makes the same call on it; what it returns is a
// promise of the same result. Inside `$transaction(fn)`, `fn` gets the real transaction client.
// `$disconnect` disconnects the client only if one was made, and ends the pool, once.
import type pg from "pg";
import type { Prisma, PrismaClient } from "../generated/prisma/client.ts";

type Loaded = typeof import("./prisma-client.ts");
type Callable = (...args: unknown[]) => unknown;

let namespace: typeof Prisma | undefined;

/**
 * Prisma's namespace (DbNull and the like), for code that runs inside a call on the client (a
 * transaction's callback): the client, hence the namespace, is loaded by then.
 */
export function loadedPrisma(): typeof Prisma {
  if (!namespace) throw new Error("Prisma's client is not loaded yet: use this inside a call on the client");
  return namespace;
}

/** A client on `pool` that loads Prisma on first use; its `$disconnect` ends `pool`. */
export function lazyPrismaClient(pool: pg.Pool): PrismaClient {
  let loading: Promise<PrismaClient> | undefined;
  let closing: Promise<void> | undefined;
  const client = (): Promise<PrismaClient> => {
    if (closing) return Promise.reject(new Error("the database is closed"));
    // A failed load is not kept: the next call loads again (a transient failure, say EMFILE on
    // a busy process, must not fail every later call on the client until a restart).
    loading ??= import("./prisma-client.ts")
      .then((loaded: Loaded) => {
        namespace = loaded.Prisma;
        return loaded.createPrismaClient(pool);
      })
      .catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
    return loading;
  };
  const disconnect = (): Promise<void> => {
    closing ??= (async () => {
      const made = await loading?.catch(() => undefined);
      await made?.$disconnect().catch(() => {});
      await pool.end();
    })();
    return closing;
  };
  // The call on the real client: `owner` (`$transaction`) or `owner.method` (`incident.findMany`).
  const call =
    (owner: string, method?: string) =>
    (...args: unknown[]): Promise<unknown> =>
      client().then((real) => {
        const member = (real as unknown as Record<string, Callable & Record<string, Callable>>)[owner];
        if (member === undefined) throw new TypeError(`Prisma's client has no ${owner}`);
        return method === undefined ? member.apply(real, args) : member[method]!(...args);
      });
  const models = new Map<string, object>();
  return new Proxy(
    {},
    {
      get(_, key) {
        // Not a thenable (awaiting the client must not call it), and no symbol-named members.
        if (typeof key !== "string" || key === "then") return undefined;
        if (key === "$disconnect") return disconnect;
        if (key.startsWith("$")) return call(key);
        let model = models.get(key);
        if (!model) {
          model = new Proxy(
            {},
            {
              get: (__, method) =>
                typeof method !== "string" || method === "then" ? undefined : call(key, method),
            },
          );
          models.set(key, model);
        }
        return model;
      },
    },
  ) as PrismaClient;
}
