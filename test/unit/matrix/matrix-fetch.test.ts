// The Matrix client's fetch follows a homeserver's redirect itself, on the bounded keep-alive
// fetch: the answer after a redirect is size-capped as any other, the request is sent once per
// hop (not replayed on the global fetch), and the access token never goes to another origin.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchWithDeadline, RedirectGuard } from "../../../src/chat/matrix/matrix-fetch.ts";
import { MAX_RESPONSE_BYTES } from "../../../src/http/keep-alive-fetch.ts";

const seen: Array<{
  server: "home" | "other";
  url?: string;
  method?: string;
  headers: IncomingMessage["headers"];
}> = [];
let home: Server;
let other: Server;
let homeBase: string;
let otherBase: string;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

beforeAll(async () => {
  home = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ server: "home", url: req.url, method: req.method, headers: req.headers });
      if (req.url === "/to-huge") {
        res.writeHead(302, { location: "/huge" });
        res.end();
        return;
      }
      if (req.url === "/huge") {
        res.writeHead(200, { "content-type": "text/plain" });
        const block = Buffer.alloc(1024 * 1024, 97);
        for (let i = 0; i * block.length <= MAX_RESPONSE_BYTES; i++) res.write(block);
        res.end();
        return;
      }
      if (req.url === "/create") {
        res.writeHead(307, { location: "/created" });
        res.end();
        return;
      }
      if (req.url === "/away") {
        res.writeHead(302, { location: `${otherBase}/landing` });
        res.end();
        return;
      }
      if (req.url === "/loop") {
        res.writeHead(302, { location: "/loop" });
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  other = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ server: "other", url: req.url, method: req.method, headers: req.headers });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"elsewhere":true}');
    });
  });
  homeBase = await listen(home);
  otherBase = await listen(other);
});

afterAll(async () => {
  home.closeAllConnections();
  other.closeAllConnections();
  await new Promise((resolve) => home.close(resolve));
  await new Promise((resolve) => other.close(resolve));
});

/** The homeserver these tests redirect from is on loopback: redirects to loopback are its own. */
const onTheLan = () => new RedirectGuard(homeBase);

const auth = { Authorization: "Bearer secret-token", "Content-Type": "application/json" };

describe("the Matrix client's fetch on a redirect", () => {
  it("caps the answer after a redirect as any other answer", async () => {
    await expect(
      fetchWithDeadline(
        new URL(`${homeBase}/to-huge`),
        { method: "GET", headers: auth, redirect: "follow" },
        30_000,
        onTheLan(),
      ),
    ).rejects.toThrow(/fetch failed/);
  });

  it("sends a request once to the URL that redirects, then to where it points", async () => {
    const response = await fetchWithDeadline(
      new URL(`${homeBase}/create`),
      { method: "POST", headers: auth, body: '{"name":"x"}', redirect: "follow" },
      30_000,
      onTheLan(),
    );
    expect(await response.json()).toEqual({ ok: true });
    expect(seen.filter((s) => s.url === "/create")).toHaveLength(1);
    const created = seen.filter((s) => s.url === "/created");
    expect(created.map((s) => s.method)).toEqual(["POST"]);
  });

  it("never sends the access token to another origin", async () => {
    const response = await fetchWithDeadline(
      new URL(`${homeBase}/away`),
      { method: "GET", headers: auth, redirect: "follow" },
      30_000,
      onTheLan(),
    );
    expect(await response.json()).toEqual({ elsewhere: true });
    const landed = seen.filter((s) => s.server === "other" && s.url === "/landing");
    expect(landed).toHaveLength(1);
    expect(landed[0]?.headers.authorization).toBeUndefined();
  });

  it("gives up on a redirect loop", async () => {
    await expect(
      fetchWithDeadline(
        new URL(`${homeBase}/loop`),
        { method: "GET", headers: auth, redirect: "follow" },
        30_000,
        onTheLan(),
      ),
    ).rejects.toThrow(/fetch failed/);
  });
});
