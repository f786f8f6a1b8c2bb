// Structured JSON logs on stderr (stdout belongs to the console platform), or appended to a file
// while a person types in the terminal console, so log lines never land in the conversation.
// Secrets are redacted wherever they could appear in a logged object.
import pino, { type Logger } from "pino";

export const REDACTED_PATHS = [
  "*.token",
  "*.botToken",
  "*.appToken",
  "*.signingSecret",
  "*.password",
  "*.passphrase",
  "*.feedSecret",
  "*.metricsToken",
  "*.secret",
  "*.accessToken",
  "*.authorization",
  "*.headers.authorization",
  "databaseUrl",
  "*.databaseUrl",
];

/** `file`: append JSON lines there (its directory is created) instead of writing to stderr. */
export function createLogger(level: string, file?: string): Logger {
  return pino(
    { level, base: { app: "tocsin" }, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
    // Synchronous, so the lines written just before process.exit() are not lost.
    file ? pino.destination({ dest: file, mkdir: true, sync: true }) : pino.destination(2),
  );
}

export const silentLogger: Logger = pino({ level: "silent" });
