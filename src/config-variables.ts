// Every environment variable declares, next to its schema, what a good value is and an example,
// so a bad value is answered with one sentence a person can act on:
//   HTTP_PORT="abc" is not a port number: use a number from 0 to 65535, e.g. HTTP_PORT=3000.
// The validator's own wording ("Invalid input: expected number, received NaN") never reaches
// people, and a secret's value is never repeated back.
import { z } from "zod";

export interface VariableHelp {
  /** Completes "NAME=... is not ...": "a port number". */
  isNot: string;
  /** Completes "use ...": "a number from 0 to 65535". */
  use: string;
  /** A good value, shown as NAME=<example>; tests check that it is accepted. */
  example: string;
  /** Never echo the value (tokens, passphrases, URLs that may hold a password). */
  secret?: boolean;
}

/** The help of each variable's schema; read by `describeBadValue` and by the tests. */
export const variableHelp = z.registry<VariableHelp>();

/**
 * Declares one environment variable: `NAME: variable(z.string()..., { isNot, use, example })`.
 * The schema is cloned first, so shared building blocks (a port, an optional string) can carry
 * a different help for each variable.
 */
export function variable<S extends z.ZodType>(schema: S, help: VariableHelp): S {
  const own = schema.clone() as S;
  variableHelp.add(own, help);
  return own;
}

const MAX_SHOWN_LENGTH = 60;

/**
 * The sentence for a bad value of `name`. A refinement's own message, when it says more than
 * the help (e.g. "is too short"), replaces the help's "is not ..." part.
 */
export function describeBadValue(
  name: string,
  value: unknown,
  help: VariableHelp | undefined,
  refinementMessage?: string,
): string {
  if (!help) return `${name} has a value tocsin cannot use.`;
  const shown =
    help.secret || typeof value !== "string"
      ? `${name} (value not shown)`
      : `${name}=${JSON.stringify(value.length > MAX_SHOWN_LENGTH ? `${value.slice(0, MAX_SHOWN_LENGTH)}…` : value)}`;
  const problem = refinementMessage ?? `is not ${help.isNot}`;
  return `${shown} ${problem}: use ${help.use}, e.g. ${name}=${help.example}.`;
}

/** An optional variable; blank counts as unset. */
export const optionalString = z
  .string()
  .trim()
  .transform((value) => value || undefined)
  .optional();

/** A refinement that accepts an unset (or blank) variable. */
export const unsetOr =
  (test: (value: string) => boolean) =>
  (value: string | undefined): boolean =>
    value === undefined || test(value);

export const isHttpUrl = (value: string) => /^https?:\/\/\S+$/.test(value) && URL.canParse(value);
