// Incident ids (`INC-2026-0001`, or `CERT-2026-0001` with TOCSIN_INCIDENT_PREFIX=CERT): the one
// place that knows their shape. Everything that recognises or shows an id (the router's id
// detection, raw-text commands, merge targets, help examples, hints) asks an IncidentIds, so a
// configured prefix works everywhere and the year in examples comes from the injected clock.
import type { Clock } from "../clock.ts";
import { type Statement, sql } from "../db/statement.ts";

export const DEFAULT_INCIDENT_PREFIX = "INC";

/** The placeholders command examples use for ids: `{id}` and `{id2}` (a second incident). */
const EXAMPLE_PLACEHOLDER = /\{id(2?)\}/g;

export class IncidentIds {
  readonly prefix: string;
  readonly #clock: Clock;
  readonly #pattern: RegExp;

  /** `prefix` is validated by the configuration (letters and digits, src/config.ts). */
  constructor(clock: Clock, prefix = DEFAULT_INCIDENT_PREFIX) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(prefix)) throw new Error(`bad incident id prefix ${prefix}`);
    this.prefix = prefix.toUpperCase();
    this.#clock = clock;
    this.#pattern = new RegExp(`^${this.prefix}-(\\d{4})-(\\d{1,6})$`, "i");
  }

  /** True for `CERT-2026-0001` (any case), false for other words or another prefix. */
  matches(text: string): boolean {
    return this.#pattern.test(text);
  }

  format(year: number, number: number): string {
    return `${this.prefix}-${year}-${String(number).padStart(4, "0")}`;
  }

  /** `format` in SQL, for a statement that takes the number from the year's counter itself. */
  formatInSql(year: number, number: Statement): Statement {
    // lpad alone would cut a number past 9999 down to four digits; padStart never cuts.
    return sql`(${`${this.prefix}-${year}-`} || lpad((${number})::text, greatest(4, length((${number})::text)), '0'))`;
  }

  /** An id for hints and examples: this year's first (or `n`th) incident. */
  example(n = 1): string {
    return this.format(this.#clock.now().getUTCFullYear(), n);
  }

  /** Replaces the `{id}`/`{id2}` placeholders of a command example with example ids. */
  fillExample(text: string): string {
    return text.replace(EXAMPLE_PLACEHOLDER, (_, second: string) => this.example(second ? 2 : 1));
  }
}
