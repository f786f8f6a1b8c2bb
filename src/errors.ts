// A UserError is a refusal a responder sees: a sentence (with usage), never a stack trace.
// Anything else is a bug or an outage: it is logged with a short correlation id and the
// responder sees only that id.
//
// Every UserError has a stable `code` (`incident.not_found`, `permission.refused`,
// `status.transition`, ...): logs, audit entries, metrics and tests key on it, so wording can
// change without breaking them. Errors thrown from src/ name their code; a command's own
// validation error may leave it out and is given `<group>.<command>.invalid` by the router.
// `detail` is for the log only and is never shown.
export interface UserErrorOptions {
  code?: string;
  usage?: string;
  detail?: Record<string, unknown>;
}

const CODE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;

export class UserError extends Error {
  readonly usage?: string;
  readonly detail?: Record<string, unknown>;
  #code: string | undefined;

  constructor(message: string, options: UserErrorOptions = {}) {
    super(message);
    this.name = "UserError";
    this.usage = options.usage;
    this.detail = options.detail;
    if (options.code !== undefined) assertCode(options.code);
    this.#code = options.code;
  }

  /** The stable code; undefined only until the router gives a command's error its derived one. */
  get code(): string | undefined {
    return this.#code;
  }

  /** Gives an error thrown without a code the one its command derives; an explicit code stays. */
  assignCode(code: string): void {
    assertCode(code);
    this.#code ??= code;
  }
}

function assertCode(code: string): void {
  if (!CODE.test(code)) throw new Error(`"${code}" is not an error code (like incident.not_found)`);
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/**
 * The database could not be reached (refused, reset, timed out): nothing was stored, and the
 * caller may try again later. The alert endpoints answer it with 503, so senders retry.
 */
export class DatabaseUnavailable extends Error {
  readonly code = "database_unavailable";

  constructor(cause: unknown) {
    super("The database is unavailable; nothing was stored.", { cause });
    this.name = "DatabaseUnavailable";
  }
}

export function isDatabaseUnavailable(error: unknown): error is DatabaseUnavailable {
  return error instanceof DatabaseUnavailable;
}
