// What the bulletins desk is configured with, read once at start (BULLETIN_CONFIG and the
// signing key), so a typo stops start-up with the file's own message.
import { readFile } from "node:fs/promises";
import type { PlatformName } from "../chat/invocation.ts";
import type { SplitLimits } from "./digest.ts";
import { loadSigningKey, type SigningKey } from "./signing.ts";
import type { LoadOptions } from "./sources.ts";
import { type BulletinConfig, loadBulletinConfig } from "./subscriptions.ts";

export interface BulletinSettings {
  config?: BulletinConfig;
  signingKey?: SigningKey;
  /** Source loading options (tests inject fetch). */
  load?: LoadOptions;
  /** Overrides the per-platform message limits digests are split to (tests). */
  limits?: Partial<Record<PlatformName, SplitLimits>>;
}

export interface BulletinEnvironment {
  configFile?: string;
  signingKeyFile?: string;
  passphrase?: string;
}

/** Reads BULLETIN_CONFIG and the signing key at start; errors name the variable and the file. */
export async function loadBulletinSettings(env: BulletinEnvironment): Promise<BulletinSettings> {
  const config = env.configFile ? await loadBulletinConfig(env.configFile) : undefined;
  let signingKey: SigningKey | undefined;
  if (env.signingKeyFile) {
    let armored: string;
    try {
      armored = await readFile(env.signingKeyFile, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(error);
      throw new Error(
        `BULLETIN_SIGNING_KEY: cannot read the signing key ${env.signingKeyFile}: ${reason} (npm run keys:generate creates one)`,
      );
    }
    try {
      signingKey = await loadSigningKey(armored, env.passphrase);
    } catch (error) {
      throw new Error(
        `BULLETIN_SIGNING_KEY: ${env.signingKeyFile}: ${(error as Error).message} (the passphrase comes from BULLETIN_SIGNING_PASSPHRASE)`,
      );
    }
  }
  return { config, signingKey };
}
