// Telling "the database could not be reached" from every other failure, across the layers an
// error passes (pg's socket errors, PostgreSQL's connection SQLSTATEs, Prisma's codes and its
// driver adapter's kinds), so the alert endpoints can answer 503 (senders retry) for the one and
// 500 for the other.

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  // PostgreSQL: connection exceptions (class 08), shutting down, cannot connect now.
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "57P01",
  "57P02",
  "57P03",
  // Prisma: cannot reach the server, timed out, closed, pool timeout.
  "P1001",
  "P1002",
  "P1017",
  "P2024",
]);

const ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

const MESSAGES =
  /connection terminated|connection refused|ECONNREFUSED|ECONNRESET|timeout exceeded when trying to connect|can't reach database server|server closed the connection|Connection ended unexpectedly/i;

/** Whether the error (or one of its causes) says the database could not be reached. */
export function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === "object"; depth++) {
    const e = current as { code?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown };
    if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
    if (typeof e.originalCode === "string" && NETWORK_CODES.has(e.originalCode)) return true;
    if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
    if (typeof e.message === "string" && MESSAGES.test(e.message.slice(0, 2000))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
