// @ts-check
// What `npm start` runs. Plain JavaScript on purpose: Node strips the types of a TypeScript file
// with a WebAssembly build of SWC (amaro) that it loads on first use, about 60-100 ms of CPU and
// 15-17 MB of memory kept for the life of the process; an entry file in TypeScript would load it
// at every start, before the compile cache (which keeps stripped TypeScript too) could be turned
// on. So this file turns the cache on first and only then imports the TypeScript it needs.
//
// - V8's compile cache: Node keeps the compiled code of tocsin and its dependencies between
//   starts (about 40% of a start's CPU), and the output of type stripping. It lives beside the
//   installed dependencies, not in a shared temporary directory (code read from there would be
//   trusted); where it cannot be written, tocsin starts without it (and strips types as usual).
//   NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// - The start bundle (src/build/): main.ts and what it imports as a few minified modules, built
//   from the current sources when they changed (a fingerprint of src/, commands/ and the files
//   that say how they build), so an old build is never run. Without a bundler, or with
//   TOCSIN_FROM_SOURCE=1, the TypeScript sources run as they are (what the tests and
//   `node src/main.ts` do).
import { enableCompileCache } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "..");
enableCompileCache(path.join(root, "node_modules/.cache/tocsin-compile"));
const { startBundle } = await import("./build/start-bundle.ts");
const bundle = process.env.TOCSIN_FROM_SOURCE === "1" ? undefined : await startBundle(root);
if (bundle) {
  const { ACK_THREAD_BUNDLE_NAME, ACK_THREAD_ENTRY_VARIABLE } = await import("./build/bundle-entries.ts");
  process.env[ACK_THREAD_ENTRY_VARIABLE] = path.join(path.dirname(bundle), `${ACK_THREAD_BUNDLE_NAME}.js`);
  await import(pathToFileURL(bundle).href);
} else await import("./main.ts");
