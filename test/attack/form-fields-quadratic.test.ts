// ATTACK: the generic endpoint's urlencoded form was read by collecting the distinct field names
// and calling URLSearchParams.getAll(name) for each; getAll scans every pair, so a body of n
// distinct fields cost n² steps. A 512 KB body (the endpoint's limit) holds ~90,000 short
// distinct fields: billions of steps on the event loop, stalling every chat platform and every
// alert sender of the process for one request. Reading a form must be linear in its body; since
// 2026-12-01 a form of more than MAX_FORM_FIELDS fields is refused, which bounds what it holds.
import { describe, expect, it } from "vitest";
import { MAX_FORM_FIELDS, PayloadError, parseForm } from "../../src/alerts/intake/body.ts";

describe("an urlencoded alert form of many distinct fields", () => {
  it("is read in time linear in the body, up to MAX_FORM_FIELDS fields", () => {
    const text = Array.from({ length: MAX_FORM_FIELDS }, (_, i) => `${i.toString(36)}=`).join("&");
    const started = performance.now();
    const form = parseForm(text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Object.keys(form)).toHaveLength(MAX_FORM_FIELDS);
  });

  it("is refused past MAX_FORM_FIELDS fields, at once (a 512 KB body holds 90,000)", () => {
    const text = Array.from({ length: 90_000 }, (_, i) => `${i.toString(36)}=`).join("&");
    expect(text.length).toBeLessThan(512 * 1024);
    const started = performance.now();
    expect(() => parseForm(text)).toThrow(
      new PayloadError(`the form has more than ${MAX_FORM_FIELDS} fields`),
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  // ATTACK: URLSearchParams on Node 24 is quadratic in fields without an `=`: `a&a&...` of 512
  // KB took 1 s, of 4 MB 78 s (the attack review of 2026-12-01). Fields without `=` before one
  // long field are the same shape within the field limit.
  it("is linear in fields without an `=`, however long the field after them", () => {
    const started = performance.now();
    // 1 MB: URLSearchParams took seconds on it, even with the field limit checked after it.
    expect(() => parseForm("a&".repeat(512 * 1024))).toThrow(PayloadError);
    const form = parseForm(`${"a&".repeat(MAX_FORM_FIELDS - 2)}summary=${"x".repeat(4 * 1024 * 1024)}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(form.a).toBe("");
    expect((form.summary as string).length).toBe(4 * 1024 * 1024);
  });

  // ATTACK: `+` decoded by replaceAll built a piece per `+` (4 MB of them took more than 128 MB
  // of heap), and querystring.unescape's fallback for a stray `%` kept each character's low
  // byte only (the attack review of 2026-12-01).
  it("decodes `+` and %XX on the UTF-8 bytes, keeping text around a stray `%`", () => {
    expect(parseForm("a+b=c+d&x=%E2%82%AC&y=%zz%C3%A9")).toEqual({ "a b": "c d", x: "€", y: "%zzé" });
    expect(parseForm("summary=Disk 95% full on hôte&t=CPU 100%+服务器")).toEqual({
      summary: "Disk 95% full on hôte",
      t: "CPU 100% 服务器",
    });
    expect(parseForm("e=%E2%82&f=%FF")).toEqual({ e: "\ufffd", f: "\ufffd" });
    const started = performance.now();
    const spaces = parseForm(`summary=${"+".repeat(4 * 1024 * 1024)}`).summary as string;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(spaces.length).toBe(4 * 1024 * 1024);
    expect(spaces.trim()).toBe("");
  });

  it("still keeps the last of repeated fields and every links value, and no __proto__", () => {
    const form = parseForm("summary=a&links=https%3A%2F%2Fa&summary=b&links=https%3A%2F%2Fb&__proto__=x");
    expect(form).toEqual({ summary: "b", links: ["https://a", "https://b"] });
    expect(Object.getPrototypeOf(form)).toBe(Object.prototype);
  });
});
