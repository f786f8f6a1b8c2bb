// The start bundle takes node:http and node:https through process.getBuiltinModule: their ESM
// facade would read the lazy getters that load undici (src/build/builtin-imports.ts).
import { describe, expect, it } from "vitest";
import { withoutHeavyFacades } from "../../../src/build/builtin-imports.ts";

describe("withoutHeavyFacades", () => {
  it("turns each import shape of node:http and node:https into a const", () => {
    expect(withoutHeavyFacades('import{Agent,request as r}from"node:http";f();')).toBe(
      'const {Agent,request:r}=process.getBuiltinModule("node:http");f();',
    );
    expect(withoutHeavyFacades('import https from "https";')).toBe(
      'const https=process.getBuiltinModule("node:https");',
    );
    expect(withoutHeavyFacades('import*as h from"node:http"')).toBe(
      'const h=process.getBuiltinModule("node:http");',
    );
    expect(withoutHeavyFacades('import h,{get}from"node:https";')).toBe(
      'const h=process.getBuiltinModule("node:https"),{get}=h;',
    );
  });

  it("leaves other modules and shapes it cannot express as they are", () => {
    for (const code of [
      'import{createServer,isIP}from"node:net";',
      'import{connect}from"node:http2";',
      'import{x}from"./http";',
      'import{default as h}from"node:http";',
      'export{request}from"node:http";',
    ]) {
      expect(withoutHeavyFacades(code)).toBe(code);
    }
  });

  it("gives the same exports the import gave", async () => {
    const http = await import("node:http");
    const { createServer, Agent } = process.getBuiltinModule("node:http");
    expect(createServer).toBe(http.createServer);
    expect(Agent).toBe(http.Agent);
  });
});
