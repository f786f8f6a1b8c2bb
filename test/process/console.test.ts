// tocsin's console as a real process: a bad environment value is one sentence, a piped script's
// exit code says whether every line went through, a pasted clear-signed block is one command,
// and in a terminal (a pty from util-linux `script`) logs and files stay out of the conversation.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearSign, generateSigningKey, loadSigningKey } from "../../src/bulletins/signing.ts";
import { startTocsin } from "../support/tocsin-process.ts";
import { until } from "../support/waiting.ts";

const MAIN = path.resolve(import.meta.dirname, "../../src/main.ts");

let root: string;
let dataDir: string;
let keyEnv: Record<string, string>;
let signed: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "tocsin-console-"));
  // mkdtemp makes it 0700; the embedded PostgreSQL runs as "postgres" when the tests run as root.
  await chmod(root, 0o755);
  dataDir = path.join(root, "data");
  const pair = await generateSigningKey({ name: "CERT", passphrase: "right horse" });
  const keyFile = path.join(root, "key.asc");
  await writeFile(keyFile, pair.privateKeyArmored);
  keyEnv = { BULLETIN_SIGNING_KEY: keyFile, BULLETIN_SIGNING_PASSPHRASE: "right horse" };
  const key = await loadSigningKey(pair.privateKeyArmored, "right horse");
  signed = await clearSign("Advisory: patch the VPN gateways.\n- 'unbalanced \"quotes\n", key);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("console process", () => {
  it("stops on a bad environment value with one sentence and no stack trace", async () => {
    const tocsin = startTocsin({
      TOCSIN_DATA_DIR: dataDir,
      HTTP_PORT: "abc",
      SLACK_BOT_TOKEN: "xoxp-hunter2",
    });
    expect(await tocsin.finish()).toBe(2);
    expect(tocsin.stderr()).toContain(
      'HTTP_PORT="abc" is not a port number: use a number from 1 to 65535 (0: any free port), e.g. HTTP_PORT=3000.',
    );
    expect(tocsin.stderr()).toContain("SLACK_BOT_TOKEN (value not shown) is not a Slack bot token");
    expect(tocsin.stderr()).not.toContain("hunter2");
    expect(tocsin.stderr()).not.toMatch(/^\s+at /m);
  });

  it("handles every piped line, then exits 1 and says how many failed", async () => {
    const tocsin = startTocsin({ TOCSIN_DATA_DIR: dataDir });
    tocsin.type("/inc declare Script test");
    tocsin.type("/inc status nowhere");
    tocsin.type("/inc frobnicate");
    tocsin.type("/inc list all");
    expect(await tocsin.finish()).toBe(1);
    expect(tocsin.stdout()).toMatch(/INC-\d{4}-\d{4}\s+SEV3\s+triage\s+TLP:AMBER\s+Script test/);
    expect(tocsin.stderr()).toContain("tocsin: 2 commands were refused or failed");
  });

  it("exits 0 when every piped line went through, a pasted signed block included", async () => {
    const tocsin = startTocsin({ TOCSIN_DATA_DIR: dataDir, ...keyEnv });
    tocsin.type("/bulletin verify");
    for (const line of signed.trimEnd().split("\n")) tocsin.type(line);
    tocsin.type("/inc list");
    expect(await tocsin.finish()).toBe(0);
    expect(tocsin.stdout()).toContain("✅ Good signature by the team key");
    expect(tocsin.stderr()).toBe("");
  });

  it("in a terminal, writes logs and files under the data dir and takes a pasted signed block", async () => {
    const terminal = startInTerminal({ TOCSIN_DATA_DIR: dataDir, LOG_LEVEL: "info", ...keyEnv });
    await terminal.waitFor("Type /help");
    const logFile = path.join(dataDir, "tocsin.log");
    await terminal.waitFor(`logs: ${logFile}`);
    terminal.type("/inc declare Terminal test");
    await terminal.waitFor("declared: Terminal test");
    const id = /(INC-\d{4}-\d{4}) declared: Terminal test/.exec(terminal.output())![1]!;
    terminal.type(`/inc report ${id}`);
    await terminal.waitFor("saved as ");
    terminal.type("/bulletin verify");
    await terminal.waitFor("Paste the clear-signed text");
    for (const line of signed.trimEnd().split("\n")) terminal.type(line);
    await terminal.waitFor("✅ Good signature by the team key");
    terminal.type("/quit");
    expect(await terminal.exited).toBe(0);

    const out = terminal.output();
    const saved = /\(file (\S+\.md\.asc):[^\n]* saved as ([^\s)]+)\)/.exec(out);
    expect(saved, out).not.toBeNull();
    expect(path.dirname(path.resolve(saved![2]!))).toBe(path.join(dataDir, "files"));
    expect(await readFile(saved![2]!, "utf8")).toContain("-----BEGIN PGP SIGNED MESSAGE-----");
    expect(out).not.toContain("# Post-incident report");
    // No JSON log line in the conversation; they are in the file.
    expect(out).not.toContain('"level":');
    expect(existsSync(logFile)).toBe(true);
    expect(await readFile(logFile, "utf8")).toContain('"msg":"tocsin ready"');
  });
});

/** tocsin with a pty for stdin and stdout, as in a terminal (util-linux `script`). */
function startInTerminal(env: Record<string, string>) {
  const command = [process.execPath, MAIN].map((word) => `'${word}'`).join(" ");
  const child: ChildProcessWithoutNullStreams = spawn("script", ["-qfec", command, "/dev/null"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      TERM: "dumb",
      TOCSIN_CONSOLE_USER: "alice",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  const output = () => stripVTControlCharacters(out).replace(/\r/g, "");
  return {
    output,
    type: (line: string) => child.stdin.write(`${line}\n`),
    waitFor: (text: string) => until(() => output().includes(text), JSON.stringify(text)),
    exited: new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))),
  };
}
