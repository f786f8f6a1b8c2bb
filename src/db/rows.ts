// Raw SQL answers are checked, not asserted: `$queryRaw<T>` only tells the compiler what it
// hopes, so a renamed column or a changed type would surface far from the query. Each raw read
// goes through a zod row schema instead; a mismatch fails at the query, naming the column.
import type { z } from "zod";

export function rows<S extends z.ZodType>(schema: S, result: unknown): Array<z.output<S>> {
  if (!Array.isArray(result)) throw new Error("a raw query did not return rows");
  return result.map((row) => schema.parse(row));
}
