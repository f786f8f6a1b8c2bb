// SQL statements as tagged templates, without Prisma's runtime: loading that runtime (its query
// compiler, client class and wasm) cost about 150 ms of CPU at every start and memory for the
// life of the process, only to build statements that run on the `pg` driver (sql.ts). This is
// the same tag Prisma.sql is (sql-template-tag): nested statements are flattened into the
// outer one, every other value is one parameter ($1..$n in `text`), an array included.
//
// A Statement also goes to Prisma's `$queryRaw(statement)` / `$executeRaw(statement)` as it is:
// Prisma takes any object with a `sql` (or `raw`) property and reads `text` and `values` from it
// (runtime/client.js, for PostgreSQL), so there is no conversion at that boundary.
//
// Values are always parameters; only a Statement (an instance of this class, never an object of
// the same shape, which could come from input) is spliced in as SQL. `raw` is for constants.

export class Statement {
  readonly values: unknown[];
  readonly strings: string[];

  constructor(rawStrings: readonly string[], rawValues: readonly unknown[]) {
    if (rawStrings.length - 1 !== rawValues.length) {
      throw new TypeError(
        rawStrings.length === 0
          ? "Expected at least 1 string"
          : `Expected ${rawStrings.length} strings to have ${rawStrings.length - 1} values`,
      );
    }
    const count = rawValues.reduce<number>(
      (total, value) => total + (value instanceof Statement ? value.values.length : 1),
      0,
    );
    this.values = new Array(count);
    this.strings = new Array(count + 1);
    this.strings[0] = rawStrings[0] ?? "";
    let index = 0;
    let position = 0;
    while (index < rawValues.length) {
      const value = rawValues[index++];
      const after = rawStrings[index] ?? "";
      if (value instanceof Statement) {
        this.strings[position] += value.strings[0] ?? "";
        let inner = 0;
        while (inner < value.values.length) {
          this.values[position++] = value.values[inner++];
          this.strings[position] = value.strings[inner] ?? "";
        }
        this.strings[position] += after;
      } else {
        this.values[position++] = value;
        this.strings[position] = after;
      }
    }
  }

  /** The SQL with PostgreSQL's placeholders: `$1`, `$2`, ... */
  get text(): string {
    let text = this.strings[0] ?? "";
    for (let i = 1; i < this.strings.length; i++) text += `$${i}${this.strings[i]}`;
    return text;
  }

  /** The SQL with `?` placeholders. Prisma's raw query methods test for this property. */
  get sql(): string {
    let text = this.strings[0] ?? "";
    for (let i = 1; i < this.strings.length; i++) text += `?${this.strings[i]}`;
    return text;
  }

  /** The SQL with `:1`, `:2`, ... placeholders (the shape Prisma's Sql has). */
  get statement(): string {
    let text = this.strings[0] ?? "";
    for (let i = 1; i < this.strings.length; i++) text += `:${i}${this.strings[i]}`;
    return text;
  }

  inspect(): { sql: string; statement: string; text: string; values: unknown[] } {
    return { sql: this.sql, statement: this.statement, text: this.text, values: this.values };
  }
}

/** sql`select * from "Incident" where id = ${id}`: `id` becomes a parameter. */
export function sql(strings: readonly string[], ...values: unknown[]): Statement {
  return new Statement(strings, values);
}

/** `values` separated by `separator` (each value a parameter, or a Statement spliced in). */
export function join(values: readonly unknown[], separator = ",", prefix = "", suffix = ""): Statement {
  if (values.length === 0) {
    throw new TypeError(
      "Expected `join([])` to be called with an array of multiple elements, but got an empty array",
    );
  }
  return new Statement([prefix, ...Array<string>(values.length - 1).fill(separator), suffix], values);
}

/** Constant SQL text spliced in as it is: never for a value from outside. */
export function raw(text: string): Statement {
  return new Statement([text], []);
}

/** A statement that adds nothing. */
export const empty: Statement = raw("");
