// Alert bodies as JSON: parsed without a reviver when no `__proto__` key can be in the text,
// and with one that drops such keys however they are spelled; their shape (depth, count of
// values) checked before parsing.
import { describe, expect, it } from "vitest";
import { PayloadError, parseJson } from "../../../src/alerts/intake/body.ts";
import { jsonShapeFault, MAX_JSON_DEPTH, MAX_JSON_VALUES } from "../../../src/chat/json-nesting.ts";

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

describe("an alert body's shape, read before it is parsed", () => {
  it("counts the body and each element or member, outside strings", () => {
    expect(jsonShapeFault("[1,2,3]", 32, 4)).toBeUndefined();
    expect(jsonShapeFault("[1,2,3]", 32, 3)).toBe("values");
    // The object, the array, and the array's two objects; whitespace and empty brackets add none.
    expect(jsonShapeFault('{ "a" : [ {} , { } ] }', 32, 4)).toBeUndefined();
    expect(jsonShapeFault('{ "a" : [ {} , { } ] }', 32, 3)).toBe("values");
    expect(jsonShapeFault("[[],{},[]]", 32, 4)).toBeUndefined();
    // Commas and brackets inside strings, escaped quotes included, are text.
    const quoted = '["a,b,[c]\\"","{,}"]'; // two strings, one with an escaped quote
    expect(jsonShapeFault(quoted, 32, 3)).toBeUndefined();
    expect(jsonShapeFault(quoted, 32, 2)).toBe("values");
    expect(jsonShapeFault("[[[]]]", 2)).toBe("depth");
  });

  it("refuses more than MAX_JSON_VALUES values, and JSON nested deeper than MAX_JSON_DEPTH", () => {
    const values = (n: number) =>
      `[${Array(n - 1)
        .fill("0")
        .join(",")}]`;
    expect(() => parseJson(values(MAX_JSON_VALUES))).not.toThrow();
    expect(() => parseJson(values(MAX_JSON_VALUES + 1))).toThrow(PayloadError);
    expect(() => parseJson(values(MAX_JSON_VALUES + 1))).toThrow(`more than ${MAX_JSON_VALUES} values`);
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    expect(() => parseJson(deep(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => parseJson(deep(MAX_JSON_DEPTH + 1))).toThrow(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  });
});
