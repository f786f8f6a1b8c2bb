// The system's GnuPG, to prove that bulletins verify with stock tools and not only with the
// library that signed them. Tests fail (never skip) when it is missing: CI installs gnupg.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface GpgOutcome {
  ok: boolean;
  /** What gpg printed on stderr (its verdict) and stdout. */
  stderr: string;
  stdout: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): GpgOutcome {
  const result = spawnSync(command, args, { env, encoding: "utf8", timeout: 20_000 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new Error(
      missing
        ? `"${command}" is not installed. Install Debian's GnuPG (apt-get install -y gnupg); CI installs it in .ci/run.`
        : `${command} failed to run: ${result.error.message}`,
    );
  }
  return { ok: result.status === 0, stderr: result.stderr, stdout: result.stdout };
}

/** Runs `work` with a throwaway GNUPGHOME holding the files it needs. */
function withGnupgHome<T>(
  files: Record<string, string>,
  work: (home: string, env: NodeJS.ProcessEnv) => T,
): T {
  const home = mkdtempSync(path.join(tmpdir(), "tocsin-gnupg-"));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(path.join(home, name), content);
    return work(home, { ...process.env, GNUPGHOME: home, LC_ALL: "C" });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** `gpgv --keyring <dearmored key>`: verification without a trust database. */
export function verifyWithGpgv(signed: string, publicKeyArmored: string): GpgOutcome {
  return withGnupgHome({ "key.asc": publicKeyArmored, "signed.asc": signed }, (home, env) => {
    const dearmor = run(
      "gpg",
      ["--batch", "--yes", "--dearmor", "--output", path.join(home, "key.gpg"), path.join(home, "key.asc")],
      env,
    );
    if (!dearmor.ok) throw new Error(`gpg --dearmor failed: ${dearmor.stderr}`);
    return run("gpgv", ["--keyring", path.join(home, "key.gpg"), path.join(home, "signed.asc")], env);
  });
}

/** `gpg --import` then `gpg --decrypt`, which verifies and prints the signed text as gpg sees it. */
export function verifyWithGpg(signed: string, publicKeyArmored: string): GpgOutcome {
  return withGnupgHome({ "key.asc": publicKeyArmored, "signed.asc": signed }, (home, env) => {
    const imported = run("gpg", ["--batch", "--import", path.join(home, "key.asc")], env);
    if (!imported.ok) throw new Error(`gpg --import failed: ${imported.stderr}`);
    const verified = run("gpg", ["--batch", "--verify", path.join(home, "signed.asc")], env);
    if (!verified.ok) return verified;
    const decrypted = run("gpg", ["--batch", "--decrypt", path.join(home, "signed.asc")], env);
    return { ok: verified.ok && decrypted.ok, stderr: verified.stderr, stdout: decrypted.stdout };
  });
}
