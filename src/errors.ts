// A UserError carries the message a responder sees (with usage). Anything else is a bug or an
// outage: it is logged with a short correlation id and the responder sees only that id.
export class UserError extends Error {
  readonly usage?: string;

  constructor(message: string, options: { usage?: string } = {}) {
    super(message);
    this.name = "UserError";
    this.usage = options.usage;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
