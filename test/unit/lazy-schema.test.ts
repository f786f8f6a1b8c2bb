import { describe, expect, it } from "vitest";
import { z } from "zod";
import { lazySchema } from "../../src/lazy-schema.ts";

describe("lazySchema", () => {
  it("builds nothing until the first call", () => {
    let builds = 0;
    lazySchema(() => {
      builds++;
      return z.string();
    });
    expect(builds).toBe(0);
  });

  it("builds once and returns the same schema on every call", () => {
    let builds = 0;
    const schema = lazySchema(() => {
      builds++;
      return z.object({ id: z.string().min(1) });
    });
    const first = schema();
    const second = schema();
    expect(builds).toBe(1);
    expect(second).toBe(first);
    expect(schema().parse({ id: "a" })).toEqual({ id: "a" });
    expect(schema().safeParse({ id: "" }).success).toBe(false);
    expect(builds).toBe(1);
  });

  it("builds again after a build that threw (nothing half-made is kept)", () => {
    let calls = 0;
    const schema = lazySchema(() => {
      calls++;
      if (calls === 1) throw new Error("not yet");
      return z.number();
    });
    expect(() => schema()).toThrow("not yet");
    expect(schema().parse(3)).toBe(3);
    expect(schema()).toBe(schema());
    expect(calls).toBe(2);
  });

  it("composes: a lazy schema built from another builds each once", () => {
    let inner = 0;
    let outer = 0;
    const id = lazySchema(() => {
      inner++;
      return z.string().regex(/^[a-z]+$/);
    });
    const pair = lazySchema(() => {
      outer++;
      return z.strictObject({ a: id(), b: id() });
    });
    expect(inner).toBe(0);
    expect(pair().parse({ a: "x", b: "y" })).toEqual({ a: "x", b: "y" });
    pair();
    expect([inner, outer]).toEqual([1, 1]);
  });
});
