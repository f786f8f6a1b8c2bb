import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeSourceFailure, loadAdvisories, type SourceLogger } from "../../../src/bulletins/sources.ts";
import {
  CSAF_DIR,
  CSAF_SAMPLES,
  DISTRIBUTION_EXAMPLES,
  KEV_SAMPLE,
  readJson,
  sampleCopy,
} from "./samples.ts";

function recordingLogger() {
  const lines: string[] = [];
  const logger: SourceLogger = { warn: (_details, message) => lines.push(message) };
  return { logger, lines };
}

const ids = (loaded: { advisories: Array<{ id: string }> }) => loaded.advisories.map((a) => a.id).sort();

describe("loading from local files", () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "tocsin-sources-"));
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it("reads a directory of CSAF files, skipping broken ones with a line naming each", async () => {
    const dir = path.join(workDir, "advisories");
    await mkdir(path.join(dir, "2022"), { recursive: true });
    await mkdir(path.join(dir, "2018"), { recursive: true });
    await copyFile(CSAF_SAMPLES.bsi, path.join(dir, "2022", "bsi-2022-0001.json"));
    await copyFile(CSAF_SAMPLES.rhsa0011, path.join(dir, "2022", "rhsa-2022_0011.json"));
    await copyFile(CSAF_SAMPLES.rhsa5186, path.join(dir, "rhsa-2021_5186.json"));
    await copyFile(CSAF_SAMPLES.cisco, path.join(dir, "2018", "cisco-sa-20180328-smi2.json"));
    // Detached signatures and hashes sit next to the documents and are not JSON.
    await writeFile(path.join(dir, "2022", "bsi-2022-0001.json.asc"), "-----BEGIN PGP SIGNATURE-----");
    await writeFile(path.join(dir, "truncated.json"), '{"document": {"csaf_version": "2.0"');
    const incomplete = sampleCopy(CSAF_SAMPLES.bsi);
    delete incomplete.document.tracking;
    await writeFile(path.join(dir, "incomplete.json"), JSON.stringify(incomplete));
    await writeFile(path.join(dir, "notes.json"), JSON.stringify({ hello: "world" }));

    const { logger, lines } = recordingLogger();
    const loaded = await loadAdvisories([dir], { logger });

    expect(ids(loaded)).toEqual([
      "BSI-2022-0001",
      "RHSA-2021:5186",
      "RHSA-2022:0011",
      "cisco-sa-20180328-smi2",
    ]);
    expect(loaded.skipped).toEqual([
      {
        where: path.join(dir, "incomplete.json"),
        reason: expect.stringMatching(/^not a valid CSAF 2\.0 document: document\.tracking: /),
      },
      {
        where: path.join(dir, "notes.json"),
        reason: "not a CSAF advisory, KEV catalog, provider-metadata.json or ROLIE feed",
        // Other JSON in a source directory hides no advisory: skipped, not a failure.
        ignored: true,
      },
      { where: path.join(dir, "truncated.json"), reason: expect.stringMatching(/^not valid JSON: /) },
    ]);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe(`skipped ${path.join(dir, "truncated.json")}: ${loaded.skipped[2]?.reason}`);
  });

  it("logs through a pino logger as it is", async () => {
    const written: string[] = [];
    const logger = pino({ level: "info" }, { write: (line: string) => written.push(line) });
    const missing = path.join(workDir, "missing.json");
    await loadAdvisories([missing], { logger });
    const [warning, summary] = written.map((line) => JSON.parse(line));
    expect(warning).toMatchObject({
      level: 40,
      where: missing,
      reason: "no such file or directory",
      msg: `skipped ${missing}: no such file or directory`,
    });
    expect(summary).toMatchObject({ level: 30, source: missing, advisories: 0, skipped: 1 });
  });

  it("reads the sample folder and says why the distribution examples are not advisories", async () => {
    const loaded = await loadAdvisories([CSAF_DIR]);
    expect(loaded.advisories).toHaveLength(4);
    expect(loaded.skipped.map((s) => path.basename(s.where))).toEqual([
      "example-01-feed-tlp-white.json",
      "example-01-provider-metadata.json",
      "example-01-service.json",
    ]);
    expect(loaded.skipped[1]?.reason).toBe(
      "expected a CSAF advisory or KEV catalog but found a CSAF provider-metadata.json; " +
        "name it as a source of its own to follow it",
    );
  });

  it("detects whether a single file is a CSAF advisory or the KEV catalog", async () => {
    const loaded = await loadAdvisories([CSAF_SAMPLES.cisco, KEV_SAMPLE]);
    expect(loaded.skipped).toEqual([]);
    expect(loaded.advisories).toHaveLength(31);
    expect(loaded.advisories[0]?.source).toBe("csaf");
    expect(loaded.advisories.slice(1).every((a) => a.source === "kev")).toBe(true);
  });

  it("reports a missing path and an unsupported scheme without stopping the other sources", async () => {
    const missing = path.join(workDir, "no-such-dir");
    const loaded = await loadAdvisories([missing, "ftp://example.org/feed.json", CSAF_SAMPLES.bsi]);
    expect(ids(loaded)).toEqual(["BSI-2022-0001"]);
    expect(loaded.skipped).toEqual([
      { where: missing, reason: "no such file or directory" },
      { where: "ftp://example.org/feed.json", reason: "only local paths and http(s) URLs are supported" },
    ]);
  });

  it("names each source that could not be read, with one line on why", async () => {
    const missing = path.join(workDir, "no-such-dir");
    const broken = path.join(workDir, "broken-sources");
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, "a.json"), "{");
    await writeFile(path.join(broken, "b.json"), "[1,");
    await writeFile(path.join(broken, "other.json"), JSON.stringify({ name: "not an advisory" }));
    const loaded = await loadAdvisories([missing, CSAF_SAMPLES.bsi, broken, CSAF_DIR]);
    // The sample folder's distribution examples are skipped but hide no advisory: not failures.
    expect(loaded.failedSources.map((failure) => failure.source)).toEqual([missing, broken]);
    expect(loaded.failedSources.map(describeSourceFailure)).toEqual([
      `${missing}: no such file or directory`,
      expect.stringMatching(
        new RegExp(
          `^${broken}: ${path.join(broken, "a.json")}: not valid JSON: .* \\(and 1 more problem\\)$`,
        ),
      ),
    ]);
    expect(ids(loaded)).toContain("BSI-2022-0001");
  });

  it("logs an advisory whose stated CVSS score contradicts its vector", async () => {
    const misstated = sampleCopy(CSAF_SAMPLES.bsi);
    misstated.vulnerabilities[0].scores[0].cvss_v3.baseScore = 9.9;
    const file = path.join(workDir, "bsi-misstated.json");
    await writeFile(file, JSON.stringify(misstated));
    const { logger, lines } = recordingLogger();
    const loaded = await loadAdvisories([file], { logger });
    expect(loaded.advisories[0]?.cvss).toMatchObject({ baseScore: 6.1, statedBaseScore: 9.9 });
    expect(lines).toEqual([
      "BSI-2022-0001 states CVSS 9.9 but its vector CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:L/E:F/RL:O/RC:C gives 6.1; the digest shows 6.1",
    ]);
  });

  it("keeps the latest revision when the same advisory comes from two sources", async () => {
    const revised = sampleCopy(CSAF_SAMPLES.bsi);
    revised.document.tracking.current_release_date = "2022-04-01T00:00:00.000Z";
    revised.document.title = "revised title";
    const file = path.join(workDir, "bsi-revised.json");
    await writeFile(file, JSON.stringify(revised));
    const loaded = await loadAdvisories([CSAF_SAMPLES.bsi, file, CSAF_SAMPLES.bsi]);
    expect(loaded.advisories).toHaveLength(1);
    expect(loaded.advisories[0]?.title).toBe("revised title");
  });

  it("follows a local ROLIE feed's links and skips the one that cannot be reached", async () => {
    // The spec's example feed points to a fictitious host; the lookup fails fast here.
    const loaded = await loadAdvisories([DISTRIBUTION_EXAMPLES.feed], { timeoutMs: 2000 });
    expect(loaded.advisories).toEqual([]);
    expect(loaded.skipped).toHaveLength(1);
    expect(loaded.skipped[0]?.where).toBe("https://psirt.domain.tld/advisories/csaf/2020/2020-ESA-001.json");
  });
});

describe("loading from a CSAF provider and the KEV catalog over HTTP", () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    const routes = new Map<string, () => { status?: number; body: string; type?: string }>();
    const json = (value: unknown) => () => ({ body: JSON.stringify(value), type: "application/json" });
    const sample = (file: string) => json(readJson(file));
    server = createServer((request, response) => {
      const url = request.url ?? "/";
      requests.push(url);
      if (url === "/slow.json") return; // never answers
      if (url === "/endless.json") {
        response.writeHead(200, { "content-type": "application/json" });
        response.write("[");
        // Big chunks: the byte limit must be hit well within the timeout even on a busy machine.
        const timer = setInterval(() => response.write(`"${"x".repeat(20_000)}",`), 5);
        response.on("close", () => clearInterval(timer));
        return;
      }
      const route = routes.get(url);
      const answer = route ? route() : { status: 404, body: "not found" };
      response.writeHead(answer.status ?? 200, { "content-type": answer.type ?? "text/plain" });
      response.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // A provider publishing through a ROLIE feed, modelled on the spec's examples.
    const metadata = sampleCopy(DISTRIBUTION_EXAMPLES.providerMetadata);
    metadata.canonical_url = `${base}/.well-known/csaf/provider-metadata.json`;
    metadata.distributions[0].rolie.feeds[0].url = `${base}/.well-known/csaf/feed-tlp-white.json`;
    routes.set("/.well-known/csaf/provider-metadata.json", json(metadata));

    const feed = sampleCopy(DISTRIBUTION_EXAMPLES.feed);
    const template = feed.feed.entry[0];
    const entry = (id: string, updated: string, href: string, viaContent = true) => ({
      ...structuredClone(template),
      id,
      updated,
      content: viaContent ? { type: "application/json", src: href } : undefined,
      link: [
        { rel: "self", href },
        { rel: "hash", href: `${href}.sha512` },
      ],
    });
    feed.feed.entry = [
      // Relative to the feed, as a provider may write it.
      entry("BSI-2022-0001", "2022-03-17T13:03:42.105Z", "2022/bsi-2022-0001.json"),
      // Only a self link.
      entry(
        "RHSA-2021:5186",
        "2021-12-16T22:34:00Z",
        `${base}/.well-known/csaf/2021/rhsa-2021_5186.json`,
        false,
      ),
      entry("gone", "2022-02-01T00:00:00Z", `${base}/.well-known/csaf/2022/gone.json`),
      entry("broken", "2022-02-02T00:00:00Z", `${base}/.well-known/csaf/2022/broken.json`),
      entry("local", "2022-02-03T00:00:00Z", "file:///etc/passwd"),
    ];
    routes.set("/.well-known/csaf/feed-tlp-white.json", json(feed));
    routes.set("/.well-known/csaf/2022/bsi-2022-0001.json", sample(CSAF_SAMPLES.bsi));
    routes.set("/.well-known/csaf/2021/rhsa-2021_5186.json", sample(CSAF_SAMPLES.rhsa5186));
    routes.set("/.well-known/csaf/2022/broken.json", () => ({ body: "<html>oops</html>" }));

    // A provider using the directory model only.
    routes.set(
      "/dir-provider/provider-metadata.json",
      json({
        canonical_url: `${base}/dir-provider/provider-metadata.json`,
        metadata_version: "2.0",
        distributions: [{ directory_url: `${base}/dir-provider/csaf` }],
      }),
    );
    routes.set("/dir-provider/csaf/index.txt", () => ({
      body: "2018/cisco-sa-20180328-smi2.json\n2022/rhsa-2022_0011.json\n",
    }));
    routes.set("/dir-provider/csaf/changes.csv", () => ({
      body: '"2022/rhsa-2022_0011.json","2022-01-04T08:38:00Z"\n"2018/cisco-sa-20180328-smi2.json","2018-04-17T15:08:41Z"\n',
    }));
    routes.set("/dir-provider/csaf/2018/cisco-sa-20180328-smi2.json", sample(CSAF_SAMPLES.cisco));
    routes.set("/dir-provider/csaf/2022/rhsa-2022_0011.json", sample(CSAF_SAMPLES.rhsa0011));

    // A ROLIE service document pointing at the feed.
    const service = sampleCopy(DISTRIBUTION_EXAMPLES.service);
    service.service.workspace[0].collection[0].href = `${base}/.well-known/csaf/feed-tlp-white.json`;
    routes.set("/service.json", json(service));

    routes.set("/kev/known_exploited_vulnerabilities.json", sample(KEV_SAMPLE));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("follows provider-metadata.json to its ROLIE feed and each entry's document", async () => {
    const { logger, lines } = recordingLogger();
    const loaded = await loadAdvisories([`${base}/.well-known/csaf/provider-metadata.json`], { logger });
    expect(ids(loaded)).toEqual(["BSI-2022-0001", "RHSA-2021:5186"]);
    expect(loaded.skipped).toEqual([
      {
        where: `${base}/.well-known/csaf/feed-tlp-white.json`,
        reason: expect.stringContaining("file:///etc/passwd"),
      },
      {
        where: `${base}/.well-known/csaf/2022/broken.json`,
        reason: expect.stringMatching(/^not valid JSON/),
      },
      { where: `${base}/.well-known/csaf/2022/gone.json`, reason: "HTTP 404 Not Found" },
    ]);
    expect(loaded.skipped[0]?.reason).toMatch(/^refusing to follow link .*: not an http\(s\) URL$/);
    expect(lines).toHaveLength(3);
  });

  it("fetches only feed entries updated since a date when asked to", async () => {
    requests.length = 0;
    const loaded = await loadAdvisories([`${base}/.well-known/csaf/feed-tlp-white.json`], {
      since: new Date("2022-03-01T00:00:00Z"),
    });
    expect(ids(loaded)).toEqual(["BSI-2022-0001"]);
    expect(requests).not.toContain("/.well-known/csaf/2021/rhsa-2021_5186.json");
  });

  it("follows a directory-only provider through index.txt, or changes.csv for recent changes", async () => {
    const all = await loadAdvisories([`${base}/dir-provider/provider-metadata.json`]);
    expect(ids(all)).toEqual(["RHSA-2022:0011", "cisco-sa-20180328-smi2"]);
    expect(all.skipped).toEqual([]);

    requests.length = 0;
    const recent = await loadAdvisories([`${base}/dir-provider/provider-metadata.json`], {
      since: new Date("2021-01-01T00:00:00Z"),
    });
    expect(ids(recent)).toEqual(["RHSA-2022:0011"]);
    expect(requests).toContain("/dir-provider/csaf/changes.csv");
    expect(requests).not.toContain("/dir-provider/csaf/index.txt");
  });

  it("follows a ROLIE service document to its feeds", async () => {
    const loaded = await loadAdvisories([`${base}/service.json`]);
    expect(ids(loaded)).toEqual(["BSI-2022-0001", "RHSA-2021:5186"]);
  });

  it("reads the KEV catalog from a URL", async () => {
    const loaded = await loadAdvisories([`${base}/kev/known_exploited_vulnerabilities.json`]);
    expect(loaded.skipped).toEqual([]);
    expect(loaded.advisories).toHaveLength(30);
    expect(loaded.advisories[0]?.id).toBe("CVE-2025-48384");
  });

  it("caps how many documents one listing may make it fetch", async () => {
    const loaded = await loadAdvisories([`${base}/.well-known/csaf/feed-tlp-white.json`], {
      maxDocumentsPerListing: 2,
    });
    // Newest entries first: BSI-2022-0001 and the refused file link.
    expect(ids(loaded)).toEqual(["BSI-2022-0001"]);
    expect(loaded.skipped.at(-1)).toEqual({
      where: `${base}/.well-known/csaf/feed-tlp-white.json`,
      reason: "3 more documents listed; only 2 were read",
    });
  });

  it("gives up on a server that does not answer in time, or sends too much, and goes on", async () => {
    const started = Date.now();
    const loaded = await loadAdvisories(
      [`${base}/slow.json`, `${base}/endless.json`, `${base}/kev/known_exploited_vulnerabilities.json`],
      { timeoutMs: 300, maxBytes: 50_000 },
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(loaded.skipped).toEqual([
      { where: `${base}/slow.json`, reason: "no complete answer within 300 ms" },
      { where: `${base}/endless.json`, reason: "larger than the 50000 byte limit" },
    ]);
    expect(loaded.advisories).toHaveLength(30);
  });

  it("reports a refused connection as unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const loaded = await loadAdvisories([`http://127.0.0.1:${port}/feed.json`]);
    expect(loaded.skipped).toEqual([
      {
        where: `http://127.0.0.1:${port}/feed.json`,
        reason: expect.stringMatching(/^unreachable: .*ECONNREFUSED/),
      },
    ]);
  });
});
