// npm run keys:generate -- [--out data/bulletin-key.asc] [--name ...] [--email ...]
// Writes the team's bulletin signing key: the passphrase-protected private key (mode 0600), the
// public key to publish (<name>.pub.asc) and a revocation certificate (<name>.rev.asc, keep it
// offline). Never overwrites an existing file.
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { generateSigningKey } from "../src/bulletins/signing.ts";

const USAGE = `Usage: npm run keys:generate -- [--out <file>] [--name <name>] [--email <address>]

Creates an OpenPGP key pair for signing bulletins (v4, ed25519/curve25519).
  --out     private key file (default data/bulletin-key.asc); the public key is written
            next to it as <name>.pub.asc, a revocation certificate as <name>.rev.asc
  --name    user id name (default "tocsin security bulletins")
  --email   user id e-mail address (optional)

The passphrase comes from the environment variable BULLETIN_SIGNING_PASSPHRASE.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  let values: { out?: string; name?: string; email?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: "string", default: "data/bulletin-key.asc" },
        name: { type: "string", default: "tocsin security bulletins" },
        email: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const passphrase = process.env.BULLETIN_SIGNING_PASSPHRASE;
  if (!passphrase)
    throw new UsageError("set BULLETIN_SIGNING_PASSPHRASE to the passphrase that protects the key");
  if (values.email !== undefined && !/^[^\s@<>]+@[^\s@<>]+$/.test(values.email)) {
    throw new UsageError(`"${values.email}" is not an e-mail address`);
  }

  const privatePath = path.resolve(values.out ?? "data/bulletin-key.asc");
  const stem = privatePath.replace(/\.asc$/i, "");
  const publicPath = `${stem}.pub.asc`;
  const revocationPath = `${stem}.rev.asc`;
  for (const file of [privatePath, publicPath, revocationPath]) {
    if (await exists(file)) throw new UsageError(`${file} already exists; refusing to overwrite a key`);
  }

  const pair = await generateSigningKey({
    name: values.name ?? "tocsin security bulletins",
    email: values.email,
    passphrase,
  });
  await mkdir(path.dirname(privatePath), { recursive: true });
  // "wx" fails if the file appeared meanwhile, so a key is never silently replaced.
  await writeFile(privatePath, pair.privateKeyArmored, { mode: 0o600, flag: "wx" });
  await writeFile(revocationPath, pair.revocationCertificate, { mode: 0o600, flag: "wx" });
  await writeFile(publicPath, pair.publicKeyArmored, { mode: 0o644, flag: "wx" });
  process.stdout.write(
    [
      `private key:  ${privatePath}`,
      `public key:   ${publicPath}`,
      `revocation:   ${revocationPath} (store it offline)`,
      `fingerprint:  ${pair.fingerprint}`,
      "",
    ].join("\n"),
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`keys:generate: ${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`keys:generate failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
