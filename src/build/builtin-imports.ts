// Node's HTTP modules imported without an ES module facade. `import … from "node:http"` makes
// Node build the module's ESM facade, which reads every export, lazy getters included, and
// node:http's WebSocket, CloseEvent and MessageEvent getters load undici (Node's fetch): measured
// here, 13 MB of RSS and 50-100 ms of CPU for a process, 7 MB for a worker thread (the Slack ack
// thread never fetches anything). `process.getBuiltinModule` hands the same exports object over
// without a facade. The start bundle's chunks get their imports of node:http and node:https
// rewritten so (src/build/bundle.ts); the sources, run by the tests, keep plain imports.

/** The builtins whose ESM facade loads more than the module. */
const HEAVY_FACADES = "(?:node:)?https?";
/** A minified or plain import statement of one of them; the clause is checked below. */
const IMPORT = new RegExp(`\\bimport\\s*([\\w$\\s{},*]+?)\\s*from\\s*"(${HEAVY_FACADES})"\\s*;?`, "g");
const NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * `code` with each import statement of node:http or node:https turned into a `const` taken from
 * `process.getBuiltinModule`. A clause of another shape (none is expected) is left as it is.
 */
export function withoutHeavyFacades(code: string): string {
  return code.replace(IMPORT, (statement, clause: string, specifier: string) => {
    const target = destructure(clause.trim());
    if (target === undefined) return statement;
    const module = `process.getBuiltinModule(${JSON.stringify(specifier.startsWith("node:") ? specifier : `node:${specifier}`)})`;
    return target.whole && target.named
      ? `const ${target.whole}=${module},${target.named}=${target.whole};`
      : `const ${target.whole ?? target.named}=${module};`;
  });
}

/** `{a,b as c}` → named `{a,b:c}`; `x` or `* as x` → whole `x`; `x,{a}` → both. */
function destructure(clause: string): { whole?: string; named?: string } | undefined {
  const namespace = /^\*\s*as\s+(\S+)$/.exec(clause);
  if (namespace) return NAME.test(namespace[1]!) ? { whole: namespace[1]! } : undefined;
  const [, whole, braces] = /^(?:([^,{}\s]+)\s*,\s*)?(\{[^{}]*\})$/.exec(clause) ?? [];
  if (braces === undefined) return NAME.test(clause) ? { whole: clause } : undefined;
  if (whole !== undefined && !NAME.test(whole)) return undefined;
  const pairs: string[] = [];
  for (const part of braces.slice(1, -1).split(",")) {
    if (part.trim() === "") continue;
    const [imported, local, ...rest] = part.trim().split(/\s+as\s+/);
    // `default` is not a property of the exports object: left as an import.
    if (rest.length > 0 || !imported || !NAME.test(imported) || imported === "default") return undefined;
    if (local !== undefined && !NAME.test(local)) return undefined;
    pairs.push(local === undefined ? imported : `${imported}:${local}`);
  }
  return { ...(whole === undefined ? {} : { whole }), named: `{${pairs.join(",")}}` };
}
