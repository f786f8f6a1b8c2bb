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
//
// Operations (`db.incident.findMany(...)`, `db.$queryRaw...`) start when first awaited, as Prisma's
// own do: so `db.$transaction([op, op])`, the array form, can run them inside one transaction
// (each made on the real client then, unstarted). An element that was already awaited (it ran
// outside), is not an operation of this client, or is given to two transactions is refused at
// the call, with a coded error, before anything runs.
import type pg from "pg";
import type { Prisma, PrismaClient } from "../generated/prisma/client.ts";

type Loaded = typeof import("./prisma-client.ts");
type Callable = (...args: unknown[]) => unknown;

/** A `$transaction([...])` element that cannot run inside the transaction: a bug in the caller. */
export class TransactionElementRefused extends Error {
  readonly code = "db.transaction_element";

  constructor(reason: string) {
    super(`$transaction([...]) refused: ${reason}`);
    this.name = "TransactionElementRefused";
  }
}

/** Client members that are operations (start when awaited; may be elements of an array transaction). */
const RAW_OPERATIONS = new Set(["$queryRaw", "$executeRaw", "$queryRawUnsafe", "$executeRawUnsafe"]);

/** One operation on the lazy client, started when first awaited (as a PrismaPromise is). */
class DeferredOperation implements PromiseLike<unknown> {
  readonly #client: () => Promise<PrismaClient>;
  readonly #make: (real: PrismaClient) => unknown;
  #state: "waiting" | "started" | "in a transaction" = "waiting";
  #result: Promise<unknown> | undefined;

  constructor(client: () => Promise<PrismaClient>, make: (real: PrismaClient) => unknown) {
    this.#client = client;
    this.#make = make;
  }

  belongsTo(client: () => Promise<PrismaClient>): boolean {
    return this.#client === client;
  }

  /** Why this cannot join a transaction, or undefined if it can. */
  refusal(): string | undefined {
    if (this.#state === "started")
      return "an operation was already awaited, so it ran outside the transaction";
    if (this.#state === "in a transaction") return "an operation was given to a transaction before";
    return undefined;
  }

  /** Reserves this operation for a transaction: awaiting it on its own is refused from now on. */
  reserve(): void {
    this.#state = "in a transaction";
  }

  /** The same operation on the real client, not started (Prisma's promise), for its transaction. */
  on(real: PrismaClient): unknown {
    return this.#make(real);
  }

  #run(): Promise<unknown> {
    if (!this.#result) {
      if (this.#state === "in a transaction") {
        this.#result = Promise.reject(
          new TransactionElementRefused(
            "an operation given to a transaction is read from the transaction's answer",
          ),
        );
      } else {
        this.#state = "started";
        this.#result = this.#client().then((real) => this.#make(real));
      }
    }
    return this.#result;
  }

  // biome-ignore lint/suspicious/noThenProperty: a PromiseLike, as Prisma's operations are.
  then<A = unknown, B = never>(
    onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#run().then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<unknown> {
    return this.#run().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<unknown> {
    return this.#run().finally(onFinally);
  }
}

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
  // The call on the real client: `owner` (`$connect`) or `owner.method` (`incident.findMany`).
  const callOn = (
    real: PrismaClient,
    owner: string,
    method: string | undefined,
    args: unknown[],
  ): unknown => {
    const member = (real as unknown as Record<string, Callable & Record<string, Callable>>)[owner];
    if (member === undefined) throw new TypeError(`Prisma's client has no ${owner}`);
    return method === undefined ? member.apply(real, args) : member[method]!(...args);
  };
  const call =
    (owner: string, method?: string) =>
    (...args: unknown[]): Promise<unknown> =>
      client().then((real) => callOn(real, owner, method, args));
  const operation =
    (owner: string, method?: string) =>
    (...args: unknown[]): DeferredOperation =>
      new DeferredOperation(client, (real) => callOn(real, owner, method, args));
  // `$transaction(fn, options)` as it is; `$transaction([op, ...], options)` with each operation
  // made on the real client unstarted, so that Prisma runs them all inside the one transaction.
  const transaction = (input: unknown, ...rest: unknown[]): Promise<unknown> => {
    if (!Array.isArray(input)) return call("$transaction")(input, ...rest);
    for (const element of input) {
      const refusal =
        element instanceof DeferredOperation
          ? element.belongsTo(client)
            ? element.refusal()
            : "an operation of another client"
          : "not an operation of this client (awaited already, or not a database call)";
      if (refusal !== undefined) throw new TransactionElementRefused(refusal);
    }
    const operations = input as DeferredOperation[];
    for (const element of operations) element.reserve();
    return client().then((real) =>
      callOn(real, "$transaction", undefined, [operations.map((element) => element.on(real)), ...rest]),
    );
  };
  const models = new Map<string, object>();
  return new Proxy(
    {},
    {
      get(_, key) {
        // Not a thenable (awaiting the client must not call it), and no symbol-named members.
        if (typeof key !== "string" || key === "then") return undefined;
        if (key === "$disconnect") return disconnect;
        if (key === "$transaction") return transaction;
        if (RAW_OPERATIONS.has(key)) return operation(key);
        if (key.startsWith("$")) return call(key);
        let model = models.get(key);
        if (!model) {
          model = new Proxy(
            {},
            {
              get: (__, method) =>
                typeof method !== "string" || method === "then" ? undefined : operation(key, method),
            },
          );
          models.set(key, model);
        }
        return model;
      },
    },
  ) as PrismaClient;
}
