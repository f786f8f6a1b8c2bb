// What `npm start` runs. Two things that must happen before src/main.ts's imports load:
//
// - V8's compile cache: Node keeps the compiled code of tocsin and its dependencies between
//   starts (about 40% of a start's CPU). It lives beside the installed dependencies, not in a
//   shared temporary directory (code read from there would be trusted); where it cannot be
//   written, tocsin starts without it. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// - The start bundle (src/build/): main.ts and what it imports as a few minified modules, built
//   from the current sources when they changed (a fingerprint of src/, commands/ and the lock),
//   so an old build is never run. Without a bundler, or with TOCSIN_FROM_SOURCE=1, the
//   TypeScript sources run as they are (what the tests and `node src/main.ts` do).
import { enableCompileCache } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ACK_THREAD_BUNDLE_NAME, ACK_THREAD_ENTRY_VARIABLE } from "./build/bundle-entries.ts";
import { startBundle } from "./build/start-bundle.ts";

const root = path.resolve(import.meta.dirname, "..");
enableCompileCache(path.join(root, "node_modules/.cache/tocsin-compile"));
const bundle = process.env.TOCSIN_FROM_SOURCE === "1" ? undefined : await startBundle(root);
if (bundle) {
  process.env[ACK_THREAD_ENTRY_VARIABLE] = path.join(path.dirname(bundle), `${ACK_THREAD_BUNDLE_NAME}.js`);
  await import(pathToFileURL(bundle).href);
} else await import("./main.ts");
