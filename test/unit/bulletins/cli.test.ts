import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyClearSigned } from "../../../src/bulletins/signing.ts";
import { verifyWithGpgv } from "./gpg.ts";
import { CSAF_DIR, KEV_SAMPLE } from "./samples.ts";

const SCRIPTS = fileURLToPath(new URL("../../../scripts/", import.meta.url));
const BULLETIN = path.join(SCRIPTS, "bulletin.ts");
const GENERATE_KEYS = path.join(SCRIPTS, "generate-keys.ts");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script with this Node (24, type stripping) and only the environment given. */
function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { BULLETIN_SIGNING_KEY: _key, BULLETIN_SIGNING_PASSPHRASE: _passphrase, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env: { ...inherited, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const render = (args: string[], env?: Record<string, string>) =>
  run(
    BULLETIN,
    ["render", "--source", CSAF_DIR, "--source", KEV_SAMPLE, "--until", "2025-08-26", ...args],
    env,
  );

function expectFriendlyUsageError(result: Run, message: string | RegExp) {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr).toMatch(message);
  expect(result.stderr).toContain("Usage: npm run");
  // No stack trace.
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe("npm run bulletin -- render", () => {
  it("prints the digest of the sample advisories and names the documents it skipped", async () => {
    const result = await render([]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      // Cisco's advisory has no TLP label.
      "No TLP label: not for sharing until labelled",
      "Security advisories digest",
      "Period: until 2025-08-26 (UTC)",
      "Sources: 2",
      "Advisories: 34",
    ]);
    expect(result.stdout.match(/^== .* ==$/gm)).toEqual([
      "== Critical (2) ==",
      "== High (1) ==",
      "== Medium (1) ==",
      "== Severity unknown (30) ==",
    ]);
    expect(result.stdout).toContain(
      "* BSI-2022-0001: CVRF-CSAF-Converter: XML External Entities Vulnerability\n",
    );
    expect(result.stdout.endsWith("\n")).toBe(true);
    const skipped = result.stderr.trim().split("\n");
    expect(skipped).toHaveLength(3);
    expect(skipped[0]).toMatch(
      /^skipped .*example-01-feed-tlp-white\.json: expected a CSAF advisory or KEV catalog/,
    );
  });

  it("applies the filters and the language", async () => {
    const [recent, severe, severeOrUnscored, rated] = await Promise.all([
      render(["--since", "2025-08-20", "--keyword", "git", "--lang", "de"]),
      render(["--min-cvss", "9", "--exclude-unscored", "--keyword", "cisco", "--keyword", "red hat"]),
      render(["--min-cvss", "9", "--keyword", "cisco", "--keyword", "red hat"]),
      render(["--kev-only", "--since", "2025-07-01", "--min-severity", "none"]),
    ]);
    expect(recent.code).toBe(0);
    expect(recent.stdout).toContain("Zeitraum: 2025-08-20 bis 2025-08-26 (UTC)");
    expect(recent.stdout.match(/^\* .*$/gm)).toEqual(["* CVE-2025-48384: Git Link Following Vulnerability"]);

    expect(severe.stdout.match(/^\* .*$/gm)).toEqual([
      "* cisco-sa-20180328-smi2: Cisco IOS and IOS XE Software Smart Install Remote Code Execution Vulnerability",
    ]);
    // Without --exclude-unscored, the unscored Red Hat advisories and Cisco KEV entries stay.
    expect(severeOrUnscored.code).toBe(0);
    const entries = severeOrUnscored.stdout.match(/^\* .*$/gm) ?? [];
    expect(entries).toContain(
      "* cisco-sa-20180328-smi2: Cisco IOS and IOS XE Software Smart Install Remote Code Execution Vulnerability",
    );
    expect(entries.some((entry) => entry.startsWith("* RHSA-2021:5186: "))).toBe(true);
    expect(entries.some((entry) => /^\* CVE-\d+-\d+: Cisco /.test(entry))).toBe(true);

    // KEV entries have no severity, so any minimum severity leaves none of them.
    expect(rated).toMatchObject({ code: 0, stdout: "" });
  });

  it("prints nothing for an empty period, or a notice with --announce-empty", async () => {
    const [silent, notice] = await Promise.all([
      render(["--keyword", "no-such-vendor"]),
      render(["--keyword", "no-such-vendor", "--announce-empty"]),
    ]);
    expect(silent).toMatchObject({ code: 0, stdout: "" });
    expect(silent.stderr).toContain("no advisories matched (34 loaded, 3 skipped)");
    expect(notice.code).toBe(0);
    expect(notice.stdout).toContain("\nNo new advisories in this period.\n");
  });

  it("fails (exit 1) when a source cannot be read, and never prints a nothing-new digest then", async () => {
    const [missing, partly] = await Promise.all([
      run(BULLETIN, ["render", "--source", "/nonexistent", "--announce-empty"]),
      render(["--source", "/nonexistent/kev.json", "--kev-only", "--since", "2025-08-20"]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toContain(
      "bulletin: 1 of 1 sources could not be read; no digest was made:\n  /nonexistent: no such file or directory\n",
    );

    // The readable sources still give their digest, which says what is missing.
    expect(partly.code).toBe(1);
    expect(partly.stdout).toContain(
      "⚠️ Incomplete: 1 of 3 sources could not be read, so advisories from it may be missing:\n" +
        "  - /nonexistent/kev.json: no such file or directory\n",
    );
    expect(partly.stdout).toContain("* CVE-2025-48384: Git Link Following Vulnerability");
    expect(partly.stderr).toContain(
      "bulletin: 1 of 3 sources could not be read; the digest above is incomplete:",
    );
  });

  it("explains bad arguments with the usage and exit code 2", async () => {
    const cases: Array<[Promise<Run>, RegExp]> = [
      [run(BULLETIN, []), /missing the command/],
      [run(BULLETIN, ["publish"]), /unknown command "publish"/],
      [run(BULLETIN, ["render"]), /give at least one --source/],
      [render(["--min-cvss", "high"]), /--min-cvss must be a number from 0 to 10/],
      [render(["--since", "last week"]), /--since must be a date like 2025-08-01/],
      [render(["--since", "2025-09-01"]), /--since must be before --until/],
      [render(["--lang", "fr"]), /--lang must be one of en, de/],
      [render(["--min-severity", "important"]), /--min-severity must be one of/],
      [render(["--frobnicate"]), /Unknown option '--frobnicate'/],
      [render(["--sign"]), /--sign needs BULLETIN_SIGNING_KEY/],
    ];
    for (const [result, message] of cases) expectFriendlyUsageError(await result, message);
  });

  it("prints the usage on --help", async () => {
    const help = await run(BULLETIN, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run bulletin -- render --source/);
  });
});

describe("keys:generate and a signed bulletin", () => {
  let dir: string;
  const passphrase = "a passphrase for the test key";

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tocsin-keys-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a protected key pair, refuses to overwrite it, and signs a bulletin gpg accepts", async () => {
    const keyPath = path.join(dir, "keys", "bulletin-key.asc");
    const generated = await run(
      GENERATE_KEYS,
      ["--out", keyPath, "--name", "CERT-Example", "--email", "cert@example.org"],
      { BULLETIN_SIGNING_PASSPHRASE: passphrase },
    );
    expect(generated.stderr).toBe("");
    expect(generated.code).toBe(0);
    const fingerprint = generated.stdout.match(/^fingerprint: +(.*)$/m)?.[1];
    expect(fingerprint).toMatch(/^([0-9A-F]{4} ){9}[0-9A-F]{4}$/);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, "keys", "bulletin-key.rev.asc"))).mode & 0o777).toBe(0o600);
    const publicKey = await readFile(path.join(dir, "keys", "bulletin-key.pub.asc"), "utf8");
    expect(publicKey).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);

    const again = await run(GENERATE_KEYS, ["--out", keyPath], { BULLETIN_SIGNING_PASSPHRASE: passphrase });
    expectFriendlyUsageError(again, /already exists; refusing to overwrite a key/);
    expect(await readFile(path.join(dir, "keys", "bulletin-key.pub.asc"), "utf8")).toBe(publicKey);

    const env = { BULLETIN_SIGNING_KEY: keyPath, BULLETIN_SIGNING_PASSPHRASE: passphrase };
    const signed = await render(["--since", "2025-08-20", "--sign"], env);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\n/);
    expect(signed.stdout).toMatch(/-----END PGP SIGNATURE-----\n$/);
    expect(await verifyClearSigned(signed.stdout, publicKey)).toMatchObject({
      valid: true,
      fingerprint,
      signedText: expect.stringContaining("Period: 2025-08-20 to 2025-08-26 (UTC)"),
    });
    const gpgv = verifyWithGpgv(signed.stdout, publicKey);
    expect(gpgv.stderr).toContain('Good signature from "CERT-Example <cert@example.org>"');
    expect(gpgv.ok).toBe(true);

    const wrong = await render(["--sign"], { ...env, BULLETIN_SIGNING_PASSPHRASE: "wrong" });
    expect(wrong).toMatchObject({ code: 1, stdout: "" });
    expect(wrong.stderr).toBe("bulletin failed: could not unlock the signing key: wrong passphrase\n");
  });

  it("needs a passphrase from the environment", async () => {
    const result = await run(GENERATE_KEYS, ["--out", path.join(dir, "other.asc")]);
    expectFriendlyUsageError(result, /set BULLETIN_SIGNING_PASSPHRASE/);
  });
});
