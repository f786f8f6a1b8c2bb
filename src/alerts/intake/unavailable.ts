// Whether the desk's receive() failed because the database cannot be reached (answer 503 with
// Retry-After) rather than for another reason (500). Both make senders retry; the difference is
// for the sender's backoff, the logs and the metrics.
//
// The desk signals it with a `database.unavailable` code (a UserError or any error with that
// code); errors of the driver and of Prisma that mean "not reachable" are recognised too, so an
// error the desk passes through unwrapped is answered the same way.
const DRIVER_CODES = new Set([
  "database.unavailable",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  // Prisma: can't reach, timed out, connection closed, pool timeout.
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
  // PostgreSQL: shutting down, cannot connect now, admin shutdown, crash shutdown.
  "57P01",
  "57P02",
  "57P03",
]);

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== "object" || depth > 4) return false;
  const { code, name, cause } = error as { code?: unknown; name?: unknown; cause?: unknown };
  if (typeof code === "string" && (DRIVER_CODES.has(code) || code.startsWith("08"))) return true;
  if (name === "DatabaseUnavailable") return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
