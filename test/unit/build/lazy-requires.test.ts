// The start bundle loads Socket Mode's undici only when it is used (src/build/bundle.ts): the
// installed @slack/socket-mode still has the statements the rewrite expects, and the rewritten
// module loads the package on first use, not before.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LAZY_REQUIRES, withLazyRequire } from "../../../src/build/bundle.ts";

const require = createRequire(import.meta.url);
const socketModeDir = path.dirname(require.resolve("@slack/socket-mode"));

describe("lazy requires in the start bundle", () => {
  it("matches the installed files it rewrites", async () => {
    for (const file of ["SlackWebSocket.js", "SocketModeClient.js"]) {
      const full = path.join(socketModeDir, file);
      const lazy = LAZY_REQUIRES.find((entry) => entry.file.test(full));
      expect(lazy, file).toBeDefined();
      const rewritten = withLazyRequire(await readFile(full, "utf8"), lazy!.module);
      expect(rewritten, file).toBeDefined();
      expect(rewritten).not.toContain(`= require("${lazy!.module}");`);
    }
  });

  it("requires the module on first use only, and answers as the module", () => {
    const code = withLazyRequire(
      'const undici_1 = require("undici");\nexports.use = () => undici_1.fetch;',
      "undici",
    );
    expect(code).toBeDefined();
    const loaded: string[] = [];
    const fakeModule = { fetch: "the fetch" };
    const fakeRequire = (name: string) => {
      loaded.push(name);
      return fakeModule;
    };
    const exports: { use?: () => unknown } = {};
    new Function("require", "exports", code!)(fakeRequire, exports);
    expect(loaded).toEqual([]);
    expect(exports.use?.()).toBe("the fetch");
    expect(exports.use?.()).toBe("the fetch");
    expect(loaded).toEqual(["undici"]);
  });

  it("leaves a file without the statement alone", () => {
    expect(withLazyRequire('const other = require("other");', "undici")).toBeUndefined();
  });
});
