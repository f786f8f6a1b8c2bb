// ATTACK: the generic endpoint's urlencoded form was read by collecting the distinct field names
// and calling URLSearchParams.getAll(name) for each; getAll scans every pair, so a body of n
// distinct fields cost n² steps. A 512 KB body (the endpoint's limit) holds ~90,000 short
// distinct fields: billions of steps on the event loop, stalling every chat platform and every
// alert sender of the process for one request. Reading a form must be linear in its body.
import { describe, expect, it } from "vitest";
import { parseForm } from "../../src/alerts/intake/body.ts";

describe("an urlencoded alert form of many distinct fields", () => {
  it("is read in time linear in the body", () => {
    const fields = 90_000;
    const text = Array.from({ length: fields }, (_, i) => `${i.toString(36)}=`).join("&");
    expect(text.length).toBeLessThan(512 * 1024);
    const started = performance.now();
    const form = parseForm(text);
    const took = performance.now() - started;
    expect(Object.keys(form)).toHaveLength(fields);
    expect(took).toBeLessThan(1000);
  });

  it("still keeps the last of repeated fields and every links value, and no __proto__", () => {
    const form = parseForm("summary=a&links=https%3A%2F%2Fa&summary=b&links=https%3A%2F%2Fb&__proto__=x");
    expect(form).toEqual({ summary: "b", links: ["https://a", "https://b"] });
    expect(Object.getPrototypeOf(form)).toBe(Object.prototype);
  });
});
