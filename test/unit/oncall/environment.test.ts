// The on-call variables of the environment (src/config.ts).
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.ts";

describe("on-call environment", () => {
  it("reads ONCALL_CONFIG, ONCALL_FEED_SECRET and TOCSIN_PUBLIC_URL, and runs the HTTP server for feeds", () => {
    const config = loadConfig({
      ONCALL_CONFIG: "./oncall.yaml",
      ONCALL_FEED_SECRET: "0123456789abcdef0123",
      TOCSIN_PUBLIC_URL: "https://tocsin.example.org",
    });
    expect(config.oncall).toEqual({
      configFile: "./oncall.yaml",
      feedSecret: "0123456789abcdef0123",
      publicUrl: "https://tocsin.example.org",
    });
    expect(config.http.enabled).toBe(true);
    expect(loadConfig({}).http.enabled).toBe(false);
    expect(loadConfig({}).oncall).toEqual({});
  });

  it("refuses a short feed secret without echoing it, and a public URL that is not http(s)", () => {
    try {
      loadConfig({ ONCALL_FEED_SECRET: "hunter2" });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toContain(
        "ONCALL_FEED_SECRET (value not shown) is too short: use a random secret of at least 16 characters",
      );
      expect(String(error)).not.toContain("hunter2");
    }
    expect(() => loadConfig({ TOCSIN_PUBLIC_URL: "tocsin.example.org" })).toThrow(
      /TOCSIN_PUBLIC_URL="tocsin.example.org" is not an http\(s\) URL: use the URL/,
    );
  });
});
