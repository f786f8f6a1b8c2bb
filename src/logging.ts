// Structured JSON logs on stderr (stdout belongs to the console platform). Secrets are redacted
// wherever they could appear in a logged object.
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

export function createLogger(level: string): Logger {
  return pino(
    { level, base: { app: "tocsin" }, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
    pino.destination(2),
  );
}

export const silentLogger: Logger = pino({ level: "silent" });
