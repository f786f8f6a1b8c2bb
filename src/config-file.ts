// YAML configuration files (on-call, bulletins, access) validated with zod, with errors that
// point into the file: `oncall.yaml:12:9: teams[0].rotations[1].handoff: "25:00" is not ...`.
import { readFile } from "node:fs/promises";
import { isMap, isNode, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { UserError } from "./errors.ts";

export interface ConfigProblem {
  /** YAML path such as `teams[0].rotations[1].handoff`; empty for the whole document. */
  path: string;
  /** 1-based position of the offending value (or of its closest existing parent). */
  line?: number;
  column?: number;
  message: string;
}

export class ConfigFileError extends UserError {
  readonly fileName: string;
  readonly problems: readonly ConfigProblem[];

  /** `what` names the file for people: "on-call configuration", "access configuration". */
  constructor(what: string, fileName: string, problems: ConfigProblem[]) {
    const lines = problems.map((p) => {
      const where = p.line === undefined ? fileName : `${fileName}:${p.line}:${p.column}`;
      return `${where}: ${p.path ? `${p.path}: ` : ""}${p.message}`;
    });
    const heading =
      problems.length === 1 ? `The ${what} has a problem:` : `The ${what} has ${problems.length} problems:`;
    super(`${heading}\n${lines.map((line) => `  ${line}`).join("\n")}`);
    this.name = "ConfigFileError";
    this.fileName = fileName;
    this.problems = problems;
  }
}

export interface ConfigFileKind<S extends z.ZodType> {
  /** For messages: "on-call configuration". */
  what: string;
  /** Where to look for the format, for an empty file: "examples/oncall.yaml". */
  example: string;
  /** The file's schema, built when a file of this kind is first read (src/lazy-schema.ts). */
  schema: () => S;
}

/** Parses and validates YAML text; throws ConfigFileError listing every problem found. */
export function parseConfigFile<S extends z.ZodType>(
  kind: ConfigFileKind<S>,
  text: string,
  fileName: string,
): z.infer<S> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (document.errors.length > 0) {
    throw new ConfigFileError(
      kind.what,
      fileName,
      document.errors.map((error) => ({
        path: "",
        ...position(error.pos[0]),
        message: `YAML syntax: ${error.message.split("\n")[0]}`,
      })),
    );
  }
  if (document.contents === null) {
    throw new ConfigFileError(kind.what, fileName, [
      { path: "", message: `the file is empty; see ${kind.example} for the format` },
    ]);
  }
  const result = kind.schema().safeParse(document.toJS());
  if (result.success) return deepFreeze(result.data);

  const problems = result.error.issues.map((issue): ConfigProblem => {
    const path = issue.path.filter((key): key is string | number => typeof key !== "symbol");
    const located = locate(document.contents, path);
    const missing = !located.exact && issue.code === "invalid_type";
    const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys : [];
    let offset = located.node?.range?.[0];
    if (unknownKeys.length > 0 && isMap(located.node)) {
      const pair = located.node.items.find((item) => isScalar(item.key) && item.key.value === unknownKeys[0]);
      if (isNode(pair?.key)) offset = pair.key.range?.[0] ?? offset;
    }
    let message = issue.message;
    if (missing) message = `missing required field "${String(path.at(-1))}"`;
    else if (unknownKeys.length > 0) {
      message = `unknown field${unknownKeys.length > 1 ? "s" : ""} ${unknownKeys.map((k) => `"${k}"`).join(", ")}`;
    }
    return { path: formatConfigPath(path), ...(offset === undefined ? {} : position(offset)), message };
  });
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  throw new ConfigFileError(kind.what, fileName, problems);
}

/** Reads and validates the file at `path`. */
export async function loadConfigFile<S extends z.ZodType>(
  kind: ConfigFileKind<S>,
  path: string,
): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new ConfigFileError(kind.what, path, [
      { path: "", message: `cannot read the ${kind.what}: ${reason}` },
    ]);
  }
  return parseConfigFile(kind, text, path);
}

/** `teams[0].rotations[1].handoff` */
export function formatConfigPath(path: readonly (string | number)[]): string {
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? key : `.${key}`)).join("");
}

/** The YAML node at `path`, or the deepest existing parent when the path does not exist. */
function locate(
  root: unknown,
  path: readonly (string | number)[],
): { node: Node | undefined; exact: boolean } {
  let node = isNode(root) ? root : undefined;
  for (const key of path) {
    let child: unknown;
    if (isMap(node)) child = node.get(key, true);
    else if (isSeq(node) && typeof key === "number") child = node.get(key, true);
    if (!isNode(child)) return { node, exact: false };
    node = child;
  }
  return { node, exact: true };
}

/** Frozen, so code that caches per config object can trust it; a reload swaps in a new one. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
