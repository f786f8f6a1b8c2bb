// Alert bodies as JSON: parsed without a reviver when no `__proto__` key can be in the text,
// and with one that drops such keys however they are spelled.
import { describe, expect, it } from "vitest";
import { parseJson } from "../../../src/alerts/intake/body.ts";

describe("an alert body's JSON", () => {
  it("parses as JSON.parse does when no key can be __proto__", () => {
    const text = '{"groupKey":"g","alerts":[{"labels":{"a":"b"}}],"n":1.5,"t":true,"z":null}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it("drops __proto__ keys, written out or with \\u escapes", () => {
    for (const key of ["__proto__", "\\u005f_proto__", "__pr\\u006fto__"]) {
      const parsed = parseJson(`{"a":{"${key}":{"polluted":"yes"},"b":"c"}}`) as { a: object };
      expect(Object.hasOwn(parsed.a, "__proto__")).toBe(false);
      expect(parsed.a).toEqual({ b: "c" });
      expect(({} as { polluted?: string }).polluted).toBeUndefined();
    }
  });

  it("keeps other escapes", () => {
    expect(parseJson('{"s":"caf\\u00e9"}')).toEqual({ s: "café" });
  });
});
