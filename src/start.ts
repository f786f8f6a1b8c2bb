// What `npm start` runs: V8's compile cache first, then the composition root (main.ts). Node keeps
// the compiled code of tocsin's modules and its dependencies between starts, which saves about
// 40% of a start's CPU (measured: 3.8-4.3 s down to 2.1-2.5 s until ready, Slack + Matrix). It is
// enabled here because it must be on before main.ts's imports load. The cache lives beside the
// installed dependencies, not in a shared temporary directory (code read from there would be
// trusted); where it cannot be written, tocsin starts without it. NODE_DISABLE_COMPILE_CACHE=1
// turns it off.
import { enableCompileCache } from "node:module";
import path from "node:path";

enableCompileCache(path.resolve(import.meta.dirname, "../node_modules/.cache/tocsin-compile"));
await import("./main.ts");
